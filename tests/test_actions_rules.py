"""The ground-rules actions: collect, read back, both confirm, versioned, change later."""
from __future__ import annotations

import pytest

from actions.rules import (ActionApplyRuleChange, ActionConfirmRules, ActionProposeRules, ActionShowRules,
                           ActionStartChangeRule, ValidateChangeRuleForm, ValidateRulesForm, rule_named)
from bot import storage
from bot.storage import events as ev
from tests.action_kit import responses, run, run_validation, slot_events, tracker

FULL = {"rule_pause_signal": "timeout", "rule_break_length": "30 minutes", "rule_resume": "whoever paused starts",
        "rule_off_limits": "details about the hotel", "rule_who_asks": "either of us, not after 10pm",
        "rule_checkin": "every Sunday evening"}
A = {"partner_id": "tg:1", "display_name": "Ana", "chat_type": "group", "channel": "telegram"}
B = {"partner_id": "tg:2", "display_name": "Ben", "chat_type": "group", "channel": "telegram"}


@pytest.mark.parametrize("slot, said, stored", [
    ("rule_pause_signal", "\"Yellow!\"", "Yellow"),
    ("rule_pause_signal", "skip", "-"),
    ("rule_break_length", "half an hour", "30 minutes"),
    ("rule_break_length", "2 hours", "2 hours"),
    ("rule_break_length", "45", "45 minutes"),
    ("rule_off_limits", "none", "-"),
    ("rule_checkin", "every sunday evening", "every sunday evening"),
])
def test_each_agreement_is_checked_as_it_is_given(database: str, slot: str, said: str, stored: str) -> None:
    result, _ = run_validation(ValidateRulesForm(), slot, said, tracker("r", said))
    assert result == {slot: stored}


@pytest.mark.parametrize("slot, said, response", [
    ("rule_break_length", "5 minutes", "utter_rule_length_range"),
    ("rule_break_length", "3 days", "utter_rule_length_range"),
    ("rule_break_length", "whenever", "utter_rule_length_unclear"),
    ("rule_pause_signal", "when one of us feels like it is getting too much we say so", "utter_rule_signal_too_long"),
    ("rule_resume", "🙂🙂", "utter_rule_need_words"),
    ("rule_who_asks", "", "utter_rule_need_words"),
])
def test_unusable_agreements_are_asked_again(database: str, slot: str, said: str, response: str) -> None:
    result, messages = run_validation(ValidateRulesForm(), slot, said, tracker("r", said))
    assert result == {slot: None} and responses(messages) == [response]


def test_huge_answers_are_cut_not_lost(database: str) -> None:
    result, _ = run_validation(ValidateRulesForm(), "rule_off_limits", "no " * 5000, tracker("r", "x"))
    assert 0 < len(result["rule_off_limits"]) <= 300


def test_rules_are_read_back_stored_and_confirmed_by_both(database: str) -> None:
    events, messages = run(ActionProposeRules(), tracker("tg-g", "every sunday", slots=FULL, metadata=A))
    assert responses(messages) == ["utter_rules_read_back"]
    assert "• Pause signal: timeout" in messages[0]["rules"] and "• Check-ins: every Sunday evening" in messages[0]["rules"]
    assert all(v is None for k, v in slot_events(events).items() if k.startswith("rule_"))
    storage.identify("tg-g", "tg:2", chat_type="group")
    _, first = run(ActionConfirmRules(), tracker("tg-g", "I agree", "confirm_rules", metadata=A))
    # in a group the gateway starts the reply with "Ana, "; the sentence does not name her again (issue 14)
    assert responses(first) == ["utter_rules_confirmed_one"] and first[0]["name"] == ""
    events, second = run(ActionConfirmRules(), tracker("tg-g", "me too", "confirm_rules", metadata=B))
    assert responses(second) == ["utter_rules_confirmed_both"]
    assert slot_events(events) == {"pause_signal": "timeout"}
    couple = storage.couple_of("tg-g")
    current = storage.current_rules(couple)
    assert current.version == 1 and current.status == "confirmed" and len(current.confirmed_by) == 2
    kinds = [e.type for e in storage.events_for(couple_id=couple)]
    assert kinds == [ev.RULE_PROPOSED, ev.RULE_CONFIRMED, ev.RULE_CONFIRMED]


def test_one_partner_alone_cannot_confirm_for_both(database: str) -> None:
    run(ActionProposeRules(), tracker("solo", "x", slots=FULL))
    _, messages = run(ActionConfirmRules(), tracker("solo", "I agree", "confirm_rules"))
    assert responses(messages) == ["utter_rules_confirmed_one", "utter_rules_partner_not_here"]
    assert storage.current_rules(storage.couple_of("solo")) is None


def test_show_rules_quotes_current_and_pending(database: str) -> None:
    _, messages = run(ActionShowRules(), tracker("s", "show our rules", "show_rules"))
    assert responses(messages) == ["utter_rules_none_yet"]
    run(ActionProposeRules(), tracker("s", "x", slots=FULL, metadata=A))
    run(ActionConfirmRules(), tracker("s", "ok", "confirm_rules", metadata=A))
    run(ActionConfirmRules(), tracker("s", "ok", "confirm_rules", metadata=B))
    _, messages = run(ActionShowRules(), tracker("s", "what did we agree", "show_rules", metadata=A))
    assert responses(messages) == ["utter_rules_current"] and "timeout" in messages[0]["rules"]


def test_changing_a_rule_makes_a_new_version_both_must_confirm(database: str) -> None:
    run(ActionProposeRules(), tracker("c", "x", slots=FULL, metadata=A))
    run(ActionConfirmRules(), tracker("c", "ok", "confirm_rules", metadata=A))
    run(ActionConfirmRules(), tracker("c", "ok", "confirm_rules", metadata=B))
    events, _ = run(ActionStartChangeRule(), tracker("c", "can we change our safe word", "change_rule", metadata=A))
    assert slot_events(events)["change_rule_name"] == "pause_signal"
    slots = {"change_rule_name": "pause_signal", "change_rule_value": "red card"}
    _, messages = run(ActionApplyRuleChange(), tracker("c", "red card", slots=slots, metadata=B))
    assert responses(messages) == ["utter_rules_read_back"]
    couple = storage.couple_of("c")
    assert storage.current_rules(couple).rules["pause_signal"] == "timeout"  # still the confirmed one
    run(ActionConfirmRules(), tracker("c", "ok", "confirm_rules", metadata=A))
    run(ActionConfirmRules(), tracker("c", "ok", "confirm_rules", metadata=B))
    history = storage.rules_history(couple)
    assert [(h.version, h.status) for h in history] == [(2, "confirmed"), (1, "superseded")]
    assert history[0].rules["pause_signal"] == "red card" and history[0].rules["checkin"] == "every Sunday evening"


@pytest.mark.parametrize("said, key", [("the safe word", "pause_signal"), ("how long the breaks are", "break_length"),
                                       ("check-ins", "checkin"), ("off limits stuff", "off_limits"),
                                       ("banana", None)])
def test_rules_are_found_by_the_names_people_use(said: str, key: str) -> None:
    found = rule_named(said)
    assert (found["key"] if found else None) == key


def test_change_form_asks_again_for_an_unknown_rule(database: str) -> None:
    result, messages = run_validation(ValidateChangeRuleForm(), "change_rule_name", "banana", tracker("c", "banana"))
    assert result == {"change_rule_name": None} and responses(messages) == ["utter_rule_which_unclear"]
