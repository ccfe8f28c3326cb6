"""Daily check-in actions (tests/action_kit.py) and the reminder loop at several hours of the day."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import List

import pytest
from aiohttp import web

from actions.checkins import (ActionCheckinDone, ActionCheckinMood, ActionCheckinSetup, ActionCheckinShare,
                              ActionCheckinSkip, ActionCheckinStop, ValidateCheckinNoteForm)
from bot import clock, storage
from bot.config import get_settings
from bot.reminders import ReminderLoop, register_sender
from bot.storage import DueReminder
from bot.storage import events as ev
from tests.action_kit import responses, run, run_validation, slot_events, tracker

ANA = {"partner_id": "rest:ana-chat", "timezone": "Europe/Berlin", "chat_type": "private"}
BEN = {"partner_id": "rest:ben-chat", "timezone": "America/New_York", "chat_type": "private"}


def _linked_couple() -> storage.Who:
    ana = storage.identify("ana-chat", ANA["partner_id"], timezone="Europe/Berlin")
    code = storage.create_link_code(ana.couple_id, ana.partner_id)
    storage.identify("ben-chat", BEN["partner_id"])
    storage.redeem_link_code(code, "ben-chat")
    storage.note_checkin_partner(ana.couple_id, storage.identify("ben-chat", BEN["partner_id"]).partner_id,
                                 timezone="America/New_York")
    storage.note_checkin_partner(ana.couple_id, ana.partner_id, timezone="Europe/Berlin")
    return ana


def test_set_up_in_plain_words_then_move_skip_stop(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    ana = _linked_couple()
    _, messages = run(ActionCheckinSetup(), tracker("ana-chat", "can you remind us to do our check-in every "
                                                    "evening at 9", "checkin_setup", metadata=ANA))
    assert responses(messages) == ["utter_checkin_set"]
    assert "9:00 pm" in str(messages[0]) and "every day" in str(messages[0])
    due = {r.conversation_id: r.due_at for r in storage.pending_reminders(ana.couple_id)}
    assert due["ana-chat"].isoformat() == "2026-06-16T19:00:00+00:00"
    assert due["ben-chat"].isoformat() == "2026-06-17T01:00:00+00:00"
    _, messages = run(ActionCheckinSetup(), tracker("ana-chat", "move our check-in to 8pm", "checkin_setup",
                                                    metadata=ANA))
    assert responses(messages) == ["utter_checkin_moved"]
    assert storage.daily_checkin(ana.couple_id).hour == 20
    _, messages = run(ActionCheckinSkip(), tracker("ana-chat", "skip today", "checkin_skip", metadata=ANA))
    assert responses(messages) == ["utter_checkin_skipped"]
    assert "ana-chat" not in {r.conversation_id for r in storage.pending_reminders(ana.couple_id)}
    _, messages = run(ActionCheckinStop(), tracker("ana-chat", "stop the check-ins", "checkin_stop", metadata=ANA))
    assert responses(messages) == ["utter_checkin_stopped"]
    assert storage.pending_reminders(ana.couple_id) == []
    _, messages = run(ActionCheckinSkip(), tracker("ana-chat", "skip today", "checkin_skip", metadata=ANA))
    assert responses(messages) == ["utter_checkin_none"]


def test_no_time_named_asks_for_one(database: str) -> None:
    _, messages = run(ActionCheckinSetup(), tracker("c-1", "can we do daily check-ins", "checkin_setup"))
    assert responses(messages) == ["utter_checkin_ask_time"]


def test_set_up_in_a_group_says_prompts_come_privately(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    group = {"partner_id": "tg:7", "chat_type": "group", "addressed": True}
    _, messages = run(ActionCheckinSetup(), tracker("tg--100", "weekdays at 7:30am", "checkin_setup",
                                                    metadata=group))
    assert responses(messages) == ["utter_checkin_set", "utter_checkin_privately"]
    side_talk = {**group, "addressed": False}
    _, messages = run(ActionCheckinStop(), tracker("tg--100", "stop the check-ins", "checkin_stop",
                                                   metadata=side_talk))
    assert messages == [] and storage.daily_checkin(storage.couple_of("tg--100")).status == "active"


def test_mood_note_and_what_the_partner_sees(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    ana = _linked_couple()
    run(ActionCheckinSetup(), tracker("ana-chat", "every evening at 9", "checkin_setup", metadata=ANA))
    early, messages = run(ActionCheckinMood(), tracker("ana-chat", "/checkin_mood", "checkin_mood", metadata=ANA,
                                                       entities=[{"entity": "checkin_mood", "value": "4"}]))
    assert responses(messages) == ["utter_checkin_not_open"] and slot_events(early) == {"checkin_note": "-"}
    test_clock.at("21:02", "Europe/Berlin")
    _, messages = run(ActionCheckinMood(), tracker("ana-chat", "/checkin_mood", "checkin_mood", metadata=ANA,
                                                   entities=[{"entity": "checkin_mood", "value": "4"}]))
    assert responses(messages) == ["utter_checkin_mood_thanks"]
    value, _ = run_validation(ValidateCheckinNoteForm(), "checkin_note", "that's all", tracker("ana-chat"))
    assert value == {"checkin_note": "-"}
    value, _ = run_validation(ValidateCheckinNoteForm(), "checkin_note", "tired but hopeful", tracker("ana-chat"))
    assert value == {"checkin_note": "tired but hopeful"}
    run(ActionCheckinDone(), tracker("ana-chat", "tired but hopeful", slots=value, metadata=ANA))
    # Ben sees nothing until Ana chooses; then exactly what she chose.
    ben_done = tracker("ben-chat", "that's all", slots={"checkin_note": "-"}, metadata=BEN)
    assert responses(run(ActionCheckinDone(), ben_done)[1]) == ["utter_checkin_thanks"]
    _, messages = run(ActionCheckinShare(), tracker("ana-chat", "share my mood with my partner", "checkin_share",
                                                    metadata=ANA))
    assert responses(messages) == ["utter_checkin_share_mood"]
    _, messages = run(ActionCheckinDone(), ben_done)
    assert responses(messages) == ["utter_checkin_thanks", "utter_checkin_partner_shared"]
    assert "okay" in str(messages[1]) and "hopeful" not in str(messages[1])
    _, messages = run(ActionCheckinShare(), tracker("ana-chat", "/checkin_share", "checkin_share", metadata=ANA,
                                                    entities=[{"entity": "checkin_share", "value": "nothing"}]))
    assert responses(messages) == ["utter_checkin_share_nothing"]
    assert responses(run(ActionCheckinDone(), ben_done)[1]) == ["utter_checkin_thanks"]
    assert storage.checkin_prompts_of(ana.couple_id)[0]["mood"] == 4


class FakeChannel:
    """A channel that records what it was asked to deliver."""

    name = "fake"

    def __init__(self) -> None:
        self.sent: List[DueReminder] = []

    def takes(self, conversation_id: str) -> bool:
        return True

    async def wait_ready(self) -> None:
        return None

    async def send(self, reminder: DueReminder) -> None:
        self.sent.append(reminder)


def _loop() -> tuple:
    app = web.Application()
    channel = FakeChannel()
    register_sender(app, channel)
    loop = ReminderLoop(app, get_settings())
    loop._senders = [channel]  # no rasa needed: every conversation is this channel's
    return loop, channel


@pytest.mark.around_the_clock
def test_the_loop_sends_each_partner_one_prompt_a_day_at_their_local_time(database: str) -> None:
    """Two partners six hours apart, three days from whatever hour it is now, checked every 5 minutes."""
    ana = _linked_couple()
    storage.set_daily_checkin(ana.couple_id, ana.partner_id, 21, 0)
    loop, channel = _loop()
    start = clock.now()
    for _ in range(3 * 24 * 12):
        asyncio.run(loop.tick())
        clock.advance(timedelta(minutes=5))
    by_chat: dict = {}
    for reminder in channel.sent:
        assert reminder.kind == storage.CHECKIN_KIND
        local = reminder.due_at.astimezone(__import__("zoneinfo").ZoneInfo(reminder.details["timezone"]))
        assert (local.hour, local.minute) == (21, 0)
        by_chat.setdefault(reminder.conversation_id, []).append(local.date())
    for chat, days in by_chat.items():
        assert len(days) == len(set(days)), f"{chat} got a day twice"
        assert len(days) in (2, 3, 4)
    assert set(by_chat) == {"ana-chat", "ben-chat"}
    assert all(r.due_at >= start - timedelta(hours=1) for r in channel.sent)


@pytest.mark.around_the_clock
def test_no_prompt_during_a_pause_or_a_crisis_hold(database: str) -> None:
    ana = _linked_couple()
    now = clock.now()
    local = now.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")) + timedelta(hours=2)
    storage.set_daily_checkin(ana.couple_id, ana.partner_id, local.hour, 0)
    loop, channel = _loop()
    asyncio.run(loop.tick())
    storage.log_event("ana-chat", ev.CRISIS_ROUTED, couple_id=ana.couple_id, partner_id=ana.partner_id)
    clock.advance(timedelta(hours=2))
    asyncio.run(loop.tick())
    assert [r for r in channel.sent if r.conversation_id == "ana-chat"] == []
    assert any(p["status"] == "skipped" for p in storage.checkin_prompts_of(ana.couple_id))
    clock.advance(timedelta(minutes=5))
    storage.log_event("ana-chat", ev.SAFETY_RESOLVED, couple_id=ana.couple_id, partner_id=ana.partner_id)
    storage.schedule_resume(ana.couple_id, "ana-chat", ana.partner_id, clock.now() + timedelta(hours=23))
    clock.advance(timedelta(hours=22))
    asyncio.run(loop.tick())
    clock.advance(timedelta(minutes=30))
    asyncio.run(loop.tick())
    assert [r for r in channel.sent if r.conversation_id == "ana-chat"] == []
    storage.end_pause(ana.couple_id)
    clock.advance(timedelta(days=1))
    asyncio.run(loop.tick())
    assert len([r for r in channel.sent if r.conversation_id == "ana-chat"]) == 1
