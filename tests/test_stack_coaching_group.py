"""The apology builder in a shared chat, through the real REST channel (real rasa and action servers).

Drafting an apology is coaching for the writer alone: asked where the other partner reads, the bot answers
with one kind line pointing to a private chat and starts nothing (like the yes/no/maybe list and the reflection).
"""
from __future__ import annotations

import pytest

from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def test_help_me_apologise_in_a_group_starts_nothing_there(rasa_stack: RasaStack, stack_db: str) -> None:
    group = new_sender("rest")
    meta = {"partner_id": f"web:{group}:A", "channel": "rest", "chat_type": "group", "addressed": True}
    replies = rasa_stack.send(group, "help me apologise", meta)
    assert "Open a private chat with me" in texts(replies) and "what did you do" not in texts(replies).lower()
    assert rasa_stack.tracker(group)["active_loop"].get("name") is None
    replies = rasa_stack.send(group, "I lied to you about where I was", meta)
    assert "Here's your apology" not in texts(replies)
