"""Pauses between two people (issue 14): who is told, where reminders go, the couple's shortest
break, the time prompt's quick times and other requests, questions during a pause, time zones."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from actions.pause import ActionScheduleResume, ValidatePauseForm
from actions.pause_time import (ActionAskPauseResumeTime, ActionKeepQuestionForLater, agreed_minimum,
                                hold_question_during_pause, quick_times)
from bot import clock, storage
from bot.language.timeparse import describe
from bot.language.zones import zone_from_place, zone_label
from bot.storage.db import session_scope
from bot.storage.pauses import reminder_chats
from rasa_sdk.executor import CollectingDispatcher
from tests.action_kit import responses, run, run_validation, tracker


def linked(a: str = "tg-100", b: str = "tg-200") -> storage.Who:
    """Two partners whose private chats are linked."""
    first = storage.identify(a, f"tg:{a[3:]}", channel="telegram")
    storage.identify(b, f"tg:{b[3:]}", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(first.couple_id, first.partner_id), b)
    return first


def agree(couple_id: int, rules: dict, *chats: str) -> None:
    first = storage.identify(chats[0], f"tg:{chats[0][3:]}")
    storage.propose_rules(couple_id, first.partner_id, rules)
    for chat in chats:
        storage.confirm_rules(couple_id, storage.identify(chat, f"tg:{chat[3:]}").partner_id)


# --- where reminders go ------------------------------------------------------------------------

def test_a_couple_with_a_group_is_reminded_once_there(database: str) -> None:
    who = linked()
    storage.identify("tg--5", "tg:100", channel="telegram", chat_type="supergroup")
    pause = storage.schedule_resume(who.couple_id, "tg--5", who.partner_id, clock.now() + timedelta(minutes=30))
    assert pause.reminder_conversations == ("tg--5",) and pause.told == ()  # both read the group already
    assert [(r.conversation_id, r.kind) for r in storage.pending_reminders(who.couple_id)] == [("tg--5", "resume")]
    # called in a private chat: the group hears of it once, then the reminder
    pause = storage.schedule_resume(who.couple_id, "tg-100", who.partner_id, clock.now() + timedelta(minutes=30))
    assert pause.reminder_conversations == ("tg--5",) and pause.told == ("tg--5",)


def test_without_a_group_each_partner_gets_one_and_the_other_is_told_once(database: str) -> None:
    who = linked()
    pause = storage.schedule_resume(who.couple_id, "tg-200", None, clock.now() + timedelta(minutes=30))
    assert sorted(pause.reminder_conversations) == ["tg-100", "tg-200"]
    assert pause.told == ("tg-100",)
    kinds = sorted((r.conversation_id, r.kind) for r in storage.pending_reminders(who.couple_id))
    assert kinds == [("tg-100", "pause_started"), ("tg-100", "resume"), ("tg-200", "resume")]


def test_a_partner_linked_later_gets_the_reminders_already_planned(database: str) -> None:
    ana = storage.identify("tg-100", "tg:100", channel="telegram")
    resume_at = clock.now() + timedelta(minutes=45)
    storage.schedule_resume(ana.couple_id, "tg-100", ana.partner_id, resume_at)
    storage.schedule_reminder(ana.couple_id, "tg-100", resume_at + timedelta(hours=2), "question")
    storage.identify("tg-200", "tg:200", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-200")
    ben = sorted((r.kind, r.due_at) for r in storage.pending_reminders(ana.couple_id) if r.conversation_id == "tg-200")
    assert [k for k, _ in ben] == ["pause_started", "question", "resume"]
    assert abs((dict(ben)["resume"] - resume_at).total_seconds()) < 1
    with session_scope() as session:
        assert sorted(reminder_chats(session, ana.couple_id)) == ["tg-100", "tg-200"]


# --- the couple's shortest break -----------------------------------------------------------------

def test_the_agreed_minimum_is_honoured_and_explained(database: str) -> None:
    who = linked()
    agree(who.couple_id, {"break_length": "30 minutes"}, "tg-100", "tg-200")
    assert agreed_minimum(who.couple_id) == (timedelta(minutes=30), "30 minutes")
    t = tracker("tg-100", "in 25 minutes", metadata={"partner_id": "tg:100", "timezone": "Europe/London"})
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", "in 25 minutes", t)
    assert result == {"pause_resume_time": None}
    assert responses(messages) == ["utter_pause_too_short_agreed"]
    assert messages[0]["length"] == "30 minutes" and "London time" in messages[0]["earliest"]
    assert messages[0]["buttons"][0]["payload"] == "in 30 minutes"
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", "in 30 minutes",
                                      tracker("tg-100", "in 30 minutes", metadata={"partner_id": "tg:100"}))
    assert result["pause_resume_time"] == "in 30 minutes" and messages == []


# --- other requests during the time prompt ----------------------------------------------------

@pytest.mark.parametrize("said, intent, response", [
    ("next week", "share_feelings", "utter_pause_within_a_day"),
    ("in a few days", "share_feelings", "utter_pause_within_a_day"),
    ("in 2 weeks", "share_feelings", "utter_pause_within_a_day"),
    ("I don't know", "share_feelings", "utter_pause_time_unsure"),
    ("no idea honestly", "deny", "utter_pause_time_unsure"),
    ("show our rules", "show_rules", "utter_pause_no_rules_then_when"),
])
def test_other_requests_during_the_prompt_are_answered_and_asked_again_once(database: str, said: str, intent: str,
                                                                            response: str) -> None:
    t = tracker("c-req", said, intent, metadata={"partner_id": "p:1"})
    result, messages = run_validation(ValidatePauseForm(), "pause_resume_time", said, t)
    assert result == {"pause_resume_time": None}
    assert responses(messages) == [response] and messages[0]["buttons"]


def test_show_our_rules_during_the_prompt_quotes_them(database: str) -> None:
    who = linked()
    agree(who.couple_id, {"pause_signal": "yellow"}, "tg-100", "tg-200")
    t = tracker("tg-100", "show our rules", "show_rules", metadata={"partner_id": "tg:100"})
    _, messages = run_validation(ValidatePauseForm(), "pause_resume_time", "show our rules", t)
    assert responses(messages) == ["utter_pause_rules_then_when"] and "yellow" in messages[0]["rules"]


def test_after_a_refusal_the_prompt_is_not_repeated(database: str) -> None:
    history = [{"event": "action", "name": "action_listen"}]
    t = tracker("c-once", "whenever", metadata={"partner_id": "p:1"}, history=history)
    t.events.append({"event": "slot", "name": "pause_resume_time", "value": None})
    t.events.append({"event": "bot", "text": "That's okay…"})
    _, messages = run(ActionAskPauseResumeTime(), t)
    assert messages == []


@pytest.mark.parametrize("hour, expected", [(9, ["20 minutes", "1 hour", "This evening"]),
                                            (19, ["20 minutes", "1 hour", "In 2 hours"])])
def test_quick_times_fit_the_hour_in_the_persons_zone(hour: int, expected: list) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 6, 1, hour, 0, tzinfo=berlin)
    assert [b["title"] for b in quick_times("Europe/Berlin", timedelta(minutes=20), now)] == expected
    assert [b["title"] for b in quick_times("Europe/Berlin", timedelta(minutes=90), now)][0] == "90 minutes"


# --- questions while a pause runs -----------------------------------------------------------------

def test_no_question_flow_while_a_pause_runs_and_it_is_kept_for_after(database: str) -> None:
    who = linked()
    resume_at = clock.now() + timedelta(minutes=60)
    storage.schedule_resume(who.couple_id, "tg-100", who.partner_id, resume_at)
    t = tracker("tg-100", "I want to ask Ben a question", "ask_a_question", metadata={"partner_id": "tg:100"})
    dispatcher = CollectingDispatcher()
    held = hold_question_during_pause(dispatcher, t, storage.identify("tg-100", "tg:100"))
    assert held == [{"event": "followup", "name": "action_listen", "timestamp": None}]
    assert responses(dispatcher.messages) == ["utter_question_during_pause"]
    _, messages = run(ActionKeepQuestionForLater(), tracker("tg-100", "keep it", "keep_question_for_later",
                                                            metadata={"partner_id": "tg:100"}))
    assert responses(messages) == ["utter_question_kept_for_after"]
    kept = [r for r in storage.pending_reminders(who.couple_id) if r.kind == "question"]
    assert [r.conversation_id for r in kept] == ["tg-100"] and abs((kept[0].due_at - resume_at).total_seconds()) < 1


def test_the_partner_who_calls_it_hears_that_the_other_was_told(database: str) -> None:
    linked()
    resume_at = clock.now() + timedelta(minutes=40)
    t = tracker("tg-100", "in 40 minutes", metadata={"partner_id": "tg:100", "timezone": "America/New_York"},
                slots={"resume_at": resume_at.isoformat(), "pause_resume_time": "in 40 minutes"})
    _, messages = run(ActionScheduleResume(), t)
    assert responses(messages) == ["utter_pause_scheduled_told"]
    assert "New York time" in messages[0]["when"] and "in 40 minutes" in messages[0]["when"]


# --- time zones -------------------------------------------------------------------------------------

@pytest.mark.parametrize("said, zone", [("Berlin", "Europe/Berlin"), ("we live in New York", "America/New_York"),
                                        ("NYC", "America/New_York"), ("munich", "Europe/Berlin"),
                                        ("Europe/Paris", "Europe/Paris"), ("salt lake city", "America/Denver"),
                                        ("London 🙂", "Europe/London")])
def test_a_place_names_a_zone(said: str, zone: str) -> None:
    assert zone_from_place(said) == zone


@pytest.mark.parametrize("said", ["", "   ", "🙂", "no idea", "x" * 10_000, "\x00"])
def test_no_place_is_no_zone(said: str) -> None:
    assert zone_from_place(said) is None


def test_every_time_shown_carries_the_readers_zone_across_a_dst_change() -> None:
    """Berlin leaves summer time at 03:00 on 25 October 2026: 40 real minutes after 02:40 CEST is 02:20 CET."""
    moment = datetime(2026, 10, 25, 0, 40, tzinfo=timezone.utc)  # 02:40 CEST
    with clock.frozen(moment):
        resume = clock.now() + timedelta(minutes=40)
        assert describe(resume, tz="Europe/Berlin") == "at 2:20 am Berlin time (in 40 minutes)"
        assert describe(resume, tz="America/New_York") == "at 9:20 pm New York time (in 40 minutes)"
        assert zone_label(None) == "UTC" and describe(resume) == "at 1:20 am UTC (in 40 minutes)"


# --- the city question, asked once ----------------------------------------------------------------

def test_the_city_is_asked_once_on_telegram_and_remembered(database: str) -> None:
    meta = {"partner_id": "tg:300", "channel": "telegram"}
    form = ValidatePauseForm()
    t = tracker("tg-300", "I need a pause", "im_flooded", metadata=meta)
    import asyncio

    slots = asyncio.run(form.required_slots(["pause_city", "pause_resume_time"], CollectingDispatcher(), t, {}))
    assert slots == ["pause_city", "pause_resume_time"]
    result, messages = run_validation(form, "pause_city", "we live in Munich", tracker("tg-300", "Munich", metadata=meta))
    assert result == {"pause_city": "Europe/Berlin"} and messages == []
    assert storage.identify("tg-300", "tg:300").partner_timezone == "Europe/Berlin"
    answering = tracker("tg-300", "Munich", metadata=meta, slots={"requested_slot": "pause_city",
                                                                  "pause_city": "Munich"})
    assert asyncio.run(form.required_slots(["pause_city", "pause_resume_time"], CollectingDispatcher(), answering,
                                           {}))[0] == "pause_city"  # so rasa-sdk validates the answer
    again = tracker("tg-300", "pause", "im_flooded", metadata=meta)
    assert asyncio.run(form.required_slots(["pause_city", "pause_resume_time"], CollectingDispatcher(), again,
                                           {})) == ["pause_resume_time"]
    rest = tracker("r-1", "pause", "im_flooded", metadata={"partner_id": "r:1", "channel": "rest",
                                                           "timezone": "Europe/Paris"})
    assert asyncio.run(form.required_slots(["pause_city", "pause_resume_time"], CollectingDispatcher(), rest,
                                           {})) == ["pause_resume_time"]


def test_a_time_given_for_the_city_is_taken_as_the_time(database: str) -> None:
    meta = {"partner_id": "tg:301", "channel": "telegram"}
    result, messages = run_validation(ValidatePauseForm(), "pause_city", "in 40 minutes",
                                      tracker("tg-301", "in 40 minutes", metadata=meta))
    assert result["pause_city"] == "-" and result["pause_resume_time"] == "in 40 minutes" and messages == []
    result, messages = run_validation(ValidatePauseForm(), "pause_city", "8pm Berlin",
                                      tracker("tg-302", "8pm Berlin", metadata={**meta, "partner_id": "tg:302"}))
    assert result["pause_city"] == "Europe/Berlin"
    assert result["pause_resume_time"] is None or result["resume_at"]  # 8 pm may be over a day away, or too soon
    result, messages = run_validation(ValidatePauseForm(), "pause_city", "🙂",
                                      tracker("tg-303", "🙂", metadata={**meta, "partner_id": "tg:303"}))
    assert result == {"pause_city": "-"} and responses(messages) == ["utter_pause_city_unknown"]


# --- names and turns ------------------------------------------------------------------------------

def test_the_other_partner_pressing_now_is_handled_as_themselves(database: str) -> None:
    from actions.questions import ActionQuestionWrapup, ActionStartQuestion

    ana = {"partner_id": "tg:1", "display_name": "Ana", "chat_type": "supergroup", "channel": "telegram"}
    ben = {**ana, "partner_id": "tg:2", "display_name": "Ben"}
    run(ActionStartQuestion(), tracker("tg--77", "I want to ask a question", "ask_a_question", metadata=ana))
    slots = {"question_text": "why did you hide it", "question_timing": "now"}
    _, said = run(ActionQuestionWrapup(), tracker("tg--77", "/now", metadata=ben, slots=slots))
    assert responses(said)[0] == "utter_question_go_ahead_for_partner" and said[0]["asker"] == "Ana"
    _, said = run(ActionQuestionWrapup(), tracker("tg--77", "/now", metadata=ana, slots=slots))
    assert responses(said)[0] == "utter_question_go_ahead"


def test_a_question_for_later_is_one_reminder_per_person(database: str) -> None:
    from actions.questions import ActionQuestionWrapup

    linked()
    storage.identify("tg--6", "tg:100", channel="telegram", chat_type="supergroup")
    when = (clock.now() + timedelta(hours=3)).isoformat()
    slots = {"question_text": "why", "question_timing": "later", "question_when": when}
    run(ActionQuestionWrapup(), tracker("tg-100", "later", metadata={"partner_id": "tg:100"}, slots=slots))
    couple = storage.couple_of("tg-100")
    assert [r.conversation_id for r in storage.pending_reminders(couple) if r.kind == "question"] == ["tg--6"]
