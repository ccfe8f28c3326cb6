"""A simulated fortnight (issue 15, "Done when"): two partners in Berlin and New York, the product's
controllable clock moved on ten minutes at a time across Berlin's spring-forward night, two gateways'
reminder loops ticking side by side (the ordinary reminder claims).

Every check-in prompt must arrive exactly once, at 21:00 in its partner's own zone, none while a
pause or a crisis hold is on; each partner gets one weekly promises summary at Sunday 18:00 local,
saying in words what the other partner recorded in the week before; the therapist's weekly counts
match what was answered.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import clock, storage
from bot.config import get_settings
from bot.reminders import ReminderLoop
from bot.rituals import ritual_message
from bot.storage import DueReminder
from bot.storage import events as ev
from tests.test_checkins_storage import _couple

BERLIN, NEW_YORK, UTC = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("UTC")
STEP = timedelta(minutes=10)


@dataclass
class Delivered:
    reminder: DueReminder
    at: datetime
    text: Optional[str]


class RecordingChannel:
    """One gateway's channel: records every delivery with the moment and the words it would send."""

    name = "recording"

    def __init__(self, log: List[Delivered]) -> None:
        self.log = log

    def takes(self, conversation_id: str) -> bool:
        return True

    async def wait_ready(self) -> None:
        return None

    async def send(self, reminder: DueReminder) -> None:
        message = ritual_message(reminder)
        self.log.append(Delivered(reminder, clock.now(), message["text"] if message else None))


def _gateway(log: List[Delivered]) -> ReminderLoop:
    loop = ReminderLoop(web.Application(), get_settings())
    loop._senders = [RecordingChannel(log)]
    return loop


def _at(day: str, hhmm: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=zone).astimezone(UTC)


def test_a_fortnight_for_two_partners_in_berlin_and_new_york(database: str) -> None:
    start, end = _at("2026-03-23", "00:00", BERLIN), _at("2026-04-06", "06:00", BERLIN)
    clock.set_now(start)
    ana, ben = _couple("Europe/Berlin", "America/New_York")
    couple = ana.couple_id
    storage.set_share_consent(ana.partner_id, True)
    storage.set_share_consent(ben.partner_id, True)
    storage.set_daily_checkin(couple, ana.partner_id, 21, 0, "0123456", "every evening at 9")

    # What happens on the way, by moment: promises, Ben's private marks, a pause, a crisis and its end.
    pause_from, pause_to = _at("2026-03-25", "20:50", BERLIN), _at("2026-03-25", "21:30", BERLIN)
    crisis_from, crisis_to = _at("2026-03-31", "20:00", BERLIN), _at("2026-04-01", "12:00", BERLIN)
    plan: Dict[datetime, list] = {}

    def at(moment: datetime, *action) -> None:
        plan.setdefault(moment, []).append(action)

    at(_at("2026-03-23", "10:00", BERLIN), "promise", "text when plans change")
    at(_at("2026-03-30", "09:00", BERLIN), "promise", "phone stays on the table at dinner")
    marks = [("2026-03-23", "text", "kept"), ("2026-03-24", "text", "kept"), ("2026-03-25", "text", "not_sure"),
             ("2026-03-26", "text", "kept"), ("2026-03-27", "text", "not_kept"), ("2026-03-29", "text", "kept"),
             ("2026-04-01", "text", "kept"), ("2026-04-01", "phone", "not_kept"), ("2026-04-02", "text", "kept"),
             ("2026-04-03", "phone", "kept"), ("2026-04-04", "text", "not_sure")]
    for day, which, mark in marks:
        at(_at(day, "20:00", NEW_YORK), "mark", which, mark)
    at(pause_from, "pause")
    at(crisis_from, "crisis")
    at(crisis_to, "safe")

    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    promises: Dict[str, int] = {}
    while clock.now() < end:
        now = clock.now()
        for moment in sorted(m for m in plan if now - STEP < m <= now):
            for action in plan.pop(moment):
                if action[0] == "promise":
                    promises[action[1].split()[0]] = storage.add_promise(couple, ana.partner_id, action[1]).id
                elif action[0] == "mark":
                    assert storage.mark_promise(couple, ben.partner_id, promises[action[1]], action[2]) == "marked"
                elif action[0] == "pause":
                    storage.schedule_resume(couple, "rest-ana", ana.partner_id, pause_to)
                elif action[0] == "crisis":
                    storage.log_event("rest-ana", ev.CRISIS_ROUTED, couple_id=couple, partner_id=ana.partner_id)
                else:
                    storage.log_event("rest-ana", ev.SAFETY_RESOLVED, couple_id=couple, partner_id=ana.partner_id)
        for gateway in gateways:
            before = len(log)
            asyncio.run(gateway.tick())
            for delivered in log[before:]:  # Ana answers each check-in with a mood a few minutes later
                if delivered.reminder.kind == storage.CHECKIN_KIND and delivered.reminder.conversation_id == "rest-ana":
                    assert storage.record_checkin_mood(couple, ana.partner_id, 3, now=now + timedelta(minutes=3))
        clock.advance(STEP)
    assert not plan, "every planned moment happened"

    # Every reminder reached its chat once, however many gateways were looking.
    assert len({d.reminder.id for d in log}) == len(log)

    # Check-ins: each partner once a day at 21:00 their own time, none in the pause or the hold.
    def days(chat: str, zone: ZoneInfo) -> List[date]:
        mine = [d for d in log if d.reminder.kind == storage.CHECKIN_KIND and d.reminder.conversation_id == chat]
        for d in mine:
            local = d.reminder.due_at.astimezone(zone)
            assert (local.hour, local.minute) == (21, 0), f"{chat} prompted at {local}"
            assert timedelta(0) <= d.at - d.reminder.due_at < STEP
            assert not (pause_from <= d.at < pause_to) and not (crisis_from <= d.at < crisis_to)
        return [d.reminder.due_at.astimezone(zone).date() for d in mine]

    def every_day(first: str, last: str, but: set) -> List[date]:
        one, out = date.fromisoformat(first), []
        while one <= date.fromisoformat(last):
            if one.isoformat() not in but:
                out.append(one)
            one += timedelta(days=1)
        return out

    assert days("rest-ana", BERLIN) == every_day("2026-03-23", "2026-04-05", {"2026-03-25", "2026-03-31"})
    assert days("rest-ben", NEW_YORK) == every_day("2026-03-22", "2026-04-05", {"2026-03-31"})
    skipped = {(p["partner_id"], p["local_date"]) for p in storage.checkin_prompts_of(couple) if p["status"] == "skipped"}
    assert skipped == {(ana.partner_id, "2026-03-25"), (ana.partner_id, "2026-03-31"), (ben.partner_id, "2026-03-31")}
    # Berlin moved its clocks on 29 March: 21:00 there was 20:00 UTC before and 19:00 UTC after.
    ana_utc = {d.reminder.due_at.astimezone(BERLIN).date().isoformat(): d.reminder.due_at.hour for d in log
               if d.reminder.kind == storage.CHECKIN_KIND and d.reminder.conversation_id == "rest-ana"}
    assert (ana_utc["2026-03-28"], ana_utc["2026-03-29"]) == (20, 19)

    # A few days a week (Tuesday, Friday, Sunday) the prompt also asks for one appreciation.
    for d in log:
        if d.reminder.kind == storage.CHECKIN_KIND:
            zone = BERLIN if d.reminder.conversation_id == "rest-ana" else NEW_YORK
            appreciation = d.reminder.due_at.astimezone(zone).weekday() in (1, 4, 6)
            assert (d.text is not None and "one small thing" in d.text) == appreciation

    # Weekly summaries: one per partner and week, Sunday 18:00 local, in words matching the marks.
    summaries = [d for d in log if d.reminder.kind == storage.SUMMARY_KIND]
    by_chat: Dict[str, List[Delivered]] = {}
    for d in summaries:
        by_chat.setdefault(d.reminder.conversation_id, []).append(d)
    assert {chat: [d.reminder.due_at.astimezone(zone).strftime("%a %d %H:%M") for d in by_chat[chat]]
            for chat, zone in (("rest-ana", BERLIN), ("rest-ben", NEW_YORK))} == {
        "rest-ana": ["Sun 29 18:00", "Sun 05 18:00"], "rest-ben": ["Sun 29 18:00", "Sun 05 18:00"]}
    week_one = '"text when plans change": kept 3 times, not kept once and not sure once.'
    for chat in ("rest-ana", "rest-ben"):
        first, second = (d.text for d in by_chat[chat])
        assert week_one in first and "phone" not in first
        assert '"text when plans change": kept 3 times and not sure once.' in second
        assert '"phone stays on the table at dinner": kept once and not kept once.' in second
        for text in (first, second):
            assert "%" not in text and "/" not in text and "score" not in text.lower()

    # The therapist's weekly counts (both partners share): Ana answered each prompt she was sent.
    counts = {w["week"]: w for w in storage.ritual_week_counts(couple, weeks=3, zone="Europe/Berlin")}
    assert counts["2026-03-23"]["checkins_answered"] == 6 and counts["2026-03-23"]["moods_shared"] == 6
    assert counts["2026-03-30"]["checkins_answered"] == 6
    assert (counts["2026-03-23"]["promises_kept"], counts["2026-03-23"]["promises_not_kept"]) == (3, 1)
