"""Reminders worded for the Telegram chat they reach (issue 14): no "Hi both" to one person, and the
time of a pause in the reader's own zone, right across a daylight-saving change."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot import clock, storage
from bot.storage.couples import set_partner_timezone
from bot.storage.pauses import DueReminder
from bot.telegram.reminder_words import _zone, worded
from bot.telegram.texts import channel_file, reminder_message


def due(conversation: str, kind: str, resume_at: datetime) -> DueReminder:
    return DueReminder(1, 1, conversation, kind, resume_at, {"resume_at": resume_at.isoformat()})


def test_a_private_chat_gets_the_private_wording_and_a_group_the_shared_one() -> None:
    moment = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    for kind in ("resume", "question", "unknown-kind"):
        private = worded(due("tg-42", kind, moment), reminder_message(kind))
        group = worded(due("tg--42", kind, moment), reminder_message(kind))
        assert "Hi both" not in private["text"] and group["text"].startswith("Hi both")
    assert worded(due("tg-42", "resume", moment), reminder_message("resume"))["buttons"][0]["payload"] == \
        "/ready_to_resume"
    assert worded(due("tg-42", "checkin", moment), reminder_message("checkin")) == reminder_message("checkin")


def test_the_pause_notice_names_the_time_in_the_readers_zone_across_a_dst_change() -> None:
    """New York leaves summer time at 2:00 on 1 November 2026; Berlin a week earlier."""
    started = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 1:30 am EDT
    resume_at = started + timedelta(minutes=45)  # 45 real minutes later: 1:15 am EST
    with clock.frozen(started):
        text = worded(due("tg-7", "pause_started", resume_at), reminder_message("pause_started"),
                      "America/New_York")["text"]
        assert text.startswith("Your partner needed a pause")
        assert "at 1:15 am New York time (in 45 minutes)" in text
        berlin = worded(due("tg-8", "pause_started", resume_at), reminder_message("pause_started"),
                        "Europe/Berlin")["text"]
        assert "at 7:15 am Berlin time (in 45 minutes)" in berlin
        group = worded(due("tg--9", "pause_started", resume_at), reminder_message("pause_started"), None)["text"]
        assert group.startswith("Hi both") and "UTC" in group
    assert "{when}" in channel_file("reminders")["pause_started_private"]["text"]


def test_each_partner_reads_their_own_zone_else_the_couples(sqlite_database: str) -> None:
    ana = storage.identify("tg-501", "tg:501", channel="telegram")
    ben = storage.identify("tg-502", "tg:502", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-502")
    set_partner_timezone(ana.partner_id, "Europe/Berlin")
    moment = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert _zone(due("tg-501", "pause_started", moment), 501) == "Europe/Berlin"
    assert _zone(due("tg-502", "pause_started", moment), 502) == "Europe/Berlin"  # the couple's, until Ben says
    set_partner_timezone(ben.partner_id, "America/New_York")
    assert _zone(due("tg-502", "pause_started", moment), 502) == "America/New_York"


def test_a_group_reads_the_time_in_both_partners_zones(sqlite_database: str) -> None:
    from bot.telegram.reminder_words import _zones

    ana = storage.identify("tg--77", "tg:601", channel="telegram", chat_type="supergroup", display_name="Ana")
    ben = storage.identify("tg--77", "tg:602", channel="telegram", chat_type="supergroup", display_name="Ben")
    set_partner_timezone(ana.partner_id, "Europe/Berlin")
    set_partner_timezone(ben.partner_id, "America/New_York")
    resume_at = datetime(2026, 11, 30, 19, 30, tzinfo=timezone.utc)
    reminder = DueReminder(1, ana.couple_id, "tg--77", "pause_started", resume_at,
                           {"resume_at": resume_at.isoformat()})
    zone, *others = _zones(reminder, -77)
    assert [zone, *others] == ["Europe/Berlin", "America/New_York"]
    with clock.frozen(resume_at - timedelta(minutes=40)):
        text = worded(reminder, reminder_message("pause_started"), zone, others)["text"]
    assert text.startswith("Hi both") and "at 8:30 pm Berlin time, 2:30 pm New York time (in 40 minutes)" in text
