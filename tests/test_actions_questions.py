"""The "I want to ask a question" actions: honesty with boundaries."""
from __future__ import annotations

from datetime import timedelta

import pytest

from actions.questions import ActionAskQuestionChoice, ActionQuestionWrapup, ActionStartQuestion, ValidateQuestionForm
from bot import clock, storage
from bot.language.coaching import advise
from bot.storage import events as ev
from tests.action_kit import domain, responses, run, run_validation, tracker

import asyncio
import json
from rasa_sdk.executor import CollectingDispatcher


@pytest.mark.parametrize("question, kind", [
    ("was she better in bed than me", "comparison"),
    ("is he hotter than me?", "comparison"),
    ("Do you think about her when we're together", "comparison"),
    ("what positions did you do", "graphic_detail"),
    ("did you kiss her in our car, with tongue?", "graphic_detail"),
    ("what's wrong with me that you needed her", "whats_wrong_with_me"),
    ("how many times did you sleep with him", "timeline_facts"),
    ("why did you do it", "motive_meaning"),
    ("what were you looking for that you didn't find at home", "motive_meaning"),
    ("are you still in contact with him", "timeline_facts"),
    ("when is the dentist appointment", "timeline_facts"),
    ("can we talk after dinner", "none"),
])
def test_questions_about_meaning_are_told_apart_from_the_kinds_that_hurt(question: str, kind: str) -> None:
    advice = advise(question)
    assert advice.kind == kind
    assert bool(advice.wordings) == (kind not in ("motive_meaning", "none"))


def test_off_limits_details_from_the_rules_are_noticed() -> None:
    advice = advise("what happened at the hotel that night", "anything about the hotel")
    assert advice.off_limits_hits == ("hotel",)
    assert advise("why did you lie", "anything about the hotel").off_limits_hits == ()


def _validate(slot: str, value: str, **kwargs):
    return run_validation(ValidateQuestionForm(), slot, value, tracker("q-1", value, **kwargs))


def test_graphic_question_gets_gentle_rewordings_and_the_choice(database: str) -> None:
    result, messages = _validate("question_text", "were her photos better than mine")
    assert result["question_kind"] == "comparison" and result["question_reworded"]
    t = tracker("q-1", "were her photos better than mine", slots=result)
    _, asked = run(ActionAskQuestionChoice(), t)
    assert len(asked) == 1 and "gentler" in asked[0]["text"]
    payloads = [b["payload"] for b in asked[0]["buttons"]]
    assert payloads == ["wording 1", "wording 2", "wording 3", "keep my question", "my own words"]
    assert asked[0]["text"].count("her photos") == 3  # numbered, for REST
    required = asyncio.run(ValidateQuestionForm().required_slots([], CollectingDispatcher(), t, domain()))
    assert required == ["question_text", "question_choice", "question_timing"]


def test_the_asker_may_keep_their_own_question(database: str) -> None:
    offered, _ = _validate("question_text", "was he better in bed than me")
    slots = {**offered}
    result, messages = _validate("question_choice", "keep my question", slots=slots)
    assert result == {"question_choice": "kept"} and responses(messages) == ["utter_question_kept"]
    result, _ = _validate("question_choice", "gentler wording", slots=slots)
    assert result["question_choice"] == "reworded"
    assert result["question_text"] == json.loads(offered["question_reworded"])["wordings"][0]
    kinds = [e.type for e in storage.events_for(conversation_id="q-1")]
    assert kinds == [ev.QUESTION_COACHED, ev.QUESTION_KEPT, ev.QUESTION_REWORDED]


def test_pattern_question_is_encouraged_and_needs_no_choice(database: str) -> None:
    result, messages = _validate("question_text", "what were you feeling when you lied to me")
    assert result["question_kind"] == "motive_meaning" and responses(messages) == ["utter_question_pattern"]
    t = tracker("q-1", "", slots=result)
    required = asyncio.run(ValidateQuestionForm().required_slots([], CollectingDispatcher(), t, domain()))
    assert required == ["question_text", "question_timing"]
    assert [e.type for e in storage.events_for(conversation_id="q-1")] == [ev.QUESTION_COACHED]


@pytest.mark.parametrize("text", ["", "🙂", "?!", "12345", "\x00\x00"])
def test_a_question_needs_words(database: str, text: str) -> None:
    result, messages = _validate("question_text", text)
    assert result == {"question_text": None} and responses(messages) == ["utter_question_need_words"]


def test_huge_and_foreign_questions_are_kept_safely(database: str) -> None:
    result, _ = _validate("question_text", "why " * 5000)
    assert len(result["question_text"]) <= 1000
    result, _ = _validate("question_text", "warum hast du mich angelogen")
    assert result["question_text"] == "warum hast du mich angelogen"


def test_question_checked_against_confirmed_ground_rules(database: str) -> None:
    a = storage.identify("q-1", "p:a")
    b = storage.identify("q-1", "p:b")
    storage.propose_rules(a.couple_id, a.partner_id, {"off_limits": "details about the hotel"})
    storage.confirm_rules(a.couple_id, a.partner_id)
    storage.confirm_rules(a.couple_id, b.partner_id)
    _, messages = _validate("question_text", "what happened in the hotel", metadata={"partner_id": "p:a"})
    assert "utter_question_off_limits" in responses(messages)


@pytest.mark.parametrize("said, timing", [("now", "now"), ("yes he's ready", "now"), ("later", "later"),
                                          ("not now", "later")])
@pytest.mark.around_the_clock
def test_now_or_later(database: str, said: str, timing: str) -> None:
    result, _ = _validate("question_timing", said)
    assert result["question_timing"] == timing


@pytest.mark.around_the_clock
def test_naming_a_time_schedules_it(database: str) -> None:
    result, _ = _validate("question_timing", "tonight at 9")
    assert result["question_timing"] == "later" and result["question_when"]


@pytest.mark.around_the_clock
@pytest.mark.parametrize("said", ["whenever", "31st of February", "", "🙂"])
def test_unreadable_question_times_are_asked_again(database: str, said: str) -> None:
    result, messages = _validate("question_when", said)
    assert result == {"question_when": None} and responses(messages) == ["utter_question_when_unclear"]


def test_wrapup_now_gives_tips_to_the_answering_partner(database: str) -> None:
    slots = {"question_text": "why did you hide it", "question_timing": "now"}
    events, messages = run(ActionQuestionWrapup(), tracker("q-2", "now", slots=slots))
    assert responses(messages) == ["utter_question_go_ahead", "utter_answering_tips"]
    assert messages[0]["question"] == "why did you hide it"
    assert [e.type for e in storage.events_for(conversation_id="q-2")] == [ev.QUESTION_READY_NOW]


@pytest.mark.around_the_clock
def test_wrapup_later_stores_a_reminder(database: str) -> None:
    when = (clock.now() + timedelta(hours=3)).isoformat()
    slots = {"question_text": "why", "question_timing": "later", "question_when": when}
    _, messages = run(ActionQuestionWrapup(), tracker("q-3", "tonight", slots=slots))
    assert responses(messages) == ["utter_question_scheduled"]
    couple = storage.couple_of("q-3")
    assert [r.kind for r in storage.pending_reminders(couple)] == ["question"]


def test_start_question_reminds_of_the_rule_about_asking(database: str) -> None:
    a = storage.identify("q-4", "p:a")
    b = storage.identify("q-4", "p:b")
    storage.propose_rules(a.couple_id, a.partner_id, {"who_asks": "only after the kids are asleep"})
    storage.confirm_rules(a.couple_id, a.partner_id)
    storage.confirm_rules(a.couple_id, b.partner_id)
    _, messages = run(ActionStartQuestion(), tracker("q-4", "I want to ask", "ask_a_question",
                                                     metadata={"partner_id": "p:a"}))
    assert responses(messages) == ["utter_question_rule_reminder"]
