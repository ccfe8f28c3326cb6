"""More of the daily check-in: snooze, quiet hours, and the appreciation-day question."""
from __future__ import annotations

from typing import List, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import timezone_of, user_text, who
from actions.partner_action import PartnerAction
from actions.ritual_words import checkin_speaks, say
from bot import storage
from bot.language.quiet_words import OFF, parse_quiet_hours
from bot.language.local_times import clock_in, clock_of
from bot.language.timeparse import parse_duration


class ActionCheckinSnooze(PartnerAction):
    """ "Snooze", "ask me again in an hour": the open check-in comes back a little later."""

    remembers_side = True

    def name(self) -> Text:
        return "action_checkin_snooze"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language = checkin_speaks(tracker)
        snoozed = storage.snooze_checkin(person.partner_id, parse_duration(user_text(tracker)))
        if snoozed.status != "snoozed":
            say(dispatcher, language, f"utter_checkin_snooze_{snoozed.status}")
            return []
        local = snoozed.due_at.astimezone(ZoneInfo(snoozed.timezone or "UTC"))
        say(dispatcher, language, "utter_checkin_snoozed",
            time=clock_in(local.hour, local.minute, snoozed.timezone, language))
        return []


class ActionCheckinQuietHours(PartnerAction):
    """ "Quiet hours from 10pm to 7am", "no messages after 10:30pm", "no quiet hours"; each partner's own."""

    remembers_side = True

    def name(self) -> Text:
        return "action_checkin_quiet_hours"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language = checkin_speaks(tracker)
        parsed = parse_quiet_hours(user_text(tracker))
        if parsed is None:
            say(dispatcher, language, "utter_quiet_hours_ask")
            return []
        if parsed == OFF:
            storage.set_quiet_hours(person.couple_id, person.partner_id, None)
            say(dispatcher, language, "utter_quiet_hours_off")
            return []
        start, end = parsed
        if start == end:
            say(dispatcher, language, "utter_quiet_hours_ask")
            return []
        storage.set_quiet_hours(person.couple_id, person.partner_id, storage.QuietHours(start, end))
        say(dispatcher, language, "utter_quiet_hours_set", start=clock_of(start // 60, start % 60, language),
            end=clock_in(end // 60, end % 60, timezone_of(tracker, person), language))  # their own zone
        return []


class ActionAskCheckinNote(Action):
    """The note form's question: on appreciation days, one small thing the partner did that helped."""

    def name(self) -> Text:
        return "action_ask_checkin_note"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        kind = storage.open_checkin_kind(person.partner_id)
        say(dispatcher, checkin_speaks(tracker),
            "utter_checkin_ask_appreciation" if kind == "appreciation" else "utter_ask_checkin_note")
        return []
