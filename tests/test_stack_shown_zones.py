"""Every time a person sees carries their zone (issue 14, item 4): Ana in Berlin and Ben in New York share
one conversation (REST, a group), through the real rasa and action servers. Check-ins are at the same hour
in each person's own zone; a weekly talk, a money date and a pause's end are one moment, shown in both."""
from __future__ import annotations

import pytest

from tests.stack import RasaStack, new_sender

pytestmark = pytest.mark.stack


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_berlin_and_new_york_each_see_their_own_time(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest-group")
    base = {"channel": "rest", "chat_type": "group", "addressed": True}
    ana = {**base, "partner_id": f"rest:{sender}:A", "display_name": "Ana", "timezone": "Europe/Berlin"}
    ben = {**base, "partner_id": f"rest:{sender}:B", "display_name": "Ben", "timezone": "America/New_York"}
    rasa_stack.send(sender, "hello", ana)
    quiet = texts(rasa_stack.send(sender, "no messages after 10pm please", ben))  # Ben's own, in his zone
    assert "7:00 am New York time" in quiet

    checkin = texts(rasa_stack.send(sender, "can you remind us to do our check-in every evening at 9", ana))
    assert "9:00 pm Berlin time and 9:00 pm New York time" in checkin

    talk = texts(rasa_stack.send(sender, "let's have a weekly state of us on sundays at 8pm", ana))
    assert "Sundays at 8:00 pm Berlin time (2:00 pm New York time)" in talk

    money = texts(rasa_stack.send(sender, "set up a money date on the first sunday of each month at 7pm", ben))
    assert "7:00 pm New York time (Monday 1:00 am Berlin time)" in money

    rasa_stack.send(sender, "I'm flooded, I need to stop", ana)
    paused = texts(rasa_stack.send(sender, "in 40 minutes", ana))
    assert "Berlin time" in paused and "New York time" in paused and "in 40 minutes" in paused


def test_a_time_said_in_a_private_chat_carries_that_persons_zone(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    ben = {"timezone": "America/New_York"}
    rasa_stack.send(sender, "hi", ben)
    quiet = texts(rasa_stack.send(sender, "no messages after 10pm please", ben))
    assert "7:00 am New York time" in quiet
    checkin = texts(rasa_stack.send(sender, "can you remind us to do our check-in every evening at 9", ben))
    assert "9:00 pm New York time" in checkin and "Berlin" not in checkin
