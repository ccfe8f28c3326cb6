"""Forms that understand people (issue 14): pause words can be the couple's signal, an agreement about
pauses is not a request for one, an answer meant for another question is put there, and the off-limits
check reads meaning (content/off_limits.yml), not only the rule's own words."""
from __future__ import annotations

import pytest

from actions.forms import is_break_request
from actions.rules import ValidateRulesForm
from bot.language.coaching import off_limits_hits
from bot.language.off_limits import belongs_to, off_limits_topics
from tests.action_kit import responses, run_validation, tracker


@pytest.mark.parametrize("said", ["timeout", "red card", "yellow", "time out please"])
def test_pause_words_can_be_saved_as_the_signal(said: str) -> None:
    t = tracker("c", said, "im_flooded", active_loop="rules_form", slots={"requested_slot": "rule_pause_signal"})
    assert not is_break_request(t, "rule_pause_signal")


@pytest.mark.parametrize("slot, said", [("rule_resume", "whoever called the pause reaches out first"),
                                        ("rule_resume", "we check in by text first after a break"),
                                        ("rule_who_asks", "either of us can ask, but not after a pause at night")])
def test_an_agreement_about_pauses_is_an_answer(slot: str, said: str) -> None:
    assert not is_break_request(tracker("c", said, "im_flooded"), slot)


def test_a_real_break_request_still_leaves_the_form() -> None:
    assert is_break_request(tracker("c", "I can't do this, I need to stop", "im_flooded"), "rule_resume")


def test_an_answer_for_another_question_is_put_there(database: str) -> None:
    t = tracker("c-rules", "no details about sex", active_loop="rules_form",
                slots={"requested_slot": "rule_resume"}, metadata={"partner_id": "p:1"})
    result, messages = run_validation(ValidateRulesForm(), "rule_resume", "no details about sex", t)
    assert result == {"rule_resume": None, "rule_off_limits": "no details about sex"}
    assert responses(messages) == ["utter_rule_noted_elsewhere"] and messages[0]["rule"] == "Off-limits details"
    kept = tracker("c-rules", "we text first", slots={"requested_slot": "rule_resume"}, metadata={"partner_id": "p:1"})
    result, _ = run_validation(ValidateRulesForm(), "rule_resume", "we text first", kept)
    assert result == {"rule_resume": "we text first"}
    assert belongs_to("whoever called the pause starts") is None


@pytest.mark.parametrize("question, rule, topic", [
    ("did you sleep with her in our bed", "no sexual details", "sex and intimacy"),
    ("was she better in bed than me", "no comparisons", "comparisons"),
    ("how much did you spend on her", "nothing about money", "money"),
    ("can I see the texts", "no messages or photos", "messages"),
])
def test_the_off_limits_check_reads_meaning(question: str, rule: str, topic: str) -> None:
    assert topic in off_limits_topics(question, rule)
    assert off_limits_hits(question, rule)


@pytest.mark.parametrize("question, rule", [("why did you lie to me", "no sexual details"),
                                            ("when did it start", "no comparisons"), ("", "no sex"),
                                            ("🙂" * 500, "no sex"), ("did you sleep with her", "")])
def test_the_off_limits_check_stays_quiet_otherwise(question: str, rule: str) -> None:
    assert off_limits_topics(question, rule) == ()


def test_a_short_topic_word_in_the_rule_still_counts() -> None:
    """"no details about sex": every word but "sex" is too short or too common to match on its own."""
    assert off_limits_hits("did you sleep with her in our bed", "no details about sex") == ("sex and intimacy",)
    assert off_limits_hits("why did you lie", "no details about sex") == ()
