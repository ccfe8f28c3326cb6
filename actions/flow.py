"""Leaving a flow kindly, and asking instead of guessing when input is unclear."""
from __future__ import annotations

import re
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import clear_flow_slots, is_group, metadata, safe_log_event, user_text, who
from actions.feelings import suggest_pause_if_heated
from bot import storage
from bot.storage import events


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


class ActionCancelFlow(Action):
    """Stop the current flow without losing anything already agreed."""

    def name(self) -> Text:
        return "action_cancel_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        interrupted = tracker.active_loop.get("name") if tracker.active_loop else None
        if interrupted:
            person = who(tracker)
            safe_log_event(tracker.sender_id, events.FLOW_INTERRUPTED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"flow": interrupted, "by": "cancel"})
        dispatcher.utter_message(response="utter_flow_cancelled")
        return [ActiveLoop(None), *clear_flow_slots(tracker)]


def said_pause_signal(tracker: Tracker) -> Optional[str]:
    """The couple's own pause signal when the latest message is (or contains) it, else None."""
    text = _plain(user_text(tracker))
    signal = tracker.get_slot("pause_signal")
    if not signal and text:
        person = who(tracker)
        rules = storage.current_rules(person.couple_id)
        signal = rules.rules.get("pause_signal") if rules else None
    if signal and text and _plain(signal) and (text == _plain(signal) or f" {_plain(signal)} " in f" {text} "):
        return signal
    return None


async def start_pause_for_signal(dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Optional[List[EventType]]:
    """Start the pause flow when the couple's own signal was said; None when it was not."""
    signal = said_pause_signal(tracker)
    if not signal:
        return None
    from actions.pause import ActionStartPause

    started = await ActionStartPause().run(dispatcher, tracker, domain)
    return [SlotSet("pause_signal", signal), *started, FollowupAction("pause_form")]


class ActionClarify(Action):
    """Unclear input: the couple's own pause signal starts a pause; otherwise ask, never guess."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        started = await start_pause_for_signal(dispatcher, tracker, domain)
        if started is not None:
            return started
        suggested = suggest_pause_if_heated(dispatcher, tracker)
        if suggested is not None:
            return suggested  # the words were unclear to the model, the heat was not
        if is_group(tracker) and not metadata(tracker).get("addressed", True):
            return []  # unaddressed group talk that we don't understand is not ours to answer
        dispatcher.utter_message(response="utter_clarify")
        if (tracker.latest_message.get("intent") or {}).get("name") != "nlu_fallback":
            # Called as the core fallback: forget the turn so the next message starts clean.
            return [UserUtteranceReverted()]
        return []
