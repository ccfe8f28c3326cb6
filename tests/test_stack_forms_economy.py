"""Forms over REST, through the real rasa and action servers (issue 14, items 6 and 8): a refused answer
gets one message that says why and asks again (never a second, almost identical question), and an answer
that clearly belongs to another ground-rules question is put there, said in the same message as the
question asked again."""
from __future__ import annotations

import pytest

from bot import storage
from tests.stack import RasaStack, new_sender

pytestmark = pytest.mark.stack


def said(replies) -> list:
    return [r.get("text") or "" for r in replies]


def test_the_rules_form_refuses_and_reasks_in_one_message_and_puts_answers_where_they_belong(
        rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"timezone": "Europe/Berlin"}
    rasa_stack.send(sender, "hi", meta)
    opening = said(rasa_stack.send(sender, "we want to set some ground rules", meta))
    assert "pause signal" in opening[-1]

    moved = said(rasa_stack.send(sender, "30 minutes", meta))  # a length, asked for the signal
    assert len(moved) == 1 and "Shortest break" in moved[0] and "pause signal" in moved[0], moved
    too_long = said(rasa_stack.send(sender, "something we both say when it gets far too loud in here", meta))
    assert len(too_long) == 1 and "short" in too_long[0], too_long
    asked = said(rasa_stack.send(sender, "red card", meta))  # the shortest break is known: on to coming back
    assert len(asked) == 1 and "come back" in asked[0], asked

    elsewhere = said(rasa_stack.send(sender, "no details about sex", meta))
    assert len(elsewhere) == 1 and "Off-limits details" in elsewhere[0] and "come back" in elsewhere[0], elsewhere
    next_one = said(rasa_stack.send(sender, "we text first", meta))
    assert len(next_one) == 1 and "Who may ask" in next_one[0], next_one  # off-limits was answered already
    checkin = said(rasa_stack.send(sender, "every sunday evening", meta))
    assert len(checkin) == 1 and "Check-ins" in checkin[0] and "Who may ask" in checkin[0], checkin
    read_back = " ".join(said(rasa_stack.send(sender, "either of us, but not before work", meta)))
    for line in ("Pause signal: red card", "Shortest break: 30 minutes", "Off-limits details: no details about sex",
                 "Check-ins: every sunday evening", "Coming back after a break: we text first"):
        assert line in read_back
    couple = storage.couple_of(sender)
    assert storage.pending_rules(couple) is not None


def test_the_question_form_refuses_and_reasks_in_one_message(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"timezone": "Europe/Berlin"}
    rasa_stack.send(sender, "hi", meta)
    rasa_stack.send(sender, "I want to ask my partner a question", meta)
    offered = rasa_stack.send(sender, "Why did you keep texting her after you promised to stop?", meta)
    if offered[-1].get("buttons") and all(b["payload"] not in ("now", "later") for b in offered[-1]["buttons"]):
        offered = rasa_stack.send(sender, offered[-1]["buttons"][0]["payload"], meta)  # a wording, or as written
    assert any(b.get("payload") == "now" for b in offered[-1].get("buttons") or []), said(offered)
    unclear = rasa_stack.send(sender, "hmm", meta)
    assert len(unclear) == 1 and [b["payload"] for b in unclear[0]["buttons"]] == ["now", "later"], unclear
    later = rasa_stack.send(sender, "later", meta)
    assert len(later) == 1
    when = rasa_stack.send(sender, "whenever", meta)
    assert len(when) == 1 and "time" in when[0]["text"], when
    far = rasa_stack.send(sender, "in three weeks", meta)
    assert len(far) == 1 and "next week" in far[0]["text"], far
