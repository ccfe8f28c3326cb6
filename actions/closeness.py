"""The yes/no/maybe list (issue 16): each partner sorts it alone; only the overlap is ever shown.

Private chats and the widget only (a group gets one line inviting them to a private chat).
Answers live sealed in ``private_notes`` (``bot.closeness`` says how); buttons carry opaque ids;
the words of these turns are never stored in the tracker (``bot/rasa_plugins/private_turns.py``).
Nothing here goes to the event log, not even that a list exists: the therapist sees none of it.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import MAX_TEXT, is_group, metadata, user_text, who
from actions.forms import KintsugiFormValidation
from bot import closeness, content, private_words, sealed, storage
from bot.storage import private_notes

log = logging.getLogger(__name__)
KIND = private_notes.CLOSENESS
CANCEL_INTENT = "cancel"


def private_mode(tracker: Tracker) -> Optional[str]:
    """The ``private_mode`` entity of the latest message (a menu button), if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "private_mode":
            return str(entity.get("value") or "")
    return None


def speaks(tracker: Tracker, note: Optional[Dict[str, Any]] = None) -> str:
    """The person's language: the client's, the one kept with their note, or their typed words' (``bot.private_words``)."""
    return private_words.choose(metadata(tracker).get("language"), (note or {}).get("lang"), user_text(tracker))


def say(dispatcher: CollectingDispatcher, language: str, response: str, **values: Any) -> None:
    """A response of the list in ``language``."""
    private_words.say(dispatcher, "closeness", language, response, **values)


def refuse_here(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """True (and said so) when a private flow cannot run here: a group chat, or no key."""
    if is_group(tracker):
        say(dispatcher, speaks(tracker), "utter_private_in_group")
        return True
    try:
        sealed.check_key()
    except sealed.MissingKey as exc:
        log.error("private notes are off: %s", exc)
        say(dispatcher, speaks(tracker), "utter_private_unavailable")
        return True
    return False


def _said(entry: tuple, language: str = "en") -> str:
    answer, condition = entry
    if answer == "maybe" and condition:
        return str(closeness.words(language, "said", "maybe_if")).format(condition=condition)
    return str(closeness.words(language, "said", answer)) if answer in ("yes", "maybe") else str(answer)


def overlap_lines(person: storage.Who, language: str = "en") -> Optional[str]:
    """The overlap as ``person`` reads it, in ``language``; None while either list is unfinished (or no partner yet)."""
    notes = private_notes.couple_notes(person.couple_id, KIND)
    mine = notes.pop(person.partner_id, None)
    if person.partner_count < 2 or not mine or not mine.get("done") or len(notes) != 1:
        return None
    theirs = next(iter(notes.values()))
    if not theirs.get("done"):
        return None
    fmt = str(closeness.words(language, "overlap_line"))
    return "\n".join(fmt.format(item=s.text, mine=_said(s.mine, language), theirs=_said(s.theirs, language))
                     for s in closeness.overlap(mine, theirs, language))


def leave_the_group(dispatcher: CollectingDispatcher, tracker: Optional[Tracker] = None) -> List[EventType]:
    """In a group a private form never asks: one kind line, and the form is closed."""
    say(dispatcher, speaks(tracker) if tracker is not None else "en", "utter_private_in_group")
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def show_overlap_or_wait(dispatcher: CollectingDispatcher, person: storage.Who, language: str = "en") -> None:
    """The overlap when both lists are finished, otherwise the kind 'waiting' line."""
    lines = overlap_lines(person, language)
    if lines is None:
        say(dispatcher, language, "utter_closeness_waiting", buttons=[go_on_button(language, "waiting")])
    elif lines:
        say(dispatcher, language, "utter_closeness_overlap", lines=lines)
    else:
        say(dispatcher, language, "utter_closeness_no_overlap")


def go_on_button(language: str, which: str) -> Dict[str, str]:
    """The button that opens the list again (``paused``: go on sorting; ``waiting``: see where you meet)."""
    return {"title": str(closeness.words(language, "go_on_buttons", which, "title")),
            "payload": str(closeness.words("en", "go_on_buttons", which, "payload"))}


def done_buttons(language: str) -> List[Dict[str, str]]:
    """'Start mine again' and 'Delete mine', titled in ``language``."""
    english = content.load(closeness.CONTENT)["done_buttons"]
    titles = private_words.word("closeness", language, "done_buttons") or []
    return [{"title": str(titles[n]) if n < len(titles) else b["title"], "payload": b["payload"]}
            for n, b in enumerate(english)]


def apply_pick(note: Dict[str, Any], pressed: str) -> Optional[str]:
    """Record a pressed opaque id in ``note``; the outcome: answered | stop | done | old."""
    found = closeness.resolve(note, pressed)
    if found is None:
        return "old"
    target, code = found
    if code == "stop":
        note["pending"] = None if (note.get("pending") or {}).get("kind") == "own_item" else note.get("pending")
        return "stop"
    if target == "own_offer":
        if code == "finish":
            note["done"], note["pending"] = True, None
            return "done"
        note["pending"] = {"kind": "own_item"}
        return "answered"
    closeness.answer(note, target, code)
    return "answered"


class ActionClosenessStart(Action):
    """Open the list: the intro (first time), go on where they stopped, or the overlap when done."""

    def name(self) -> Text:
        return "action_closeness_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if refuse_here(tracker, dispatcher):
            return [FollowupAction("action_listen")]
        person = who(tracker)
        note = private_notes.readable_note(person.partner_id, KIND)
        language = speaks(tracker, note)
        if note is not None and private_mode(tracker) == "redo":
            note = None
            say(dispatcher, language, "utter_closeness_again")
        if note is None:
            private_notes.write_note(person.partner_id, KIND, {**closeness.new_note(), "lang": language})
            say(dispatcher, language, "utter_closeness_intro")
            return [SlotSet("closeness_answer", None)]
        if language != note.get("lang"):
            private_notes.write_note(person.partner_id, KIND, {**note, "lang": language})
        if note.get("done"):
            show_overlap_or_wait(dispatcher, person, language)
            say(dispatcher, language, "utter_closeness_done_menu", buttons=done_buttons(language))
            return [FollowupAction("action_listen")]
        say(dispatcher, language, "utter_closeness_welcome_back")
        return [SlotSet("closeness_answer", None)]


class ActionAskClosenessAnswer(Action):
    """Ask the next thing: an item with its answers, a condition, an own item, or the offer to add one."""

    def name(self) -> Text:
        return "action_ask_closeness_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):  # the start action failed to stop it (e.g. a lost action call): stop here
            return leave_the_group(dispatcher, tracker)
        person = who(tracker)
        note = private_notes.readable_note(person.partner_id, KIND) or closeness.new_note()
        language = speaks(tracker, note)
        step = closeness.next_step(note, language)
        buttons = closeness.buttons(note, step, language)
        if step.kind == "item" and step.position:
            say(dispatcher, language, "utter_closeness_item", group=step.item.group, item=step.item.text,
                position=step.position, total=step.total, buttons=buttons)
        elif step.kind == "item":
            say(dispatcher, language, "utter_closeness_own_item", item=step.item.text, buttons=buttons)
        elif step.kind == "condition":
            say(dispatcher, language, "utter_closeness_ask_condition", item=step.item.text if step.item else "",
                buttons=buttons)
        elif step.kind == "own_item":
            say(dispatcher, language, "utter_closeness_ask_own", buttons=buttons)
        else:
            say(dispatcher, language, "utter_closeness_own_offer", buttons=buttons)
        return []


class ValidateClosenessForm(KintsugiFormValidation):
    """Every answer goes straight into the sealed note; the slot itself never keeps one."""

    def name(self) -> Text:
        return "validate_closeness_form"

    async def validate_closeness_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        """Pressed ids and typed words: recorded, then the form asks the next thing (or ends)."""
        if is_group(tracker):
            return {"closeness_answer": "stop"}  # never answered where the other partner reads
        person = who(tracker)
        note = private_notes.readable_note(person.partner_id, KIND) or closeness.new_note()
        text = str(value or user_text(tracker))[:MAX_TEXT]
        pressed = closeness.token_in(text)
        if pressed is not None:
            outcome = apply_pick(note, pressed)
        else:
            outcome = self._typed(note, text, tracker, dispatcher)
        if outcome == "old":
            say(dispatcher, speaks(tracker, note), "utter_private_old_button")
            return {"closeness_answer": None}
        private_notes.write_note(person.partner_id, KIND, note)
        if outcome in ("stop", "done"):
            return {"closeness_answer": outcome}
        return {"closeness_answer": None}

    @staticmethod
    def _typed(note: Dict[str, Any], text: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> str:
        step = closeness.next_step(note)
        words = " ".join(text.split())
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == CANCEL_INTENT and len(words.split()) <= 4 and closeness.typed_answer(words) is None:
            return "stop"  # "stop", "not now, later": what is sorted so far is kept
        if step.kind in ("condition", "own_item") and words:
            (closeness.add_condition if step.kind == "condition" else closeness.add_own)(note, words)
            return "answered"
        typed = closeness.typed_answer(words)
        if step.kind == "item" and typed is not None:
            closeness.answer(note, step.item.id, "maybe:own" if typed == "maybe" else typed)
            return "answered"
        if step.kind == "own_offer" and typed in ("no",):
            note["done"] = True
            return "done"
        say(dispatcher, speaks(tracker, note), "utter_closeness_use_buttons")
        return "answered"


class ActionClosenessWrapup(Action):
    """After the form: kept for later, or finished (then the overlap, or the waiting line)."""

    def name(self) -> Text:
        return "action_closeness_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):
            pass  # nothing about a private list is said in a group
        else:
            person = who(tracker)
            language = speaks(tracker, private_notes.readable_note(person.partner_id, KIND))
            if tracker.get_slot("closeness_answer") == "done":
                show_overlap_or_wait(dispatcher, person, language)
            else:
                say(dispatcher, language, "utter_closeness_paused", buttons=[go_on_button(language, "paused")])
        return [SlotSet("closeness_answer", None), SlotSet("requested_slot", None)]
