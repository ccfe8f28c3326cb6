"""Issue 15 on Telegram, through the real gateway's reminder loop and the fake Bot API: the
appreciation-day check-in reaches only its partner's private chat with the mood buttons, and the
weekly promises summary reaches each partner privately in words, never the couple's group."""
from __future__ import annotations

import asyncio

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat

ANA = Person(501, "Ana")
BEN = Person(502, "Ben")
GROUP = group_chat(-5005)


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


def _couple(ben_zone: str) -> tuple:
    ana = storage.identify(f"tg-{ANA.id}", f"tg:{ANA.id}", channel="telegram", timezone="Europe/Berlin")
    storage.identify(f"tg-{BEN.id}", f"tg:{BEN.id}", channel="telegram")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), f"tg-{BEN.id}")
    ben = storage.identify(f"tg-{BEN.id}", f"tg:{BEN.id}", channel="telegram")
    storage.identify(f"tg-{GROUP['id']}", f"tg:{ANA.id}", channel="telegram", chat_type="group")
    storage.note_checkin_partner(ana.couple_id, ana.partner_id, conversation_id=f"tg-{ANA.id}", private=True,
                                 timezone="Europe/Berlin")
    storage.note_checkin_partner(ana.couple_id, ben.partner_id, conversation_id=f"tg-{BEN.id}", private=True,
                                 timezone=ben_zone)
    assert storage.couple_of(f"tg-{GROUP['id']}") == ana.couple_id
    return ana, ben


async def test_an_appreciation_day_prompt_reaches_only_its_partner(bot_api, fake_rasa, gateways, test_clock) -> None:
    test_clock.at("20:59", "Europe/Berlin", day="2026-06-19", ticking=True)  # a Friday
    ana, _ben = _couple("America/New_York")
    storage.set_daily_checkin(ana.couple_id, ana.partner_id, 21, 0)
    test_clock.at("21:00", "Europe/Berlin", day="2026-06-19", ticking=True)
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    [text] = await bot_api.wait_for_messages(ANA.id)
    assert "one small thing your partner did this week" in text
    [sent] = bot_api.methods("sendMessage")
    buttons = [b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 5 and buttons[0] == '/checkin_mood{"checkin_mood": "1"}'
    await asyncio.sleep(1.0)  # several more rounds of the loop
    assert bot_api.texts(BEN.id) == [] and bot_api.texts(GROUP["id"]) == []  # Ben's 21:00 is in New York
    assert len(bot_api.texts(ANA.id)) == 1


async def test_the_weekly_summary_reaches_each_partner_privately_in_words(bot_api, fake_rasa, gateways,
                                                                          test_clock) -> None:
    test_clock.at("09:00", "Europe/Berlin", day="2026-06-16")
    ana, ben = _couple("Europe/Berlin")
    texting = storage.add_promise(ana.couple_id, ana.partner_id, "text when plans change")
    for day, mark in (("2026-06-16", "kept"), ("2026-06-17", "kept"), ("2026-06-18", "not_sure")):
        test_clock.at("20:00", "Europe/Berlin", day=day)
        storage.mark_promise(ana.couple_id, ben.partner_id, texting.id, mark)
    storage.plan_promise_summaries()
    test_clock.at("18:00", "Europe/Berlin", day="2026-06-21", ticking=True)  # Sunday evening
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    [for_ana] = await bot_api.wait_for_messages(ANA.id)
    [for_ben] = await bot_api.wait_for_messages(BEN.id)
    assert for_ana == for_ben
    assert '"text when plans change": kept 2 times and not sure once.' in for_ana
    assert "%" not in for_ana
    await asyncio.sleep(1.0)
    assert bot_api.texts(GROUP["id"]) == []
    assert len(bot_api.texts(ANA.id)) == 1 and len(bot_api.texts(BEN.id)) == 1
    assert clock.now() > storage.ritual_deliveries_of(ana.couple_id)[0]["due_at"]
