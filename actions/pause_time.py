"""The pause's time prompt: which city's time, quick times, the couple's agreed minimum, and
everything else people say while being asked ("show our rules", "I don't know", "next week").

Each answer the prompt cannot take gets one message that already asks again (with the quick
times), so a refusal is never followed by a second, almost identical question.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import metadata, timezone_of, who
from actions.forms import refused_this_turn
from actions.shown_times import moment_time
from bot import clock, content, storage
from bot.language.timeparse import VAGUE, _zone, parse_duration, parse_when
from bot.language.zones import zone_from_place
from bot.storage.couples import set_partner_timezone
from bot.storage.pauses import MAX_PAUSE, MIN_PAUSE

CITY_SLOT = "pause_city"
ASKED_NO_ZONE = "-"  # the city question was asked and not answered with a place: the default zone it is
ASK_ZONE_CHANNELS = ("telegram",)  # the widget sends the browser's zone, REST clients `timezone`
SHOW_RULES_CONFIDENCE = 0.6


def _words() -> Dict[str, Any]:
    return content.load("pause")


def agreed_minimum(couple_id: int) -> Tuple[timedelta, Optional[str]]:
    """The shortest break: 20 minutes, or longer when the couple agreed so (with their words)."""
    rules = storage.current_rules(couple_id)
    said = (rules.rules.get("break_length") if rules else None) or None
    length = parse_duration(str(said)) if said else None
    if length is None or length <= MIN_PAUSE or length >= MAX_PAUSE:
        return MIN_PAUSE, None
    return length, str(said)


def _minutes(length: timedelta) -> int:
    return int(length.total_seconds() // 60)


def quick_times(tz: str, minimum: timedelta, now: Optional[datetime] = None) -> List[Dict[str, str]]:
    """Buttons for a flooded person: the shortest break, an hour, and later today (or tomorrow morning)."""
    local = (now or clock.now()).astimezone(_zone(tz))
    buttons = []
    for item in _words()["quick_times"]:
        until = item.get("until_hour")
        if until is not None and local.hour >= int(until):
            continue
        if item.get("from_hour") is not None and local.hour < int(item["from_hour"]):
            continue
        minutes = item.get("minutes")
        if minutes == "minimum":
            minutes = _minutes(minimum)
        elif minutes is not None and int(minutes) <= _minutes(minimum):
            continue  # "1 hour" when they agreed on 90 minutes: no
        values = {"minutes": minutes}
        buttons.append({"title": str(item["title"]).format(**values), "payload": str(item["payload"]).format(**values)})
    return buttons[:3]


def said_this_turn(tracker: Tracker, slot: str = "pause_resume_time") -> bool:
    """True when the form's validation refused this message's ``slot`` and already asked again itself."""
    return refused_this_turn(tracker, slot, "pause_form")


def needs_city(tracker: Tracker, person: storage.Who) -> bool:
    """Telegram tells us no time zone: ask once, when a time is first needed."""
    meta = metadata(tracker)
    channel = str(meta.get("channel") or "")
    if channel not in ASK_ZONE_CHANNELS or meta.get("timezone") or person.partner_timezone:
        return False
    return tracker.get_slot(CITY_SLOT) is None


def ask_again(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **values: Any) -> None:
    """One message that says why and asks again, with the quick times."""
    person = who(tracker)
    minimum, _said = agreed_minimum(person.couple_id)
    dispatcher.utter_message(response=response, buttons=quick_times(timezone_of(tracker, person), minimum),
                             **values)


def read_time_request(text: str, tracker: Tracker) -> Optional[str]:
    """What else a person asked for instead of a time: the response that answers it and asks again."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") == "show_rules" and (intent.get("confidence") or 0) >= SHOW_RULES_CONFIDENCE:
        return "show_rules"
    if re.search(_words()["far_words"], text, re.I):
        return "utter_pause_within_a_day"
    if re.search(_words()["unsure_words"], text, re.I) or VAGUE.search(text):
        return "utter_pause_time_unsure"
    return None


def show_rules_and_ask(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """"Show our rules" while being asked for a time: the rules, then the same question, in one message."""
    from actions.rules import read_back

    person = who(tracker)
    current = storage.current_rules(person.couple_id)
    rules = read_back(current.rules) if current else ""
    if rules:
        ask_again(dispatcher, tracker, "utter_pause_rules_then_when", rules=rules)
    else:
        ask_again(dispatcher, tracker, "utter_pause_no_rules_then_when")


def names_a_time(text: str) -> bool:
    """True when an answer to the city question is a time ("in 40 minutes"): it belongs to the next question."""
    return bool(parse_when(text) or parse_duration(text))


def read_city(value: Any, tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
    """The answer to "Which city's time should I use?": stored for this partner, asked only once.

    A time given instead ("in 40 minutes", "8pm Berlin") is taken as the answer to the time question
    (``pause_resume_time`` is then validated by the caller).
    """
    text = str(value or "")[:300]
    zone = zone_from_place(text)
    if zone is not None:
        person = who(tracker)
        try:
            set_partner_timezone(person.partner_id, zone)
        except LookupError:
            pass
    if names_a_time(text):
        return {CITY_SLOT: zone or ASKED_NO_ZONE, "pause_resume_time": text}
    if zone is None:
        dispatcher.utter_message(response="utter_pause_city_unknown")
        return {CITY_SLOT: ASKED_NO_ZONE}
    return {CITY_SLOT: zone}


class ActionAskPauseCity(Action):
    """Asked once, lightly, before the first time a Telegram partner is shown."""

    def name(self) -> Text:
        return "action_ask_pause_city"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not said_this_turn(tracker, CITY_SLOT):
            dispatcher.utter_message(response="utter_ask_pause_city", buttons=[
                {"title": str(place), "payload": str(place)} for place in _words().get("city_buttons", [])])
        return []


class ActionAskPauseResumeTime(Action):
    """When to come back: the couple's shortest break said once, and quick times to tap."""

    def name(self) -> Text:
        return "action_ask_pause_resume_time"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if said_this_turn(tracker):
            return []  # the refusal already asked again
        person = who(tracker)
        minimum, said = agreed_minimum(person.couple_id)
        buttons = quick_times(timezone_of(tracker, person), minimum)
        if said:
            dispatcher.utter_message(response="utter_pause_when_agreed", length=said, buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_pause_when", buttons=buttons)
        return []


def hold_question_during_pause(dispatcher: CollectingDispatcher, tracker: Tracker,
                               person: storage.Who) -> Optional[List[EventType]]:
    """A question asked while the couple's pause runs: offer to keep it for after, start nothing now."""
    pause = storage.active_pause(person.couple_id)
    if pause is None or pause.resume_at <= clock.now():
        return None
    dispatcher.utter_message(response="utter_question_during_pause", when=moment_time(tracker, person, pause.resume_at))
    return [FollowupAction("action_listen")]


class ActionKeepQuestionForLater(Action):
    """"Keep it for after": a reminder to this chat when the pause ends."""

    def name(self) -> Text:
        return "action_keep_question_for_later"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        pause = storage.active_pause(person.couple_id)
        if pause is None or pause.resume_at <= clock.now():
            dispatcher.utter_message(response="utter_question_pause_over")
            return []
        storage.schedule_reminder(person.couple_id, tracker.sender_id, pause.resume_at, "question",
                                  {"kept_by": person.partner_id, "during_pause": pause.id})
        dispatcher.utter_message(response="utter_question_kept_for_after",
                                 when=moment_time(tracker, person, pause.resume_at))
        return []


__all__ = ["ActionAskPauseCity", "ActionAskPauseResumeTime", "ActionKeepQuestionForLater", "agreed_minimum",
           "ask_again", "hold_question_during_pause", "quick_times", "read_city", "read_time_request",
           "show_rules_and_ask"]
