"""The weekly talk's turns reach the partner who did not press "We're ready", end to end on Telegram (real ptb
Application → fake Bot API, real rasa and action servers, this process's reminder loop on the controllable
clock): Ana and Ben have no group, each talks to the bot in their own private chat, Ben's client in Spanish.
Ana sets the talk up in her chat (told it opens for both of them), both chats get the opening, Ana presses
"We're ready" in hers; Ben's chat is told the first turn began, then gets the first turn's end and the closing
question, each once and in Spanish, while Ana's gets the same two in English."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any, Dict, List

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, Person, private_chat
from tests.telegram.test_telegram_stack import people, press, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


async def _at(api: FakeBotApi, chats: List[Dict[str, Any]], moment, *, each: int = 1) -> None:
    """Move the gateway's clock to ``moment`` and wait until every chat got ``each`` more message."""
    before = {chat["id"]: len(api.sent(chat["id"])) for chat in chats}
    clock.set_now(moment + timedelta(seconds=1), ticking=True)
    await api.wait_for(lambda a: all(len(a.sent(c["id"])) >= before[c["id"]] + each for c in chats), timeout=30)


async def test_the_partner_in_their_own_chat_gets_the_turns_in_their_language(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    ben = Person(ben.id, ben.first_name, "es")
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)
    await say(bot_api, ana, ana_chat, "hello")
    code = re.search(r"/link (\S+)", " ".join(await say(bot_api, ana, ana_chat, "/link"))).group(1)
    await say(bot_api, ben, ben_chat, "hola")
    await say(bot_api, ben, ben_chat, f"/link {code}")  # Ben's client is Spanish: linked, in his words
    couple = storage.couple_of(f"tg-{ana.id}")
    assert storage.couple_of(f"tg-{ben.id}") == couple

    set_up = " ".join(await say(bot_api, ana, ana_chat, "let's have a weekly state of us on sundays at 8pm"))
    assert "I'll open it for both of you" in set_up and "open it here" not in set_up
    [opening] = {r.due_at for r in storage.pending_reminders(couple) if r.kind == "weekly_talk"}
    await _at(bot_api, [ana_chat, ben_chat], opening)
    clock.reset()
    assert bot_api.sent(ben_chat["id"])[-1]["text"].startswith("Es la hora de vuestra charla semanal")

    ben_before = len(bot_api.sent(ben_chat["id"]))
    started = await press(bot_api, ana, ana_chat, "We're ready")
    assert any(text.startswith("The first turn begins now: 10 minutes") for text in started), started
    await bot_api.wait_for(lambda a: len(a.sent(ben_chat["id"])) > ben_before, timeout=30)  # at the next tick
    turns = sorted({r.due_at for r in storage.pending_reminders(couple) if r.kind == "talk_turn"})
    assert len(turns) == 2
    ana_before = len(bot_api.sent(ana_chat["id"]))
    await _at(bot_api, [ana_chat, ben_chat], turns[0])
    await _at(bot_api, [ana_chat, ben_chat], turns[1])
    await asyncio.sleep(1.5)  # a few more of the loop's ticks (every 0.3 s): nothing said twice
    clock.reset()

    bens = [m["text"] for m in bot_api.sent(ben_chat["id"])[ben_before:]]
    assert len(bens) == 3, bens
    assert bens[0].startswith("Empieza el primer turno: 10 minutos")
    assert bens[1].startswith("Se acabó el primer turno.")
    assert bens[2].startswith("Se acabó el tiempo.") and "nuestra acción es" in bens[2].lower()
    anas = [m["text"] for m in bot_api.sent(ana_chat["id"])[ana_before:]]
    assert len(anas) == 2 and anas[0].startswith("Time's up for the first turn.")
    assert anas[1].startswith("Time's up. Thank you both") and "one small, concrete thing" in anas[1]
    assert [r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"] == []
