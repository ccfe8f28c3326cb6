"""The apology builder: the partner who broke trust says sorry in their own words, owning it.

Four guided steps (what I did; that I chose it; what it did to you; what I'm doing now), the
draft read back, and a choice: send it to the partner, or keep it. Nothing is sent without a yes.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import clear_flow_slots, is_group, metadata, safe_log_event, who
from actions.forms import KintsugiFormValidation
from bot import clock, storage
from bot.language.apology import draft, owning_note, send_choice
from bot.storage import events

PART_SLOTS = ("apology_what", "apology_chose", "apology_impact", "apology_change")
MAX_PART = 600


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


def writer_language(tracker: Tracker, text: str) -> str:
    """The writer's language, kept with a sent apology for its reader's frame: their client's, else their words'."""
    from bot import private_words

    return private_words.choose(metadata(tracker).get("language"), None, text)


class ActionStartApology(Action):
    """Open the apology builder and say that nothing is sent without the writer's yes."""

    def name(self) -> Text:
        return "action_start_apology"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):  # drafting is coaching for the writer alone: never where the partner reads
            from rasa_sdk.events import FollowupAction

            from actions.closeness import say, speaks

            say(dispatcher, speaks(tracker), "utter_private_in_group")
            return [FollowupAction("action_listen")]
        person = who(tracker)
        safe_log_event(tracker.sender_id, events.APOLOGY_STARTED, partner_id=person.partner_id,
                       couple_id=person.couple_id)
        dispatcher.utter_message(response="utter_apology_intro")
        return clear_flow_slots(tracker)


class ValidateApologyForm(KintsugiFormValidation):
    """Take each part in the writer's words; point out, once, wording that gives ownership away."""

    def name(self) -> Text:
        return "validate_apology_form"

    def _part(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())[:MAX_PART]
        if not _has_words(text):
            dispatcher.utter_message(response="utter_apology_need_words")
            return {slot: None}
        noted = list(tracker.get_slot("apology_noted") or [])
        found = owning_note(text)
        if found is not None and slot not in noted:
            person = who(tracker)
            safe_log_event(tracker.sender_id, events.APOLOGY_COACHED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": found.kind, "step": slot})
            dispatcher.utter_message(response="utter_apology_owning", note=found.note, instead=found.instead)
            return {slot: None, "apology_noted": noted + [slot]}
        if found is not None:
            dispatcher.utter_message(response="utter_apology_kept_words")
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
        if choice is None:
            dispatcher.utter_message(response="utter_apology_send_unclear")
            return {"apology_send": None}
        return {"apology_send": "send" if choice else "keep"}


class ActionAskApologySend(Action):
    """Read the draft back in the writer's own words, then ask: send it, or keep it?"""

    def name(self) -> Text:
        return "action_ask_apology_send"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_apology_read_back", draft=apology_draft(tracker))
        return []


class ActionApologyWrapup(Action):
    """Send the apology to the partner's chat after a yes; otherwise it stays with the writer."""

    def name(self) -> Text:
        return "action_apology_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        text = apology_draft(tracker)
        reset = clear_flow_slots(tracker)
        if tracker.get_slot("apology_send") != "send" or not text:
            safe_log_event(tracker.sender_id, events.APOLOGY_KEPT, partner_id=person.partner_id,
                           couple_id=person.couple_id)
            dispatcher.utter_message(response="utter_apology_kept")
            return reset
        if is_group(tracker):
            # Both partners read this chat: the answers are already here, so nothing is sent elsewhere.
            safe_log_event(tracker.sender_id, events.APOLOGY_SENT, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"where": "group"})
            dispatcher.utter_message(response="utter_apology_shared_here")
            return reset
        chats = partner_chats(person)
        if not chats:
            dispatcher.utter_message(response="utter_apology_no_partner_chat")
            return reset
        now = clock.now()
        for chat in chats:
            storage.schedule_reminder(person.couple_id, chat, now, "apology",
                                      {"text": text, "from_partner": person.partner_id,
                                       "language": writer_language(tracker, text)})
        safe_log_event(tracker.sender_id, events.APOLOGY_SENT, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"where": "partner_chat", "chats": len(chats)})
        dispatcher.utter_message(response="utter_apology_sent")
        return reset
