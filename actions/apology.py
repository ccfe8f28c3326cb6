"""The apology builder: the partner who broke trust says sorry in their own words, owning it.

Four guided steps (what I did; that I chose it; what it did to you; what I'm doing now), the
draft read back, and a choice: send it to the partner, or keep it. Nothing is sent without a yes.

Everything the builder says is in the writer's language, chosen as the private notes choose it
(``bot.private_words``): their client's, else the language of their words since they started the
builder, else English. German, Spanish and French live in ``content/apology_i18n/<lang>.yml``.
"""
from __future__ import annotations

import re
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import clear_flow_slots, is_group, metadata, safe_log_event, user_text, who
from actions.forms import KintsugiFormValidation, refused_this_turn
from bot import clock, content, private_words, storage
from bot.language.apology import draft, owning_note, send_choice
from bot.storage import events

PART_SLOTS = ("apology_what", "apology_chose", "apology_impact", "apology_change")
MAX_PART = 600
FLOW = "apology"  # content/apology_i18n/<lang>.yml
START_INTENT = "build_apology"


def _has_words(text: str) -> bool:
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def apology_draft(tracker: Tracker) -> str:
    """The apology so far, in the writer's own words."""
    return draft([tracker.get_slot(name) for name in PART_SLOTS])


def partner_chats(person: storage.Who) -> List[str]:
    """The other partner's own chats: every private chat of the couple but this one, and their own widget
    sessions (a widget partner's key names its session, ``web:<session>:<A|B>``; a session this person
    writes in too is a shared device, never the other partner's own)."""
    if person.partner_count < 2:
        return []
    chats = [c for c in storage.private_conversations_of(person.couple_id) if c != person.conversation_id]
    return chats + [c for c in _partner_web_sessions(person) if c not in chats]


def _partner_web_sessions(person: storage.Who) -> List[str]:
    from bot.storage.couples import partner_by_id, partner_timezones

    couple_chats, sessions = set(storage.conversations_of(person.couple_id)), []
    for partner_id in partner_timezones(person.couple_id):
        if partner_id in (None, person.partner_id):
            continue
        key = str(getattr(partner_by_id(partner_id), "external_id", "") or "").split(":")
        if len(key) == 3 and key[0] == "web" and key[1] != person.conversation_id and key[1] in couple_chats:
            sessions.append(key[1])
    return sessions


def _words_since_start(tracker: Tracker) -> str:
    """What the writer typed since they asked for the builder (the asking included), for guessing its language."""
    texts: List[str] = []
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "")
        if not text.startswith("/"):
            texts.append(text)
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == START_INTENT:
            break
    return " ".join(reversed(texts))[:2000]


def speaks(tracker: Tracker) -> str:
    """The writer's language: their client's, else the one their words since the start are clearly in, else this
    message's, else English (``bot.private_words.choose``, as the private notes choose it)."""
    from bot.safety.language_guess import guess_language

    told = metadata(tracker).get("language")
    if str(told or "")[:2].lower() in private_words.LANGUAGES:
        return private_words.choose(told)
    return private_words.choose(None, guess_language(_words_since_start(tracker)), user_text(tracker))


def send_buttons(language: str) -> List[Dict[str, str]]:
    """The read-back's two choices in ``language``; their payloads are the English words ``send_choice`` reads."""
    english = content.load("apology")["buttons"]
    return [{"title": str(private_words.word(FLOW, language, "buttons", key, english=english[key]["title"])),
             "payload": str(english[key]["payload"])} for key in ("send", "keep")]


def say(dispatcher: CollectingDispatcher, language: str, response: str,
        buttons: Optional[List[Dict[str, str]]] = None, **values: Any) -> None:
    """Utter ``response`` in ``language``; a translated read-back carries ``buttons`` in place of the
    domain's English ones (``bot.private_words.say``)."""
    private_words.say(dispatcher, FLOW, language, response, buttons=buttons, replaces_buttons=True, **values)


class ActionStartApology(Action):
    """Open the apology builder and say that nothing is sent without the writer's yes."""

    def name(self) -> Text:
        return "action_start_apology"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):  # drafting is coaching for the writer alone: never where the partner reads
            from rasa_sdk.events import FollowupAction

            from actions import closeness

            closeness.say(dispatcher, closeness.speaks(tracker), "utter_private_in_group")
            return [FollowupAction("action_listen")]
        person = who(tracker)
        safe_log_event(tracker.sender_id, events.APOLOGY_STARTED, partner_id=person.partner_id,
                       couple_id=person.couple_id)
        say(dispatcher, speaks(tracker), "utter_apology_intro")
        return clear_flow_slots(tracker)


class ValidateApologyForm(KintsugiFormValidation):
    """Take each part in the writer's words; point out, once, wording that gives ownership away."""

    def name(self) -> Text:
        return "validate_apology_form"

    def _part(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())[:MAX_PART]
        language = speaks(tracker)
        if not _has_words(text):
            say(dispatcher, language, "utter_apology_need_words")
            return {slot: None}
        noted = list(tracker.get_slot("apology_noted") or [])
        found = owning_note(text, language)
        if found is not None and slot not in noted:
            person = who(tracker)
            safe_log_event(tracker.sender_id, events.APOLOGY_COACHED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": found.kind, "step": slot})
            say(dispatcher, language, "utter_apology_owning", note=found.note, instead=found.instead)
            return {slot: None, "apology_noted": noted + [slot]}
        if found is not None:
            say(dispatcher, language, "utter_apology_kept_words")
        return {slot: text}

    async def validate_apology_what(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        """What I did, in plain words."""
        return self._part("apology_what", value, dispatcher, tracker)

    async def validate_apology_chose(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        """That I chose it."""
        return self._part("apology_chose", value, dispatcher, tracker)

    async def validate_apology_impact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        """What it did to you."""
        return self._part("apology_impact", value, dispatcher, tracker)

    async def validate_apology_change(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        """What I am doing now and will keep doing."""
        return self._part("apology_change", value, dispatcher, tracker)

    async def validate_apology_send(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        """Send it or keep it: only a clear yes sends."""
        choice = send_choice(str(value or "")[:300])
        if choice is None:  # said with the question as one message (actions/forms.py), then read back with its buttons
            say(dispatcher, speaks(tracker), "utter_apology_send_unclear")
            return {"apology_send": None}
        return {"apology_send": "send" if choice else "keep"}


class ActionAskApologySend(Action):
    """Read the draft back in the writer's own words, then ask: send it, or keep it?"""

    def name(self) -> Text:
        return "action_ask_apology_send"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        language = speaks(tracker)
        say(dispatcher, language, "utter_apology_read_back", buttons=send_buttons(language),
            draft=apology_draft(tracker))
        return []


class _AskPart(Action, metaclass=ABCMeta):
    """Ask one step's question in the writer's language, unless this message's note already asked again."""

    slot = ""

    @abstractmethod
    def name(self) -> Text:
        """action_ask_<slot>; abstract so the action server skips this base class."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not refused_this_turn(tracker, self.slot, "apology_form"):
            say(dispatcher, speaks(tracker), f"utter_ask_{self.slot}")
        return []


def _ask_part(slot: str) -> type:
    attrs: Dict[str, Any] = {"slot": slot, "__doc__": f"Ask for {slot} in the writer's language.",
                             "name": lambda self: f"action_ask_{self.slot}"}
    return ABCMeta("ActionAsk" + "".join(part.title() for part in slot.split("_")), (_AskPart,), attrs)


ASK_PARTS = [_ask_part(slot) for slot in PART_SLOTS]


class ActionApologyWrapup(Action):
    """Send the apology to the partner's chat after a yes; otherwise it stays with the writer."""

    def name(self) -> Text:
        return "action_apology_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        text = apology_draft(tracker)
        language = speaks(tracker)
        reset = clear_flow_slots(tracker)
        if tracker.get_slot("apology_send") != "send" or not text:
            safe_log_event(tracker.sender_id, events.APOLOGY_KEPT, partner_id=person.partner_id,
                           couple_id=person.couple_id)
            say(dispatcher, language, "utter_apology_kept")
            return reset
        if is_group(tracker):
            # Both partners read this chat: the answers are already here, so nothing is sent elsewhere.
            safe_log_event(tracker.sender_id, events.APOLOGY_SENT, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"where": "group"})
            say(dispatcher, language, "utter_apology_shared_here")
            return reset
        chats = partner_chats(person)
        if not chats:
            say(dispatcher, language, "utter_apology_no_partner_chat")
            return reset
        now = clock.now()
        for chat in chats:
            storage.schedule_reminder(person.couple_id, chat, now, "apology",
                                      {"text": text, "from_partner": person.partner_id,
                                       "language": language})
        safe_log_event(tracker.sender_id, events.APOLOGY_SENT, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"where": "partner_chat", "chats": len(chats)})
        say(dispatcher, language, "utter_apology_sent")
        return reset


def reader_language(tracker: Tracker, kept: Any = None) -> str:
    """The language of whoever reads a delivered apology: the trigger carries none, so the latest message here that
    named one (their client's), else the writer's, kept with the reminder, else English."""
    for event in reversed(tracker.events or []):
        told = ((event.get("metadata") or {}) if event.get("event") == "user" else {}).get("language")
        if told:
            return private_words.choose(told)
    return private_words.choose(kept)
