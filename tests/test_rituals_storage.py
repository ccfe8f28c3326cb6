"""Rituals in storage (SQLite and PostgreSQL): quiet hours, appreciation days, snooze, promises and
their weekly summary, the hold, the therapist's weekly counts, and /forget."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import storage
from bot.rituals import promise_summary_text
from bot.storage import QuietHours
from bot.storage.quiet_hours import after_quiet
from tests.test_checkins_storage import _couple

BERLIN = ZoneInfo("Europe/Berlin")


def test_quiet_hours_cross_midnight_and_follow_daylight_saving() -> None:
    quiet = QuietHours(22 * 60, 7 * 60)
    late = __import__("datetime").datetime(2026, 3, 28, 23, 15, tzinfo=BERLIN)
    moved = after_quiet(late, BERLIN, quiet)
    assert moved.astimezone(BERLIN).isoformat() == "2026-03-29T07:00:00+02:00"  # the morning after spring-forward
    early = __import__("datetime").datetime(2026, 3, 29, 6, 30, tzinfo=BERLIN)
    assert after_quiet(early, BERLIN, quiet).astimezone(BERLIN).hour == 7
    fine = __import__("datetime").datetime(2026, 3, 29, 21, 0, tzinfo=BERLIN)
    assert after_quiet(fine, BERLIN, quiet) == fine
    assert after_quiet(fine, BERLIN, None) == fine
    assert not QuietHours(600, 600).contains(600)  # an empty window is no window


def test_a_prompt_inside_quiet_hours_waits_for_their_end(database: str, test_clock) -> None:
    test_clock.at("12:00", "UTC")
    a, b = _couple()
    storage.set_daily_checkin(a.couple_id, a.partner_id, 23, 0)
    storage.plan_checkin_prompts()
    storage.set_quiet_hours(a.couple_id, a.partner_id, QuietHours(22 * 60 + 30, 7 * 60))
    mine = [p for p in storage.checkin_prompts_of(a.couple_id) if p["partner_id"] == a.partner_id]
    assert len(mine) == 1 and mine[0]["due_at"].astimezone(BERLIN).isoformat() == "2026-06-17T07:00:00+02:00"
    assert mine[0]["local_date"] == "2026-06-16"  # it still counts for the evening it belongs to
    assert storage.quiet_hours_of(a.partner_id) == QuietHours(1350, 420)
    storage.set_quiet_hours(a.couple_id, a.partner_id, None)
    mine = [p for p in storage.checkin_prompts_of(a.couple_id) if p["partner_id"] == a.partner_id]
    assert mine[0]["due_at"].astimezone(BERLIN).hour == 23 and storage.quiet_hours_of(a.partner_id) is None
    assert len([r for r in storage.pending_reminders(a.couple_id) if r.conversation_id == "rest-ana"]) == 1


def test_appreciation_on_a_few_days_a_week(database: str, test_clock) -> None:
    test_clock.at("08:00", "Europe/Berlin", day="2026-06-15")  # a Monday
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    kinds = {}
    for _ in range(7):
        storage.plan_checkin_prompts()
        test_clock.advance(days=1)
    for prompt in storage.checkin_prompts_of(a.couple_id):
        if prompt["partner_id"] == a.partner_id:
            kinds[prompt["local_date"]] = prompt["kind"]
    assert [d for d, k in sorted(kinds.items()) if k == "appreciation"] == ["2026-06-16", "2026-06-19", "2026-06-21"]
    assert len(kinds) >= 7


def test_snooze_asks_again_later_the_same_day_a_few_times_at_most(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    assert storage.snooze_checkin(a.partner_id).status == "nothing_open"  # nothing sent yet
    test_clock.at("21:01", "Europe/Berlin")
    [first] = [r for r in storage.claim_due_reminders("w") if r.conversation_id == "rest-ana"]
    storage.mark_reminder_sent(first.id)
    snoozed = storage.snooze_checkin(a.partner_id)
    assert snoozed.status == "snoozed" and snoozed.due_at.astimezone(BERLIN).strftime("%H:%M") == "21:31"
    assert storage.snooze_checkin(a.partner_id, timedelta(hours=9)).due_at.astimezone(BERLIN).strftime(
        "%H:%M") == "00:01"  # capped at three hours
    pending = [r for r in storage.pending_reminders(a.couple_id) if r.conversation_id == "rest-ana"
               and r.kind == storage.CHECKIN_KIND and r.due_at < test_clock.now() + timedelta(hours=4)]
    assert len(pending) == 1  # the second snooze replaced the first
    storage.set_quiet_hours(a.couple_id, a.partner_id, QuietHours(22 * 60, 7 * 60))
    assert storage.snooze_checkin(a.partner_id, timedelta(hours=2)).due_at.astimezone(BERLIN).strftime(
        "%H:%M") == "07:00"
    assert storage.snooze_checkin(a.partner_id).status == "too_many"
    assert storage.record_checkin_mood(a.couple_id, a.partner_id, 3).local_date == "2026-06-16"
    assert storage.snooze_checkin(a.partner_id).status == "nothing_open"  # answered: nothing to snooze


def test_promises_are_marked_privately_by_the_other_partner(database: str, test_clock) -> None:
    test_clock.at("10:00", "Europe/Berlin", day="2026-06-15")
    a, b = _couple()
    promise = storage.add_promise(a.couple_id, a.partner_id, "  text when  plans change ")
    assert promise.text == "text when plans change"
    assert storage.add_promise(a.couple_id, a.partner_id, "Text when plans change").id == promise.id  # double tap
    with pytest.raises(ValueError):
        storage.add_promise(a.couple_id, a.partner_id, " ")
    phone = storage.add_promise(a.couple_id, a.partner_id, "phone stays on the table at dinner" + "!" * 400)
    assert len(phone.text) == 300
    assert storage.promises_to_mark(a.couple_id, b.partner_id) == [promise, phone]
    assert storage.promises_to_mark(a.couple_id, a.partner_id) == []
    assert storage.mark_promise(a.couple_id, a.partner_id, promise.id, "kept") == "own"
    assert storage.mark_promise(a.couple_id, b.partner_id, 99999, "kept") == "unknown"
    assert storage.mark_promise(a.couple_id, b.partner_id, promise.id, "not_sure") == "marked"
    assert storage.mark_promise(a.couple_id, b.partner_id, promise.id, "kept") == "marked"  # same day: replaced
    test_clock.advance(days=1)
    storage.mark_promise(a.couple_id, b.partner_id, promise.id, "kept")
    test_clock.advance(days=1)
    storage.mark_promise(a.couple_id, b.partner_id, promise.id, "not_kept")
    storage.mark_promise(a.couple_id, b.partner_id, phone.id, "not_sure")
    [first, second] = storage.promise_week(a.couple_id, test_clock.now())
    assert first.counts == {"kept": 2, "not_kept": 1, "not_sure": 0}
    assert second.counts == {"kept": 0, "not_kept": 0, "not_sure": 1}
    text = promise_summary_text(a.couple_id, test_clock.now())
    assert '"text when plans change": kept 2 times and not kept once.' in text
    assert "not sure once" in text and "%" not in text and "score" not in text.lower()
    assert storage.retire_promise(a.couple_id, phone.id) and not storage.retire_promise(a.couple_id, phone.id)
    assert storage.mark_promise(a.couple_id, b.partner_id, phone.id, "kept") == "unknown"
    test_clock.advance(days=9)
    assert "not noted this week" in promise_summary_text(a.couple_id, test_clock.now())
    assert "phone" not in promise_summary_text(a.couple_id, test_clock.now())  # retired more than a week ago


def test_each_partner_gets_one_weekly_summary_at_their_own_sunday_evening(database: str, test_clock) -> None:
    test_clock.at("10:00", "Europe/Berlin", day="2026-06-15")
    a, b = _couple()
    assert storage.plan_promise_summaries() == 0  # no promises, no summaries
    storage.add_promise(a.couple_id, a.partner_id, "call when I'm late")
    assert storage.plan_promise_summaries() == 2
    assert storage.plan_promise_summaries() == 0
    due = {d["partner_id"]: d["due_at"] for d in storage.ritual_deliveries_of(a.couple_id)}
    assert due[a.partner_id].isoformat() == "2026-06-21T16:00:00+00:00"  # Sunday 18:00 in Berlin
    assert due[b.partner_id].isoformat() == "2026-06-21T22:00:00+00:00"  # Sunday 18:00 in New York


def test_a_summary_due_in_a_hold_waits_and_a_checkin_is_skipped(database: str, test_clock) -> None:
    test_clock.at("10:00", "Europe/Berlin", day="2026-06-21")
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.add_promise(a.couple_id, a.partner_id, "call when I'm late")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 18, 0)
    storage.plan_rituals()
    test_clock.at("18:00", "Europe/Berlin", day="2026-06-21")
    due = [r for r in storage.claim_due_reminders("w") if r.conversation_id == "rest-ana"]
    assert sorted(r.kind for r in due) == ["checkin", "promise_summary"]
    outcomes = {r.kind: storage.hold_ritual_reminder(r.id) for r in due}
    assert outcomes == {"checkin": "skipped", "promise_summary": "postponed"}
    [later] = [r for r in storage.pending_reminders(a.couple_id) if r.kind == "promise_summary"
               and r.conversation_id == "rest-ana"]
    assert later.due_at == test_clock.now() + timedelta(hours=1)
    assert storage.summary_until(later.details).isoformat() == "2026-06-21T16:00:00+00:00"


def test_the_therapist_counts_only_what_sharing_partners_allow(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    a, b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    test_clock.at("21:05", "Europe/Berlin", day="2026-06-15")
    storage.record_checkin_mood(a.couple_id, a.partner_id, 4)
    storage.record_checkin_mood(a.couple_id, b.partner_id, 2)
    promise = storage.add_promise(a.couple_id, a.partner_id, "call when I'm late")
    storage.mark_promise(a.couple_id, b.partner_id, promise.id, "kept")
    [*_, week] = storage.ritual_week_counts(a.couple_id, weeks=2, zone="Europe/Berlin")
    assert week["week"] == "2026-06-15" and week["checkins_answered"] == 0 and week["promises_kept"] is None
    storage.set_share_consent(a.partner_id, True)
    [*_, week] = storage.ritual_week_counts(a.couple_id, weeks=2, zone="Europe/Berlin")
    assert (week["checkins_answered"], week["moods_shared"], week["promises_kept"]) == (1, 1, None)
    storage.set_share_consent(b.partner_id, True)
    [before, week] = storage.ritual_week_counts(a.couple_id, weeks=2, zone="Europe/Berlin")
    assert (week["checkins_answered"], week["promises_kept"], week["promises_not_kept"]) == (2, 1, 0)
    assert before["checkins_answered"] == 0 and before["week"] == "2026-06-08"


def test_forgetting_the_maker_removes_their_promises_and_summaries(database: str, test_clock) -> None:
    test_clock.at("10:00", "Europe/Berlin", day="2026-06-15")
    a, b = _couple()
    promise = storage.add_promise(a.couple_id, a.partner_id, "call when I'm late")
    storage.mark_promise(a.couple_id, b.partner_id, promise.id, "kept")
    storage.plan_promise_summaries()
    storage.forget_partner(a.partner_id)
    assert storage.promises_of(a.couple_id, active_only=False) == []
    assert all(d["partner_id"] == b.partner_id for d in storage.ritual_deliveries_of(a.couple_id))
    assert storage.plan_promise_summaries() == 0


def test_weekly_counts_can_start_on_the_readers_first_weekday(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")  # a Sunday; set up before the day's time
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_share_consent(a.partner_id, True)
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    test_clock.at("21:05", "Europe/Berlin", day="2026-06-21")
    storage.record_checkin_mood(a.couple_id, a.partner_id, 4)
    [week] = storage.ritual_week_counts(a.couple_id, weeks=1, zone="Europe/Berlin", first_weekday=6)
    assert week["week"] == "2026-06-21" and week["checkins_answered"] == 1
    [week] = storage.ritual_week_counts(a.couple_id, weeks=1, zone="Europe/Berlin")
    assert week["week"] == "2026-06-15" and week["checkins_answered"] == 1
