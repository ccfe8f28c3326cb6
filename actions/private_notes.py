"""Deleting a private note ("delete my yes no maybe list", "delete my reflection") and old buttons.

A button of a private flow pressed after its form ended (``/private_pick`` with an opaque id)
is recorded where it belongs and the flow goes on; an id from an earlier list is left alone.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import reflection
from actions.closeness import (apply_pick, go_on_button, private_mode, refuse_here, say, show_overlap_or_wait,
                               speaks)
from actions.common import user_text, who
from bot import closeness, content
from bot.storage import private_notes


def which_note(tracker: Tracker) -> str:
    """The kind of note a delete request means: the menu's, else the words', else the list."""
    mode = private_mode(tracker)
    if mode in (private_notes.CLOSENESS, private_notes.REFLECTION):
        return mode
    said = user_text(tracker).casefold()
    words = content.load(closeness.CONTENT).get("reflection_words") or []
    return private_notes.REFLECTION if any(str(w) in said for w in words) else private_notes.CLOSENESS


class ActionPrivateDelete(Action):
    """Delete the person's own list or reflection, at once and whole."""

    def name(self) -> Text:
        return "action_private_delete"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if refuse_here(tracker, dispatcher):
            return []
        gone = private_notes.delete_note(who(tracker).partner_id, which_note(tracker))
        say(dispatcher, speaks(tracker), "utter_private_deleted" if gone else "utter_private_nothing_to_delete")
        return []


class ActionPrivatePick(Action):
    """A private button pressed while no form is open: record it and go on with its flow."""

    def name(self) -> Text:
        return "action_private_pick"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if refuse_here(tracker, dispatcher):
            return []
        person = who(tracker)
        pressed = closeness.token_in(user_text(tracker)) or ""
        note = private_notes.readable_note(person.partner_id, private_notes.CLOSENESS)
        if note is not None and closeness.resolve(note, pressed) is not None:
            outcome = apply_pick(note, pressed)
            private_notes.write_note(person.partner_id, private_notes.CLOSENESS, note)
            if outcome == "done":
                show_overlap_or_wait(dispatcher, person, speaks(tracker, note))
                return []
            if outcome == "stop":
                say(dispatcher, speaks(tracker, note), "utter_closeness_paused",
                    buttons=[go_on_button(speaks(tracker, note), "paused")])
                return []
            return [SlotSet("closeness_answer", None), FollowupAction("closeness_form")]
        mine = private_notes.readable_note(person.partner_id, private_notes.REFLECTION)
        code = reflection.resolve(mine, pressed) if mine else None
        if mine is not None and code is not None and mine.get("stage") != "done":
            outcome = reflection.advance(mine, code, "")
            if outcome != "unclear":
                private_notes.write_note(person.partner_id, private_notes.REFLECTION, mine)
                if outcome is None:
                    return [SlotSet("reflection_answer", None), FollowupAction("reflection_form")]
                return [SlotSet("reflection_answer", outcome), FollowupAction("action_reflection_wrapup")]
        say(dispatcher, speaks(tracker, mine), "utter_private_old_button")
        return []
