"""Daily check-ins in storage (SQLite and PostgreSQL): set up, plan once per partner, skip, stop, share."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot import storage
from bot.language.timeparse import parse_daily_time
from bot.storage import events as ev


def _couple(zone_a: str = "Europe/Berlin", zone_b: str = "America/New_York"):
    a = storage.identify("rest-ana", "rest:rest-ana", timezone=zone_a)
    b = storage.identify("rest-ben", "rest:rest-ben")
    # Ben joins Ana's couple the way /link does: his conversation moves to her couple.
    code = storage.create_link_code(a.couple_id, a.partner_id)
    storage.redeem_link_code(code, "rest-ben")
    b = storage.identify("rest-ben", "rest:rest-ben")
    assert a.couple_id == b.couple_id
    storage.note_checkin_partner(a.couple_id, a.partner_id, conversation_id="rest-ana", private=True, timezone=zone_a)
    storage.note_checkin_partner(a.couple_id, b.partner_id, conversation_id="rest-ben", private=True, timezone=zone_b)
    return a, b


@pytest.mark.parametrize("words, expected", [
    ("can you remind us to do our check-in every evening at 9", (21, 0, "0123456")),
    ("weekdays at 7:30am", (7, 30, "01234")),
    ("move our check-in to 8pm", (20, 0, "0123456")),
    ("every morning at 7", (7, 0, "0123456")),
    ("saturdays and sundays at 10:15 pm", (22, 15, "56")),
    ("remind us please", None),
])
def test_daily_times_in_plain_words(words, expected) -> None:
    assert parse_daily_time(words) == expected


def test_each_partner_gets_one_prompt_at_their_own_local_time(database: str, test_clock) -> None:
    test_clock.at("12:00", "UTC")
    a, b = _couple()
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0, "0123456", "every evening at 9")
    assert storage.plan_checkin_prompts(now=test_clock.now()) == 2
    assert storage.plan_checkin_prompts(now=test_clock.now()) == 0  # planned once, however often asked
    prompts = {p["partner_id"]: p for p in storage.checkin_prompts_of(a.couple_id)}
    assert prompts[a.partner_id]["due_at"].isoformat() == "2026-06-16T19:00:00+00:00"  # 21:00 Berlin
    assert prompts[b.partner_id]["due_at"].isoformat() == "2026-06-17T01:00:00+00:00"  # 21:00 New York
    reminders = {r.conversation_id: r for r in storage.pending_reminders(a.couple_id)}
    assert set(reminders) == {"rest-ana", "rest-ben"} and reminders["rest-ana"].kind == storage.CHECKIN_KIND


def test_set_up_after_the_day_s_time_the_first_prompt_is_tomorrow(database: str, test_clock) -> None:
    """Set up at 21:42 for 'every evening at 9': nothing arrives straight away (it did in the evening)."""
    test_clock.at("21:42", "Europe/Berlin", day="2026-06-16")
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    assert {p["due_at"].isoformat() for p in storage.checkin_prompts_of(a.couple_id)} == {"2026-06-17T19:00:00+00:00"}
    assert storage.claim_due_reminders("w1") == []


def test_claimed_once_then_the_next_day_is_planned(database: str, test_clock) -> None:
    test_clock.at("12:00", "UTC")
    a, _b = _couple()
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    test_clock.advance(hours=7, minutes=1)  # 21:01 in Berlin
    first = storage.claim_due_reminders("w1")
    assert [r.conversation_id for r in first] == ["rest-ana"]
    assert storage.claim_due_reminders("w2") == []
    storage.mark_reminder_sent(first[0].id)
    assert storage.plan_checkin_prompts() == 1  # Ana's tomorrow; Ben's today is still ahead
    dates = sorted(p["local_date"] for p in storage.checkin_prompts_of(a.couple_id) if p["partner_id"] == a.partner_id)
    assert dates == ["2026-06-16", "2026-06-17"]


def test_weekdays_only_and_moving_the_time(database: str, test_clock) -> None:
    test_clock.at("09:00", "Europe/Berlin", day="2026-06-19")  # a Friday
    a, _b = _couple()
    storage.set_daily_checkin(a.couple_id, a.partner_id, 7, 30, "01234")
    storage.plan_checkin_prompts()
    mine = [p for p in storage.checkin_prompts_of(a.couple_id) if p["partner_id"] == a.partner_id]
    assert [p["local_date"] for p in mine] == ["2026-06-22"]  # Monday: not the weekend
    storage.set_daily_checkin(a.couple_id, a.partner_id, 20, 0, "0123456", "move our check-in to 8pm")
    storage.plan_checkin_prompts()
    mine = [p for p in storage.checkin_prompts_of(a.couple_id) if p["partner_id"] == a.partner_id]
    assert [(p["local_date"], p["due_at"].hour) for p in mine] == [("2026-06-19", 18)]
    assert len([r for r in storage.pending_reminders(a.couple_id) if r.conversation_id == "rest-ana"]) == 1


def test_skip_today_and_stop(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    a, _b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    assert storage.skip_checkin_today(a.couple_id) == 2
    assert storage.pending_reminders(a.couple_id) == []
    storage.plan_checkin_prompts()
    assert {p["local_date"] for p in storage.checkin_prompts_of(a.couple_id) if p["status"] == "planned"} \
        == {"2026-06-17"}
    assert storage.stop_daily_checkin(a.couple_id) is True
    assert storage.pending_reminders(a.couple_id) == []
    assert storage.plan_checkin_prompts() == 0
    assert storage.daily_checkin(a.couple_id).status == "stopped"


def test_pause_and_crisis_hold(database: str, test_clock) -> None:
    now = test_clock.at("20:30", "Europe/Berlin")
    a, _b = _couple()
    assert storage.checkin_on_hold(a.couple_id) is False
    storage.schedule_resume(a.couple_id, "rest-ana", a.partner_id, now + timedelta(minutes=45))
    assert storage.checkin_on_hold(a.couple_id) is True
    storage.end_pause(a.couple_id)
    assert storage.checkin_on_hold(a.couple_id) is False
    storage.log_event("rest-ana", ev.CRISIS_ROUTED, couple_id=a.couple_id, partner_id=a.partner_id)
    assert storage.checkin_on_hold(a.couple_id) is True
    test_clock.advance(minutes=5)
    storage.log_event("rest-ana", ev.SAFETY_RESOLVED, couple_id=a.couple_id, partner_id=a.partner_id)
    assert storage.checkin_on_hold(a.couple_id) is False


def test_answers_are_private_until_shared(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    a, b = _couple("Europe/Berlin", "Europe/Berlin")
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    assert storage.record_checkin_mood(a.couple_id, a.partner_id, 4) is None  # nothing open before 21:00
    test_clock.advance(hours=9, minutes=5)
    assert storage.record_checkin_mood(a.couple_id, a.partner_id, 4).mood == 4
    storage.record_checkin_note(a.couple_id, a.partner_id, "tired but hopeful")
    assert storage.checkin_sharing(a.partner_id) == "nothing"
    assert storage.partner_checkins_shared_with(b.partner_id) == []
    storage.choose_checkin_sharing(a.couple_id, a.partner_id, "mood")
    [seen] = storage.partner_checkins_shared_with(b.partner_id)
    assert (seen.mood, seen.note) == (4, None)
    storage.choose_checkin_sharing(a.couple_id, a.partner_id, "both")
    [seen] = storage.partner_checkins_shared_with(b.partner_id)
    assert (seen.mood, seen.note) == (4, "tired but hopeful")
    assert storage.partner_checkins_shared_with(a.partner_id) == []  # Ben answered nothing


def test_forgetting_a_partner_removes_their_checkins(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    a, b = _couple()
    storage.set_daily_checkin(a.couple_id, a.partner_id, 21, 0)
    storage.plan_checkin_prompts()
    storage.forget_partner(b.partner_id)
    assert {p["partner_id"] for p in storage.checkin_prompts_of(a.couple_id)} == {a.partner_id}
