"""The question form's refusals ask again once, with the now/later buttons (issue 14, message economy).

Needs actions/question_timing.py (the question flow's ask actions), which another session has staged but
not committed yet; the same check as tests/test_forms_refusal.py for the rules form."""
from __future__ import annotations

from actions.question_timing import ActionAskQuestionTiming, ActionAskQuestionWhen
from actions.questions import ValidateQuestionForm
from tests.action_kit import domain, run, tracker
from tests.test_forms_refusal import after, answering, ask_text


def test_the_question_forms_refusals_ask_again_once_with_the_buttons(sqlite_database) -> None:
    t = answering("question_form", "question_timing", "hmm")
    events, messages = run(ValidateQuestionForm(), t)
    [message] = messages
    assert message["text"] == ask_text("utter_question_timing_unclear")
    assert [b["payload"] for b in message["buttons"]] == \
        [b["payload"] for b in domain()["responses"]["utter_ask_question_timing"][0]["buttons"]]
    assert run(ActionAskQuestionTiming(), after(t, events, messages))[1] == []

    t = answering("question_form", "question_when", "whenever", slots={"question_timing": "later"})
    events, messages = run(ValidateQuestionForm(), t)
    assert len(messages) == 1 and messages[0]["text"] == ask_text("utter_question_when_unclear")
    assert run(ActionAskQuestionWhen(), after(t, events, messages))[1] == []
    assert run(ActionAskQuestionWhen(), tracker("c", "later", slots={"question_timing": "later"}))[1] != []
