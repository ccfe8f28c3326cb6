"""The weekly "state of us" talk: agree a slot, open it, two equal timed turns, one small action kept.

The words are in ``content/rituals.yml`` (``bot/rituals.py`` puts them together for every channel);
the turn ends are reminders (``bot/storage/weekly_talk.py``), so they come on time on any gateway.
No form: between turns the couple talks freely, so the pause signal and the safety layer work as
everywhere else.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.checkins import DAY_NAMES
from actions.common import is_side_talk, timezone_of, user_text, who
from actions.shown_times import slot_time
from bot import clock, content, storage
from bot.language.timeparse import WEEKDAY_WORDS, parse_daily_time
from bot.rituals import talk_opening, talk_started, talk_turn_end


@lru_cache(maxsize=1)
def _action_lead_ins() -> "re.Pattern[str]":
    patterns = content.load("rituals")["weekly_talk"]["action_lead_ins"]
    return re.compile(r"^\s*(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*[:,\-–]?\s*", re.I)


def action_words(text: str) -> str:
    """ "Our action this week is a walk on Saturday" → "a walk on Saturday"."""
    words = " ".join((text or "").split())
    return _action_lead_ins().sub("", words, count=1).strip(" .!\"'“”")


def named_weekday(text: str) -> int | None:
    """The first weekday the words name ("sundays at 8pm" → 6), else None."""
    text = (text or "").lower()
    found = [(m.start(), day) for word, day in WEEKDAY_WORDS.items()
             for m in re.finditer(rf"\b{re.escape(word)}s?\b", text)]
    return min(found)[1] if found else None


class ActionTalkSetup(Action):
    """ "Let's have our state of us on Sundays at 8pm": the agreed weekly slot."""

    def name(self) -> Text:
        return "action_talk_setup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person = who(tracker)
        text = user_text(tracker)
        parsed, weekday = parse_daily_time(text), named_weekday(text)
        if parsed is None or weekday is None:
            dispatcher.utter_message(response="utter_talk_ask_slot")
            return []
        hour, minute, _days = parsed
        slot = storage.set_weekly_talk(person.couple_id, person.partner_id, weekday, hour, minute,
                                       timezone_of(tracker, person), storage.couple_chat(person.couple_id,
                                                                                         tracker.sender_id))
        storage.plan_rituals(couple_id=person.couple_id)
        dispatcher.utter_message(response="utter_talk_set", day=DAY_NAMES[slot.weekday],
                                 time=slot_time(tracker, person, slot.hour, slot.minute, slot.timezone, slot.weekday))
        return []


class ActionTalkOpen(Action):
    """The opening, when the weekly reminder fires in a web or REST chat."""

    def name(self) -> Text:
        return "action_talk_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        message = talk_opening(who(tracker).couple_id, clock.now())
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        return []


class ActionTalkStart(Action):
    """ "We're ready": the first turn begins, both turn ends are planned."""

    def name(self) -> Text:
        return "action_talk_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person = who(tracker)
        storage.start_talk(person.couple_id, tracker.sender_id)
        dispatcher.utter_message(text=talk_started())
        return []


class ActionTalkTurn(Action):
    """A turn ends (the turn reminder fired in a web or REST chat)."""

    def name(self) -> Text:
        return "action_talk_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        latest = storage.latest_reminder(tracker.sender_id, "talk_turn")
        if latest is None:
            return []
        dispatcher.utter_message(text=talk_turn_end(int(latest.details.get("turn") or 1)))
        return []


class ActionTalkAction(Action):
    """ "Our action is a walk on Saturday morning": kept, and recalled at next week's talk."""

    def name(self) -> Text:
        return "action_talk_action"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person = who(tracker)
        try:
            talk = storage.record_talk_action(person.couple_id, person.partner_id, action_words(user_text(tracker)),
                                              tracker.sender_id)
        except ValueError:
            dispatcher.utter_message(response="utter_talk_ask_action")
            return []
        dispatcher.utter_message(response="utter_talk_action_kept", action=talk.action)
        return []
