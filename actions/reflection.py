"""'Where are we going' (issue 16): a private reflection, shared only if the writer chooses.

Each partner picks what feels closest today (staying and rebuilding, parting with care, not sure
yet) and answers a few prompts from ``content/reflection.yml``. The reflection is sealed in
``private_notes``; the words of these turns never stay in the tracker. Sending it is two taps of
the writer's own (send, then yes, send my words); it goes to the partner's private chat as a
``reflection`` reminder whose details are sealed too.
"""
from __future__ import annotations

import secrets
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.apology import partner_chats
from actions.closeness import leave_the_group, refuse_here, speaks
from actions.common import is_group, user_text, who
from actions.forms import KintsugiFormValidation
from bot import clock, content, private_words, sealed, storage
from bot.closeness import PICK, token_in
from bot.storage import private_notes

KIND = private_notes.REFLECTION
CONTENT = "reflection.yml"
REMINDER_KIND = "reflection"


def _content() -> Dict[str, Any]:
    return content.load(CONTENT)


def new_note(language: str = "en") -> Dict[str, Any]:
    """An empty reflection with a fresh salt for its button ids, in the writer's language."""
    return {"salt": secrets.token_hex(8), "direction": None, "answers": [], "stage": "direction", "lang": language}


def _words(language: str, *keys: str) -> Any:
    """The reflection's own words in ``language`` (``content/reflection_i18n/``), else English."""
    english: Any = _content()
    for key in keys:
        english = (english or {}).get(key) if isinstance(english, dict) else None
    return private_words.word("reflection", language, *keys, english=english)


def say(dispatcher: CollectingDispatcher, language: str, response: str, **values: Any) -> None:
    """A response of the reflection in ``language``."""
    private_words.say(dispatcher, "reflection", language, response, **values)


def prompts(note: Dict[str, Any]) -> List[str]:
    """The prompts of the chosen direction, in the note's language."""
    direction = note.get("direction") or ""
    if direction not in _content()["directions"]:
        return []
    return [str(p) for p in _words(note.get("lang") or "en", "directions", direction, "prompts") or []]


def codes(note: Dict[str, Any]) -> List[str]:
    """The button codes of the current stage."""
    return {"direction": [f"dir:{d}" for d in _content()["directions"]], "prompt": ["skip"],
            "choose": ["keep", "share"], "confirm": ["share_yes", "share_no"]}.get(note.get("stage"), [])


def title(code: str, language: str = "en") -> str:
    """A button's title, in ``language``."""
    if code.startswith("dir:"):
        return str(_words(language, "directions", code[4:], "title"))
    return str(_words(language, "buttons", code))


def buttons(note: Dict[str, Any]) -> List[Dict[str, str]]:
    """The current stage's buttons (in the note's language), with opaque payloads."""
    return [{"title": title(c, note.get("lang") or "en"), "payload": f'{PICK}{{"private_token":"{sealed.opaque_id("reflection", note["salt"], c)}"}}'}
            for c in codes(note)]


def resolve(note: Dict[str, Any], pressed: str) -> Optional[str]:
    """The code a pressed id stands for in this reflection (any stage), or None."""
    every = [f"dir:{d}" for d in _content()["directions"]] + ["skip", "keep", "share", "share_yes", "share_no"]
    return next((c for c in every if sealed.opaque_id("reflection", note["salt"], c) == pressed), None)


def written(note: Dict[str, Any]) -> str:
    """The reflection as the writer reads it back (and, if they choose, their partner)."""
    direction = note.get("direction") or ""
    parts = [title(f"dir:{direction}", note.get("lang") or "en")] if direction in _content()["directions"] else []
    for prompt, answer in zip(prompts(note), note.get("answers") or []):
        if answer:
            parts.append(f"{prompt}\n{answer}")
    return "\n\n".join(parts)


def advance(note: Dict[str, Any], code: Optional[str], text: str) -> Optional[str]:
    """Apply a press (``code``) or typed ``text``; the outcome when the form should end."""
    stage = note.get("stage")
    if stage == "direction" and code and code.startswith("dir:"):
        note["direction"], note["stage"] = code[4:], "prompt"
    elif stage == "prompt" and (code == "skip" or (code is None and text)):
        skip = code == "skip" or text.casefold().strip() in [str(w) for w in _content()["skip_words"]]
        limit = int(_content().get("max_chars") or 1500)
        note["answers"].append("" if skip else " ".join(text.split())[:limit])
        if len(note["answers"]) >= len(prompts(note)):
            if not any(note["answers"]):
                note["stage"] = "done"
                return "kept"
            note["stage"] = "choose"
    elif stage == "choose" and code in ("keep", "share"):
        if code == "keep":
            note["stage"] = "done"
            return "kept"
        note["stage"] = "confirm"
    elif stage == "confirm" and code in ("share_yes", "share_no"):
        note["stage"] = "done"
        return "shared" if code == "share_yes" else "kept"
    else:
        return "unclear"
    return None


class ActionReflectionStart(Action):
    """Open a new reflection (showing the last one to its writer first)."""

    def name(self) -> Text:
        return "action_reflection_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        from rasa_sdk.events import FollowupAction

        if refuse_here(tracker, dispatcher):
            return [FollowupAction("action_listen")]
        person = who(tracker)
        old = private_notes.readable_note(person.partner_id, KIND)
        language = speaks(tracker, old)
        if old and old.get("stage") in ("done", "choose", "confirm") and written(old):
            say(dispatcher, language, "utter_reflection_last_time", words=written(old))
        else:
            say(dispatcher, language, "utter_reflection_intro")
        private_notes.write_note(person.partner_id, KIND, new_note(language))
        return [SlotSet("reflection_answer", None)]


class ActionAskReflectionAnswer(Action):
    """Ask for the direction, the next prompt, keep-or-send, or the confirmation to send."""

    def name(self) -> Text:
        return "action_ask_reflection_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):  # the start action failed to stop it (e.g. a lost action call): stop here
            return leave_the_group(dispatcher, tracker)
        note = private_notes.readable_note(who(tracker).partner_id, KIND) or new_note(speaks(tracker))
        language = note.get("lang") or "en"
        stage = note.get("stage")
        if stage == "prompt":
            say(dispatcher, language, "utter_reflection_prompt", prompt=prompts(note)[len(note["answers"])],
                buttons=buttons(note))
        elif stage == "choose":
            say(dispatcher, language, "utter_reflection_read_back", words=written(note), buttons=buttons(note))
        elif stage == "confirm":
            say(dispatcher, language, "utter_reflection_confirm_share", buttons=buttons(note))
        else:
            say(dispatcher, language, "utter_reflection_ask_direction", buttons=buttons(note))
        return []


class ValidateReflectionForm(KintsugiFormValidation):
    """Each answer goes into the sealed note; the slot only ever says how the form ended."""

    def name(self) -> Text:
        return "validate_reflection_form"

    async def validate_reflection_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> Dict[Text, Any]:
        """A press or typed words; the form ends once the writer has kept or sent it."""
        if is_group(tracker):
            return {"reflection_answer": "stop"}  # never answered where the other partner reads
        person = who(tracker)
        note = private_notes.readable_note(person.partner_id, KIND) or new_note()
        text = str(value or user_text(tracker))[:4000]
        pressed = token_in(text)
        code = resolve(note, pressed) if pressed else None
        if pressed and code is None:
            private_words.say(dispatcher, "closeness", note.get("lang") or "en", "utter_private_old_button")
            return {"reflection_answer": None}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not pressed and intent == "cancel" and len(text.split()) <= 4:
            note["stage"] = "done"  # "stop", "not now": what is written so far stays, just for them
            outcome: Optional[str] = "kept"
        else:
            outcome = advance(note, code, "" if pressed else text)
        if outcome == "unclear":
            say(dispatcher, note.get("lang") or "en", "utter_reflection_use_buttons")
            return {"reflection_answer": None}
        private_notes.write_note(person.partner_id, KIND, note)
        return {"reflection_answer": outcome}


def reader_language(tracker: Tracker) -> str:
    """The language of whoever reads a delivered reflection: the trigger carries none, so the latest message
    here that named one (their client's), else English."""
    for event in reversed(tracker.events or []):
        told = ((event.get("metadata") or {}) if event.get("event") == "user" else {}).get("language")
        if told:
            return private_words.choose(told)
    return "en"


def deliver(tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    """Send the finished reflection to the partner's private chats (sealed in the reminder)."""
    person = who(tracker)
    note = private_notes.readable_note(person.partner_id, KIND) or {}
    chats = partner_chats(person)
    language = note.get("lang") or "en"
    if not chats or not written(note):
        say(dispatcher, language, "utter_reflection_no_partner_chat")
        return
    now = clock.now()
    for chat in chats:
        storage.schedule_reminder(person.couple_id, chat, now, REMINDER_KIND, {"sealed": sealed.seal(written(note)),
                                                                             "language": language})
    note["shared"] = True
    private_notes.write_note(person.partner_id, KIND, note)
    say(dispatcher, language, "utter_reflection_sent")


class ActionReflectionWrapup(Action):
    """After the form: kept (the default), or sent because the writer said so twice."""

    def name(self) -> Text:
        return "action_reflection_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):
            pass  # nothing about a reflection is said in a group
        elif tracker.get_slot("reflection_answer") == "shared":
            deliver(tracker, dispatcher)
        else:
            note = private_notes.readable_note(who(tracker).partner_id, KIND) or {}
            say(dispatcher, speaks(tracker, note), "utter_reflection_kept")
        return [SlotSet("reflection_answer", None), SlotSet("requested_slot", None)]


class ActionReflectionDelivered(Action):
    """A partner's chosen reflection arriving in a web or REST chat (reminder kind ``reflection``)."""

    def name(self) -> Text:
        return "action_reflection_delivered"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        sent = storage.latest_reminder(tracker.sender_id, REMINDER_KIND)
        if sent is not None and sent.details.get("sealed"):
            try:
                text = sealed.unseal(str(sent.details["sealed"]))
            except (sealed.Unreadable, sealed.MissingKey):
                text = None
            if text:
                say(dispatcher, reader_language(tracker), "utter_reflection_delivered", words=text)
        return []
