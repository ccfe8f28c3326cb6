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

from actions.common import MAX_TEXT, is_group, user_text, who
from actions.forms import KintsugiFormValidation
from bot import closeness, content, sealed, storage
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


def refuse_here(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """True (and said so) when a private flow cannot run here: a group chat, or no key."""
    if is_group(tracker):
        dispatcher.utter_message(response="utter_private_in_group")
        return True
    try:
        sealed.check_key()
    except sealed.MissingKey as exc:
        log.error("private notes are off: %s", exc)
        dispatcher.utter_message(response="utter_private_unavailable")
        return True
    return False


def _said(entry: tuple) -> str:
    words = content.load(closeness.CONTENT)["said"]
    answer, condition = entry
    if answer == "maybe" and condition:
        return str(words["maybe_if"]).format(condition=condition)
    return str(words.get(answer, answer))


def overlap_lines(person: storage.Who) -> Optional[str]:
    """The overlap as ``person`` reads it; None while either list is unfinished (or no partner yet)."""
    notes = private_notes.couple_notes(person.couple_id, KIND)
    mine = notes.pop(person.partner_id, None)
    if person.partner_count < 2 or not mine or not mine.get("done") or len(notes) != 1:
        return None
    theirs = next(iter(notes.values()))
    if not theirs.get("done"):
        return None
    fmt = str(content.load(closeness.CONTENT)["overlap_line"])
    return "\n".join(fmt.format(item=s.text, mine=_said(s.mine), theirs=_said(s.theirs))
                     for s in closeness.overlap(mine, theirs))


def leave_the_group(dispatcher: CollectingDispatcher) -> List[EventType]:
    """In a group a private form never asks: one kind line, and the form is closed."""
    dispatcher.utter_message(response="utter_private_in_group")
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def show_overlap_or_wait(dispatcher: CollectingDispatcher, person: storage.Who) -> None:
    """The overlap when both lists are finished, otherwise the kind 'waiting' line."""
    lines = overlap_lines(person)
    if lines is None:
        dispatcher.utter_message(response="utter_closeness_waiting")
    elif lines:
        dispatcher.utter_message(response="utter_closeness_overlap", lines=lines)
    else:
        dispatcher.utter_message(response="utter_closeness_no_overlap")


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
        if note is not None and private_mode(tracker) == "redo":
            note = None
            dispatcher.utter_message(response="utter_closeness_again")
        if note is None:
            private_notes.write_note(person.partner_id, KIND, closeness.new_note())
            dispatcher.utter_message(response="utter_closeness_intro")
            return [SlotSet("closeness_answer", None)]
        if note.get("done"):
            show_overlap_or_wait(dispatcher, person)
            dispatcher.utter_message(response="utter_closeness_done_menu",
                                     buttons=content.load(closeness.CONTENT)["done_buttons"])
            return [FollowupAction("action_listen")]
        dispatcher.utter_message(response="utter_closeness_welcome_back")
        return [SlotSet("closeness_answer", None)]


class ActionAskClosenessAnswer(Action):
    """Ask the next thing: an item with its answers, a condition, an own item, or the offer to add one."""

    def name(self) -> Text:
        return "action_ask_closeness_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):  # the start action failed to stop it (e.g. a lost action call): stop here
            return leave_the_group(dispatcher)
        person = who(tracker)
        note = private_notes.readable_note(person.partner_id, KIND) or closeness.new_note()
        step = closeness.next_step(note)
        buttons = closeness.buttons(note, step)
        if step.kind == "item" and step.position:
            dispatcher.utter_message(response="utter_closeness_item", group=step.item.group, item=step.item.text,
                                     position=step.position, total=step.total, buttons=buttons)
        elif step.kind == "item":
            dispatcher.utter_message(response="utter_closeness_own_item", item=step.item.text, buttons=buttons)
        elif step.kind == "condition":
            dispatcher.utter_message(response="utter_closeness_ask_condition",
                                     item=step.item.text if step.item else "", buttons=buttons)
        elif step.kind == "own_item":
            dispatcher.utter_message(response="utter_closeness_ask_own", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_closeness_own_offer", buttons=buttons)
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
            dispatcher.utter_message(response="utter_private_old_button")
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
        dispatcher.utter_message(response="utter_closeness_use_buttons")
        return "answered"


class ActionClosenessWrapup(Action):
    """After the form: kept for later, or finished (then the overlap, or the waiting line)."""

    def name(self) -> Text:
        return "action_closeness_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_group(tracker):
            pass  # nothing about a private list is said in a group
        elif tracker.get_slot("closeness_answer") == "done":
            show_overlap_or_wait(dispatcher, who(tracker))
        else:
            dispatcher.utter_message(response="utter_closeness_paused")
        return [SlotSet("closeness_answer", None), SlotSet("requested_slot", None)]
