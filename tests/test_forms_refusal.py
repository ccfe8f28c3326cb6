"""Refusal and re-ask in one message, in every form (issue 14, message economy), and answers that clearly
belong to another question of the ground-rules form put there (issue 14, item 8). The validation runs as
the action server runs it; the form's next question comes from its ask action, which stays silent when
the refusal already asked again."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from actions.form_asks import ASK_ACTIONS
from actions.rules import ValidateRulesForm, answer_for_another_question
from tests.action_kit import domain, run, tracker, user_event

ASKS = {a().name(): a() for a in ASK_ACTIONS}


def answering(form: str, slot: str, said: str, slots: Optional[Dict[str, Any]] = None):
    """The tracker the form's validation gets: ``said`` offered for ``slot`` while the form waits."""
    t = tracker("c-forms", said, active_loop=form, slots={"requested_slot": slot, **(slots or {})},
                metadata={"partner_id": "rest:c-forms"})
    t.events.append({"event": "slot", "name": slot, "value": said})
    return t


def after(t, events: List[Dict[str, Any]], messages: List[Dict[str, Any]]):
    """The tracker the ask action gets next: the validation's events and what it said."""
    t.events.extend(e for e in events)
    t.events.extend({"event": "bot", "text": m.get("text") or m.get("response")} for m in messages)
    for event in events:
        if event.get("event") == "slot":
            t.slots[event["name"]] = event["value"]
    return t


def ask_text(name: str) -> str:
    return domain()["responses"][name][0]["text"]


@pytest.mark.parametrize("slot, said, refusal", [
    ("rule_break_length", "no idea honestly", "utter_rule_length_unclear"),
    ("rule_break_length", "five minutes", "utter_rule_length_range"),
    ("rule_pause_signal", "something we both say when it gets too loud in here", "utter_rule_signal_too_long"),
    ("rule_checkin", "!!!", "utter_rule_need_words"),
])
def test_a_refused_rule_answer_is_one_message_that_asks_again(sqlite_database, slot, said, refusal) -> None:
    t = answering("rules_form", slot, said)
    events, messages = run(ValidateRulesForm(), t)
    assert {"event": "slot", "name": slot, "value": None, "timestamp": None} in events or \
        any(e.get("name") == slot and e.get("value") is None for e in events)
    assert len(messages) == 1 and messages[0]["text"] == ask_text(refusal)
    _, asked = run(ASKS[f"action_ask_{slot}"], after(t, events, messages))
    assert asked == []  # the refusal asked again: no second, almost identical question


def test_a_rule_answer_for_another_question_is_noted_there_and_the_question_asked_in_one_message(
        sqlite_database) -> None:
    t = answering("rules_form", "rule_resume", "no details about sex")
    events, messages = run(ValidateRulesForm(), t)
    assert any(e.get("name") == "rule_off_limits" and e.get("value") == "no details about sex" for e in events)
    [message] = messages
    assert message["text"] == " ".join([ask_text("utter_rule_noted_elsewhere").format(rule="Off-limits details"),
                                           ask_text("utter_ask_rule_resume")])
    assert run(ASKS["action_ask_rule_resume"], after(t, events, messages))[1] == []


@pytest.mark.parametrize("asked, said, belongs, value", [
    ("rule_pause_signal", "30 minutes", "rule_break_length", "30 minutes"),
    ("rule_who_asks", "every sunday evening", "rule_checkin", "every sunday evening"),
    ("rule_pause_signal", "whoever called the pause reaches out first", "rule_resume",
     "whoever called the pause reaches out first"),
    ("rule_checkin", "either of us can ask, but not at night", "rule_who_asks", "either of us can ask, but not at night"),
])
def test_answers_that_clearly_belong_elsewhere_go_there(sqlite_database, asked, said, belongs, value) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    key = asked[len("rule_"):]
    dispatcher = CollectingDispatcher()
    assert answer_for_another_question(key, said, answering("rules_form", asked, said), dispatcher) == {belongs: value}
    assert [m["response"] for m in dispatcher.messages] == ["utter_rule_noted_elsewhere"]
    taken = answering("rules_form", asked, said, slots={belongs: "already agreed"})
    assert answer_for_another_question(key, said, taken, CollectingDispatcher()) is None  # never over an answer
    assert answer_for_another_question(belongs[len("rule_"):], said, answering("rules_form", belongs, said),
                                       CollectingDispatcher()) is None  # its own question: an answer


@pytest.mark.parametrize("said", ["red card", "we text first", "no phones at dinner"])
def test_ordinary_answers_stay_where_they_were_given(sqlite_database, said) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    for key in ("pause_signal", "resume"):
        if key == "pause_signal" and len(said.split()) > 2:
            continue
        assert answer_for_another_question(key, said, answering("rules_form", f"rule_{key}", said),
                                           CollectingDispatcher()) is None


def test_a_question_not_refused_is_asked(sqlite_database) -> None:
    """Starting a form, or a new question after an answer: the ask actions speak."""
    started = tracker("c-forms", "let's set ground rules", "set_ground_rules",
                      history=[], slots={"requested_slot": None})
    started.events.extend([{"event": "action", "name": "action_start_rules"},
                           {"event": "slot", "name": "rule_pause_signal", "value": None},
                           {"event": "bot", "text": "Let's write down..."},
                           {"event": "action", "name": "rules_form"}])
    assert [m["response"] for m in run(ASKS["action_ask_rule_pause_signal"], started)[1]] == \
        ["utter_ask_rule_pause_signal"]
    t = answering("rules_form", "rule_pause_signal", "red card")
    events, messages = run(ValidateRulesForm(), t)
    assert messages == [] and any(e.get("value") == "red card" for e in events)
    assert [m["response"] for m in run(ASKS["action_ask_rule_break_length"], after(t, events, messages))[1]] == \
        ["utter_ask_rule_break_length"]
    assert user_event("x")["text"] == "x"
