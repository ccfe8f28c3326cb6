"""Issue 16 on Telegram: a sent apology reaches the partner's private chat; a nudge never the group."""
from __future__ import annotations

import asyncio

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat

ANA = Person(401, "Ana")
BEN = Person(402, "Ben")
GROUP = group_chat(-4004)


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


async def test_a_sent_apology_reaches_the_partners_private_chat_in_the_writers_words(
        bot_api, fake_rasa, gateways) -> None:
    ana = storage.identify(f"tg-{ANA.id}", f"tg:{ANA.id}", channel="telegram")
    storage.identify(f"tg-{BEN.id}", f"tg:{BEN.id}", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), f"tg-{BEN.id}")
    words = "I lied to you about where I was. I chose it. It made you doubt what was real."
    storage.schedule_reminder(ana.couple_id, f"tg-{BEN.id}", clock.now(), "apology", {"text": words})
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    texts = await bot_api.wait_for_messages(BEN.id)
    assert len(texts) == 1 and f'"{words}"' in texts[0] and "{apology}" not in texts[0]
    assert "No need to answer" in texts[0] or "no need to answer" in texts[0]
    assert bot_api.texts(ANA.id) == []


async def test_an_unreachable_nudge_leaves_the_group_untouched(bot_api, fake_rasa, gateways) -> None:
    def script(body):
        return [{"custom": {"kintsugi": {"audience": "private", "partner_id": body["metadata"]["partner_id"],
                                         "kind": "empathy_nudge", "text": "Try: I hear how much this shook you."}}}]

    fake_rasa.script = script
    bot_api.unreachable.add(BEN.id)
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(BEN, GROUP, "@kintsugi_test_bot I already said sorry"))
    await bot_api.wait_for(lambda _api: fake_rasa.received, timeout=30)
    await asyncio.sleep(1.0)
    assert bot_api.texts(GROUP["id"]) == []  # no neutral line either: nothing the other partner reads
    assert bot_api.texts(BEN.id) == ["Try: I hear how much this shook you."]  # tried privately (refused: 403)


async def test_a_sent_apology_is_framed_in_the_writers_language_when_the_reader_told_none(
        bot_api, fake_rasa, gateways) -> None:
    ana = storage.identify(f"tg-{ANA.id}", f"tg:{ANA.id}", channel="telegram", language="es")
    storage.identify(f"tg-{BEN.id}", f"tg:{BEN.id}", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), f"tg-{BEN.id}")
    words = "Te mentí sobre dónde estaba. Lo elegí yo."
    storage.schedule_reminder(ana.couple_id, f"tg-{BEN.id}", clock.now(), "apology", {"text": words, "language": "es"})
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    texts = await bot_api.wait_for_messages(BEN.id)
    assert len(texts) == 1 and f'"{words}"' in texts[0]
    assert texts[0].startswith("Tu pareja ha escrito una disculpa") and "No hace falta que respondas" in texts[0]
    assert "Your partner" not in texts[0]


async def test_a_shared_reflection_is_framed_in_the_readers_own_language(
        bot_api, fake_rasa, gateways, monkeypatch) -> None:
    from bot import sealed
    from bot.config import get_settings

    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", sealed.new_key())
    get_settings.cache_clear()
    ana = storage.identify(f"tg-{ANA.id}", f"tg:{ANA.id}", channel="telegram", language="de")
    storage.identify(f"tg-{BEN.id}", f"tg:{BEN.id}", channel="telegram", language="fr-FR")  # Ben's client: French
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), f"tg-{BEN.id}")
    words = "Ich möchte bleiben und neu anfangen."
    storage.schedule_reminder(ana.couple_id, f"tg-{BEN.id}", clock.now(), "reflection",
                              {"sealed": sealed.seal(words), "language": "de"})
    try:
        await gateways(gateway_settings(bot_api, fake_rasa.url))
        texts = await bot_api.wait_for_messages(BEN.id)
    finally:
        get_settings.cache_clear()
    assert len(texts) == 1 and words in texts[0] and "{reflection}" not in texts[0]
    assert texts[0].startswith("L'autre a écrit une réflexion privée") and "Tu n'as pas besoin de répondre" in texts[0]
    assert bot_api.texts(ANA.id) == []
