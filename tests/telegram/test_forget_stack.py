"""/forget for one of two linked partners, end to end (issue 14, item 7).

Real ptb Application against the fake Bot API, real rasa and action servers on the stack's
database: Ana and Ben link their private chats and talk; Ben deletes his data; Rasa keeps
nothing of him, Ana keeps everything of hers and is told kindly that he left, her next pause
reminds only her, and Ben's next "hello" is greeted as someone new: no couple, no rules.
"""
from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest

from bot import storage
from bot.storage.models import utcnow
from bot.telegram.texts import reminder_message, ui
from tests.telegram.conftest import gateway_settings, user_messages
from tests.telegram.fake_bot_api import private_chat
from tests.telegram.test_telegram_stack import people, press, say, stack, tracker  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack

BEN_WORDS = "I just want to disappear for a while"  # a screening ("check") message: sets Ben's safety level


def _tracker_rows(sender):
    """Rasa's stored rows (events and window snapshots) of one conversation, or of all when ``sender`` is None."""
    from sqlalchemy import text

    from bot.storage.db import get_engine

    where = "" if sender is None else " WHERE sender_id = :s"
    with get_engine().connect() as connection:
        return [row for table in ("events", "tracker_windows")
                for row in connection.execute(text(f"SELECT data FROM {table}{where}"), {"s": sender}).scalars()]


async def test_forget_leaves_nothing_of_one_linked_partner(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)

    # Ana and Ben link their private chats and talk
    await say(bot_api, ana, ana_chat, "hello")
    created = " ".join(await say(bot_api, ana, ana_chat, "/link"))
    code = re.search(r"/link (\S+)", created).group(1)
    await say(bot_api, ben, ben_chat, "hello")
    assert await say(bot_api, ben, ben_chat, f"/link {code}") == [ui("link.done")]
    couple = storage.couple_of(f"tg-{ana.id}")
    assert storage.couple_of(f"tg-{ben.id}") == couple
    ana_id, ben_id = storage.partner_by_key(f"tg:{ana.id}").id, storage.partner_by_key(f"tg:{ben.id}").id
    storage.propose_rules(couple, ana_id, {"checkin": "sundays at ten"})
    storage.confirm_rules(couple, ana_id)
    storage.confirm_rules(couple, ben_id)
    assert "sundays at ten" in " ".join(await say(bot_api, ben, ben_chat, "/rules"))
    await say(bot_api, ben, ben_chat, BEN_WORDS)
    before = await tracker(stack, ben_chat)
    assert before["slots"]["safety_level"] == "check"
    await say(bot_api, ana, ana_chat, "thank you, that helps")

    # Ben deletes his data
    ask = await say(bot_api, ben, ben_chat, "/forget")
    assert ask == [ui("forget.confirm")]
    ana_before = len(bot_api.sent(ana.id))
    assert await press(bot_api, ben, ben_chat, ui("forget.delete")) == [ui("forget.done")]

    # Ana is told, only that, kindly
    assert await bot_api.replies(ana.id, ana_before) == [ui("forget.partner_left")]
    assert "Ben" not in ui("forget.partner_left")

    # Rasa holds nothing of Ben: not his words, not his name, not his safety level. His chat is read in the
    # database: the HTTP API would open a new session for it (running action_session_start) just by looking.
    assert storage.partner_by_key(f"tg:{ben.id}") is None and storage.couple_of(f"tg-{ben.id}") is None
    assert await asyncio.to_thread(_tracker_rows, f"tg-{ben.id}") == []
    assert all(f"tg:{ben.id}" not in row and "disappear" not in row
               for row in await asyncio.to_thread(_tracker_rows, None))
    kept = await tracker(stack, ana_chat)
    assert [m["text"] for m in user_messages(kept)] == ["hello", "thank you, that helps"]
    assert "Ben" not in json.dumps(kept) and f"tg:{ben.id}" not in json.dumps(kept)
    assert "sundays at ten" in " ".join(await say(bot_api, ana, ana_chat, "/rules"))  # Ana keeps her rules

    # A pause Ana starts afterwards reminds only Ana
    await say(bot_api, ana, ana_chat, "/pause")
    await say(bot_api, ana, ana_chat, "in 45 minutes")
    assert [r.conversation_id for r in storage.pending_reminders(couple)] == [f"tg-{ana.id}"]
    ben_before, ana_before = len(bot_api.sent(ben.id)), len(bot_api.sent(ana.id))
    now = utcnow()  # the agreed time comes
    storage.schedule_resume(couple, f"tg-{ana.id}", ana_id, now - timedelta(minutes=1),
                            started_at=now - timedelta(minutes=46))
    reminder = await bot_api.replies(ana.id, ana_before)
    assert reminder == [reminder_message("resume_private")["text"]]  # worded for one person (issue 14)
    await asyncio.sleep(1.0)  # several reminder ticks
    assert len(bot_api.sent(ben.id)) == ben_before

    # Ben's next "hello" meets a fresh, unlinked Kintsugi: a welcome, no couple, no rules
    # (a Telegram private chat gets its channel welcome with /start; a plain "hello" from someone new is greeted)
    hello = " ".join(await say(bot_api, ben, ben_chat, "hello"))
    assert "What would help right now" in hello and "Ben" not in hello
    again = storage.couple_of(f"tg-{ben.id}")
    assert again is not None and again != couple
    assert storage.current_rules(again) is None
    assert "sundays at ten" not in " ".join(await say(bot_api, ben, ben_chat, "/rules"))
    fresh = await tracker(stack, ben_chat)
    assert BEN_WORDS not in [m["text"] for m in user_messages(fresh)] and "disappear" not in json.dumps(fresh)
