"""Issue 15 on Telegram end to end (real ptb Application → fake Bot API, real rasa and action servers):
a couple agrees their weekly "state of us" in their group in words, the gateway opens it there at the
agreed time with a start button, a partner presses it, the first turn's end comes on time and the
closing step is kept; a promise is made privately and marked privately with one tap, never in the group."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import private_chat
from tests.telegram.test_telegram_stack import new_group, people, press, say

pytestmark = pytest.mark.stack


async def test_the_weekly_talk_in_the_group_and_a_promise_marked_privately(rasa_stack, stack_db, bot_api,
                                                                            gateways) -> None:
    await gateways(gateway_settings(bot_api, rasa_stack.rasa_url, rasa_token=rasa_stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    agreed = await say(bot_api, ana, group, "@kintsugi_test_bot let's have a weekly state of us on sundays at 8pm")
    assert any("Sundays at 8:00 pm" in text for text in agreed)
    couple = storage.couple_of(f"tg-{group['id']}")
    [opening] = [r for r in storage.pending_reminders(couple) if r.kind == "weekly_talk"]
    assert opening.conversation_id == f"tg-{group['id']}"

    # This process's clock (the gateway's reminder loop) moves to the agreed moment: the talk opens in the group.
    before = len(bot_api.sent(group["id"]))
    clock.set_now(opening.due_at + timedelta(seconds=1), ticking=True)
    await bot_api.wait_for(lambda api: len(api.sent(group["id"])) > before, timeout=30)
    opened = bot_api.sent(group["id"])[before]
    assert "state of us" in opened["text"] and "turn toward you" in opened["text"]
    clock.reset()
    started = await press(bot_api, ben, group, "We're ready")
    assert any("10 minutes" in text for text in started)
    turns = [r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"]
    assert [r.details["turn"] for r in turns] == [1, 2]
    before = len(bot_api.sent(group["id"]))
    clock.set_now(turns[0].due_at + timedelta(seconds=1), ticking=True)
    await bot_api.wait_for(lambda api: len(api.sent(group["id"])) > before, timeout=30)
    assert "say back what they heard" in bot_api.sent(group["id"])[before]["text"]
    clock.reset()
    kept = await say(bot_api, ana, group, "@kintsugi_test_bot our action is a walk on saturday morning")
    assert any('"a walk on saturday morning"' in text for text in kept)
    agreed = await press(bot_api, ben, group, "Yes, agreed")  # kept once the other partner says yes, in the group
    assert any('agreed by you both: "a walk on saturday morning"' in text.lower() for text in agreed)  # "Ben, agreed ...

    # A promise: made in Ana's private chat, marked in Ben's private chat with one tap, never in the group.
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)
    await say(bot_api, ana, ana_chat, "/start")
    await say(bot_api, ben, ben_chat, "/start")
    added = await say(bot_api, ana, ana_chat, "I promise to text when plans change")
    assert any("text when plans change" in text for text in added)
    in_group = await say(bot_api, ben, group, "@kintsugi_test_bot mark a promise")
    assert any("just between you and me" in text for text in in_group)
    asked = await say(bot_api, ben, ben_chat, "mark a promise")
    assert any("text when plans change" in text for text in asked)
    marked = await press(bot_api, ben, ben_chat, "Kept")
    assert any("Noted" in text for text in marked)
    [promise] = storage.promises_of(couple)
    week = storage.promise_week(couple, clock.now() + timedelta(minutes=1))
    assert week[0].promise.id == promise.id and week[0].counts["kept"] == 1
    assert not any("text when plans change" in m["text"] for m in bot_api.sent(group["id"]))
