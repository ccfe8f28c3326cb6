"""The "I'm flooded" actions against a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from actions.pause import (ActionPauseDeclined, ActionResume, ActionScheduleResume, ActionStartPause,
                           ValidatePauseForm)
from bot import clock, storage
from bot.storage import events as ev
from tests.action_kit import responses, run, run_validation, slot_events, tracker

# Everything here depends on the time of day: each test runs at 00:30, 06:00, 12:00 and 23:30 in Berlin.
pytestmark = pytest.mark.around_the_clock

BAD_INPUTS = ["", "   ", "whenever", "31st of February", "🙂🙂🙂", "x" * 10_000, "\x00\x01\x02",
              "irgendwann", "когда-нибудь", "{}", "later"]


def test_start_pause_is_calm_logs_and_stops_any_flow(database: str) -> None:
    t = tracker("conv-1", "my heart is pounding, i need to stop", "im_flooded", active_loop="question_form",
                metadata={"partner_id": "tg:1"}, slots={"question_text": "why did you lie"})
    events, messages = run(ActionStartPause(), t)
    assert responses(messages) == ["utter_calm_pause", "utter_soothing_exercise"]
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot_events(events)["question_text"] is None
    couple = storage.couple_of("conv-1")
    logged = [e.type for e in storage.events_for(couple_id=couple)]
    assert logged == [ev.FLOODING_REPORTED, ev.FLOW_INTERRUPTED]


def test_the_time_prompt_quotes_the_agreed_break_length(database: str) -> None:
    """The opening stays at three messages: the calm word, an exercise, and this prompt with the rule."""
    from actions.pause_time import ActionAskPauseResumeTime

    who = storage.identify("conv-2", "p:a")
    storage.identify("conv-2", "p:b")
    storage.propose_rules(who.couple_id, who.partner_id, {"break_length": "45 minutes"})
    for partner in ("p:a", "p:b"):
        storage.confirm_rules(who.couple_id, storage.identify("conv-2", partner).partner_id)
    _, opening = run(ActionStartPause(), tracker("conv-2", "timeout", "im_flooded", metadata={"partner_id": "p:a"}))
    history = [{"event": "action", "name": "action_start_pause"}]
    _, messages = run(ActionAskPauseResumeTime(), tracker("conv-2", "timeout", "im_flooded", history=history,
                                                          metadata={"partner_id": "p:a"}))
    assert len(opening) + len(messages) == 3
    assert responses(messages) == ["utter_pause_when_agreed"] and messages[0]["length"] == "45 minutes"
    assert messages[0]["buttons"][0] == {"title": "45 minutes", "payload": "in 45 minutes"}


@pytest.mark.parametrize("said", ["in 30 minutes", "half an hour", "in an hour", "in 45", "give us 20 minutes"])
def test_resume_time_in_the_users_words_is_accepted(database: str, said: str) -> None:
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", said, tracker("c", said))
    assert result["pause_resume_time"] == said and messages == []
    resume_at = datetime.fromisoformat(result["resume_at"])
    assert timedelta(minutes=19) < resume_at - clock.now() < timedelta(hours=24)


@pytest.mark.parametrize("said, response", [("in 5 minutes", "utter_pause_too_short"),
                                            ("10 min", "utter_pause_too_short")])
def test_a_pause_is_at_least_twenty_minutes(database: str, said: str, response: str) -> None:
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", said, tracker("c", said))
    assert result == {"pause_resume_time": None}
    assert responses(messages) == [response]


@pytest.mark.parametrize("said", BAD_INPUTS)
def test_unreadable_times_are_asked_again_kindly(database: str, said: str) -> None:
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", said, tracker("c", said))
    assert result == {"pause_resume_time": None}
    assert responses(messages) in (["utter_pause_time_unclear"], ["utter_pause_time_unsure"])
    assert messages[0]["buttons"], "the refusal asks again itself, with quick times"


def test_tomorrow_morning_in_the_couples_zone_is_the_coming_morning_when_within_a_day(database: str) -> None:
    """Said at 00:30 it means this morning; at 12:00 or 23:30 the next; at 06:00 it is 27 hours away."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    meta = {"timezone": "Europe/Berlin"}
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", "tomorrow morning",
                                      tracker("c", "tomorrow morning", metadata=meta))
    now = clock.now().astimezone(berlin)
    morning = now.replace(hour=9, minute=0, second=0, microsecond=0)
    if now.hour >= 5:
        morning += timedelta(days=1)
    if morning - now < timedelta(hours=24):
        assert datetime.fromisoformat(result["resume_at"]).astimezone(berlin) == morning
        assert messages == []
    else:
        assert result == {"pause_resume_time": None}
        assert responses(messages) == ["utter_pause_too_long"]


def test_schedule_resume_stores_a_reminder_for_each_partners_chat_and_tells_the_other(database: str) -> None:
    a = storage.identify("tg-100", "tg:1", channel="telegram")
    storage.identify("tg-200", "tg:2", channel="telegram")
    code = storage.create_link_code(a.couple_id, a.partner_id)
    storage.redeem_link_code(code, "tg-200")
    resume_at = clock.now() + timedelta(minutes=40)
    t = tracker("tg-100", "in 40 minutes", metadata={"partner_id": "tg:1"},
                slots={"resume_at": resume_at.isoformat(), "pause_resume_time": "in 40 minutes"})
    events, messages = run(ActionScheduleResume(), t)
    assert responses(messages) == ["utter_pause_scheduled_told"]
    assert messages[0]["who"] == "you both"
    reminders = storage.pending_reminders(a.couple_id)
    resumes = [r for r in reminders if r.kind == "resume"]
    assert sorted(r.conversation_id for r in resumes) == ["tg-100", "tg-200"]
    assert all(abs((r.due_at - resume_at).total_seconds()) < 1 for r in resumes)
    assert [(r.conversation_id, r.kind) for r in reminders if r.kind != "resume"] == [("tg-200", "pause_started")]
    assert ev.RESUME_SCHEDULED in [e.type for e in storage.events_for(couple_id=a.couple_id)]
    assert slot_events(events)["resume_at"] is None


def test_reminder_survives_a_restart_and_fires_once(database: str) -> None:
    who = storage.identify("web-1")
    started = clock.now() - timedelta(hours=1)
    storage.schedule_resume(who.couple_id, "web-1", who.partner_id, started + timedelta(minutes=30),
                            started_at=started)
    storage.dispose_engines()  # a new process: nothing in memory survives
    first = storage.claim_due_reminders("gateway-a")
    second = storage.claim_due_reminders("gateway-b")
    assert [r.conversation_id for r in first] == ["web-1"] and second == []


def test_resume_ends_the_pause_and_drops_its_reminders(database: str) -> None:
    who = storage.identify("conv-r")
    storage.schedule_resume(who.couple_id, "conv-r", who.partner_id,
                            clock.now() + timedelta(minutes=30))
    _, messages = run(ActionResume(), tracker("conv-r", "we're ready", "ready_to_resume"))
    assert responses(messages) == ["utter_welcome_back", "utter_greet"]
    assert storage.active_pause(who.couple_id) is None
    assert storage.pending_reminders(who.couple_id) == []


def test_declined_pause_is_logged_and_respected(database: str) -> None:
    events, messages = run(ActionPauseDeclined(), tracker("conv-d", "no", "deny", slots={"pause_offered": True}))
    assert responses(messages) == ["utter_pause_declined"]
    assert slot_events(events) == {"pause_offered": None}
    assert [e.type for e in storage.events_for(conversation_id="conv-d")] == [ev.PAUSE_DECLINED]
