"""Session start: a short welcome that says what Kintsugi is and is not."""
from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import metadata, who

log = logging.getLogger(__name__)

# Slots that describe the couple, not one conversation: they survive a new session.
CARRIED_OVER = ("pause_signal", "safety_level", "safety_private", "crisis_category")


class ActionSessionStart(Action):
    """Start a session, keep the couple's slots and a safety hold, and welcome new people."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        carried = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_OVER
                   if tracker.get_slot(name) is not None]
        first_time = not any(e.get("event") == "user" for e in tracker.events)
        meta = metadata(tracker)
        # In a private Telegram chat /start has already said who Kintsugi is.
        welcomed_by_channel = meta.get("channel") == "telegram" and meta.get("chat_type") == "private"
        # A crisis or a worrying first message: help comes first, with no welcome before it.
        help_first = meta.get("kintsugi_safety") in ("crisis", "check")
        if first_time and not welcomed_by_channel and not help_first:
            dispatcher.utter_message(response="utter_welcome")
        try:
            who(tracker)  # register the partner (and a practice code) before the first flow
        except Exception:  # noqa: BLE001 - a storage hiccup must not block the welcome
            log.exception("could not register the partner at session start")
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
