"""Inside a form: an answer stays an answer, a break request leaves the form."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import is_break_request
from actions.rules import ValidateRulesForm
from tests.action_kit import domain, tracker


def _t(text: str, slot: str, intent: str = "im_flooded", confidence: float = 0.8, **slots):
    t = tracker("f", text, intent, slots={"requested_slot": slot, **slots})
    t.latest_message["intent"]["confidence"] = confidence
    return t


@pytest.mark.parametrize("text, slot", [
    ("30 minutes", "rule_break_length"), ("give us an hour", "pause_resume_time"),
    ("timeout", "rule_pause_signal"), ("red card", "rule_pause_signal"), ("tonight at 9", "question_when"),
])
def test_answers_about_time_or_the_signal_stay_answers(text: str, slot: str) -> None:
    assert not is_break_request(_t(text, slot), slot)


@pytest.mark.parametrize("text, slot", [
    ("I need a break, this is too much right now", "rule_break_length"),
    ("my chest is tight, I need to stop", "question_text"),
    ("I can't do this right now, I'm shaking all over", "rule_pause_signal"),
])
def test_break_requests_leave_the_form(text: str, slot: str) -> None:
    assert is_break_request(_t(text, slot), slot)


def test_a_weak_guess_is_not_a_break() -> None:
    assert not is_break_request(_t("whoever paused texts first", "rule_resume", confidence=0.3), "rule_resume")


def test_the_couples_own_signal_leaves_any_form_but_the_signal_question() -> None:
    assert is_break_request(_t("Pineapple!", "rule_checkin", "out_of_scope", pause_signal="pineapple"), "rule_checkin")
    assert not is_break_request(_t("pineapple", "rule_pause_signal", "out_of_scope", pause_signal="pineapple"),
                                "rule_pause_signal")


def test_the_form_rejects_itself_for_a_break() -> None:
    events = asyncio.run(ValidateRulesForm().run(CollectingDispatcher(),
                                                 _t("stop, I need a break now please", "rule_checkin"), domain()))
    assert events == [{"event": "action_execution_rejected", "name": "rules_form", "policy": None,
                       "confidence": None, "timestamp": None}]
