"""The daily check-in through a real channel (REST, real rasa and action servers, real database):
from the set-up sentence to each partner's prompt being due, then the prompt and a one-tap mood."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import clock, storage
from bot.rasa_client import RasaClient
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def test_set_up_in_words_then_the_prompt_is_due_and_answered(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"timezone": "Asia/Tokyo", "language": "en"}
    rasa_stack.send(sender, "hi", meta)
    replies = rasa_stack.send(sender, "can you remind us to do our check-in every evening at 9", meta)
    assert "9:00 pm" in texts(replies) and "every day" in texts(replies)
    couple = storage.couple_of(sender)
    [reminder] = storage.pending_reminders(couple)
    assert reminder.kind == storage.CHECKIN_KIND and reminder.conversation_id == sender
    local = reminder.due_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (21, 0) and reminder.due_at > clock.now()
    # Not due a minute before, due at the time, claimed once.
    def claim(worker: str, at: datetime) -> list:
        """This couple's claimed reminders (the stack's database is shared with other tests)."""
        return [r for r in storage.claim_due_reminders(worker, limit=1000, now=at) if r.couple_id == couple]

    assert claim("early", reminder.due_at - timedelta(minutes=1)) == []
    [due] = claim("gateway", reminder.due_at)
    assert due.id == reminder.id
    assert claim("other", reminder.due_at) == []

    async def fire() -> dict:
        client = RasaClient(rasa_stack.rasa_url, rasa_stack.token)
        try:
            return await client.trigger_intent(sender, "EXTERNAL_checkin", {"reminder_kind": "checkin"})
        finally:
            await client.close()

    prompt = asyncio.run(fire())
    assert [b["payload"] for b in prompt["messages"][0]["buttons"]][3] == '/checkin_mood{"checkin_mood": "4"}'
    moved = rasa_stack.send(sender, "move our check-in to 8pm", meta)
    assert "8:00 pm" in texts(moved)
    skipped = rasa_stack.send(sender, "skip today", meta)
    assert "No check-in today" in texts(skipped)
    stopped = rasa_stack.send(sender, "stop the check-ins", meta)
    assert "stopped the check-ins" in texts(stopped)
    assert storage.pending_reminders(couple) == []
