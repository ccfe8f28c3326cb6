"""Session start: a short welcome that says what Kintsugi is and is not; the greeting.

Both speak the person's language (``welcome_language``): the client's when it is one of ours, else, on a
first message, the language that message is clearly in (the channel marks it, ``bot.rasa_plugins.first_words``),
else English. German, Spanish and French are in ``content/welcome_i18n/``; English in ``domain.yml``.
"""
from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import metadata, user_text, who
from bot import private_words

log = logging.getLogger(__name__)

# Slots that describe the couple, not one conversation: they survive a new session.
CARRIED_OVER = ("pause_signal", "safety_level", "safety_private", "crisis_category")
# The first message's language, marked by the rasa server's channels (bot/rasa_plugins/first_words.py).
WORDS_LANGUAGE = "kintsugi_words_language"


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
            private_words.say(dispatcher, "welcome", welcome_language(tracker), "utter_welcome")
        try:
            who(tracker)  # register the partner (and a practice code) before the first flow
        except Exception:  # noqa: BLE001 - a storage hiccup must not block the welcome
            log.exception("could not register the partner at session start")
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]


def welcome_language(tracker: Tracker) -> str:
    """The client's language when it is one of ours, else the first message's (when clear), else English."""
    meta = metadata(tracker)
    return private_words.choose(meta.get("language"), meta.get(WORDS_LANGUAGE))


def greet(dispatcher: CollectingDispatcher, language: str) -> None:
    """The greeting with its three buttons, in ``language``."""
    buttons = private_words.word("welcome", language, "buttons", "utter_greet")
    private_words.say(dispatcher, "welcome", language, "utter_greet", buttons=buttons, replaces_buttons=True)


class ActionGreet(Action):
    """Hello: what would help right now, in the person's language (the client's, else the words')."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        greet(dispatcher, private_words.choose(metadata(tracker).get("language"), None, user_text(tracker)))
        return []
