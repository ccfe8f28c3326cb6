"""Due reminders: delivered once, to Telegram through the bot and elsewhere through rasa."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot import storage
from bot.storage.models import utcnow
from bot.telegram.texts import reminder_message
from tests.telegram.conftest import dead_port, gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat

ANA = Person(301, "Ana")
GROUP = group_chat(-3003)


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


def due_pause(conversation: str, partner: str, channel: str = "telegram") -> int:
    """A pause that ended a minute ago (as if the gateway was down at the time)."""
    who = storage.identify(conversation, partner, channel=channel,
                           chat_type="group" if conversation.startswith("tg--") else "private")
    now = utcnow()
    storage.schedule_resume(who.couple_id, conversation, who.partner_id, now - timedelta(minutes=1),
                            started_at=now - timedelta(minutes=31))
    return who.couple_id


@pytest.mark.around_the_clock
async def test_two_gateways_send_each_reminder_once(bot_api, fake_rasa, gateways) -> None:
    couple = due_pause(f"tg-{GROUP['id']}", "tg:301")
    settings = [gateway_settings(bot_api, fake_rasa.url, webhook_url=f"https://gw{n}.example.org/tg",
                                 webhook_secret="s") for n in (1, 2)]
    await asyncio.gather(*(gateways(s) for s in settings))
    await bot_api.wait_for_messages(GROUP["id"])
    await asyncio.sleep(1.0)  # several more rounds of both loops
    sent = bot_api.sent(GROUP["id"])
    assert len(sent) == 1
    assert sent[0]["text"] == reminder_message("resume")["text"]
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/ready_to_resume"
    assert storage.pending_reminders(couple) == []


@pytest.mark.around_the_clock
async def test_a_web_reminder_is_triggered_in_rasa(bot_api, fake_rasa, gateways) -> None:
    due_pause("web-5f2c", "web:web-5f2c:A", channel="web")
    await gateways(gateway_settings(bot_api, fake_rasa.url, rasa_token="rasa-secret"))
    await bot_api.wait_for(lambda _api: fake_rasa.triggered, timeout=10)
    call = fake_rasa.triggered[0]
    assert call["conversation"] == "web-5f2c"
    assert call["name"] == "EXTERNAL_reminder" and call["entities"] == {"reminder_kind": "resume"}
    assert call["query"] == {"output_channel": "latest", "token": "rasa-secret"}


async def test_a_failing_reminder_is_retried_with_backoff_then_given_up(bot_api, gateways, caplog) -> None:
    couple = due_pause("web-dead", "web:web-dead:A", channel="web")
    settings = gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}", reminder_retry=0.05)
    with caplog.at_level(logging.WARNING, logger="bot.reminders"):
        await gateways(settings)
        await bot_api.wait_for(lambda _api: "given up" in caplog.text, timeout=60)
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 5
    assert storage.pending_reminders(couple) == []


async def test_a_chat_the_bot_cannot_reach_is_given_up_at_once(bot_api, fake_rasa, gateways) -> None:
    couple = due_pause(f"tg-{ANA.id}", "tg:301")
    bot_api.unreachable.add(ANA.id)
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    await bot_api.wait_for(lambda api: api.methods("sendMessage"))
    await asyncio.sleep(0.8)
    assert len(bot_api.methods("sendMessage")) == 1
    assert storage.pending_reminders(couple) == []
