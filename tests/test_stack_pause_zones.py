"""Two partners in different time zones over REST (issue 14): each sees their own time, from the
`timezone` metadata, through the real rasa and action servers; REST never asks for a city."""
from __future__ import annotations

import pytest

from tests.stack import RasaStack, new_sender

pytestmark = pytest.mark.stack


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_partners_in_different_zones_each_see_their_own_time(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    ana = {"partner_id": f"rest:{sender}:A", "display_name": "Ana", "channel": "rest", "timezone": "Europe/Berlin"}
    ben = {"partner_id": f"rest:{sender}:B", "display_name": "Ben", "channel": "rest",
           "timezone": "America/New_York"}
    rasa_stack.send(sender, "hello", ana)
    rasa_stack.send(sender, "hello", ben)

    opening = rasa_stack.send(sender, "I'm flooded, I need to stop", ana)
    assert len(opening) <= 3 and "city" not in texts(opening)  # the opening: calm word, exercise, prompt
    assert [b["title"] for b in opening[-1].get("buttons") or []][:2] == ["20 minutes", "1 hour"]
    refused = rasa_stack.send(sender, "next week", ana)
    assert len(refused) == 1 and "within a day" in texts(refused)
    done = texts(rasa_stack.send(sender, "in 40 minutes", ana))
    assert "Berlin time" in done and "in 40 minutes" in done

    held = rasa_stack.send(sender, "I want to ask a question", ben)
    assert "New York time" in texts(held) and "Berlin" not in texts(held)
    assert [b["payload"] for b in held[-1]["buttons"]] == ["/keep_question_for_later"]
    kept = texts(rasa_stack.send(sender, "/keep_question_for_later", ben))
    assert "New York time" in kept
