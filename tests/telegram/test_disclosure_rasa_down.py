"""Rasa down: the gateway's own crisis reply brings the AI disclosure after the help lines, when it is due.

The real ptb Application against the fake Bot API, rasa on a port where nothing listens, the product's
clock. The gateway asks the same records in the database as rasa's channels (``bot/disclosure.py``),
so a rasa that comes back does not show the line again.
"""
from __future__ import annotations

import random

import pytest

from bot import content, disclosure
from bot.telegram.texts import ui
from tests.telegram.conftest import dead_port, gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat, private_chat

LINES = content.load("disclosure")["lines"]


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


def person(language_code: str, name: str = "Sam") -> Person:
    return Person(random.randint(10**8, 10**9), name, language_code)


async def crisis(bot_api, who: Person, text: str, *, messages: int) -> list:
    """Send ``text`` privately; the texts that came back (``messages`` of them, then quiet)."""
    before = len(bot_api.texts(who.id))
    bot_api.push(bot_api.message(who, private_chat(who), text))
    return await bot_api.replies(who.id, before, at_least=messages, quiet=1.5)


@pytest.mark.parametrize("language_code,message,language,help_line", [
    ("", "ya no aguanto más, me quiero morir", "es", "024"),  # no client language: the message's
    ("", "je veux mourir, je ne peux plus", "fr", "3114"),
    ("de-DE", "ich will nicht mehr leben", "de", "0800"),
    ("en-GB", "i want to kill myself", "en", "116 123"),
])
async def test_a_first_contact_crisis_gets_help_then_the_line_in_its_language(bot_api, gateways, test_clock,
                                                                               language_code, message, language,
                                                                               help_line) -> None:
    test_clock.at("23:30", "Europe/Berlin")
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    sam = person(language_code)

    first = await crisis(bot_api, sam, message, messages=2)

    assert len(first) == 2 and help_line in first[0]  # help first
    assert first[1] == LINES[language]  # then the line, in the message's language
    test_clock.advance(minutes=3)
    again = await crisis(bot_api, sam, message, messages=1)
    assert len(again) == 1 and help_line in again[0]  # told already: help only
    why, _ = disclosure.DISCLOSURES.check(f"tg-{sam.id}", "hello", {}, now=test_clock.now())
    assert why is None  # rasa back (same records): it does not show the line again


async def test_after_seven_days_without_use_the_line_follows_the_help_again(bot_api, gateways, test_clock) -> None:
    test_clock.at("12:00")
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    sam = person("en-GB")
    assert (await crisis(bot_api, sam, "i want to end my life", messages=2))[1] == LINES["en"]
    test_clock.advance(days=7, minutes=1)
    later = await crisis(bot_api, sam, "i want to end my life", messages=2)
    assert "116 123" in later[0] and later[1] == LINES["en"]


async def test_in_a_group_the_line_follows_the_help_privately_and_the_group_sees_neither(bot_api, gateways,
                                                                                         test_clock) -> None:
    test_clock.at("12:00")
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    ana = person("en-GB", "Ana")
    group = group_chat(-random.randint(10**8, 10**9))
    bot_api.push(bot_api.message(ana, group, "@kintsugi_test_bot i want to kill myself"))
    private = await bot_api.replies(ana.id, 0, at_least=2, quiet=1.5)
    assert "116 123" in private[0] and private[1] == LINES["en"]
    assert bot_api.texts(group["id"]) == [ui("group_neutral")]


async def test_in_a_group_when_help_cannot_go_privately_no_line_is_recorded(bot_api, gateways, test_clock) -> None:
    test_clock.at("12:00")
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    ben = person("en-GB", "Ben")
    bot_api.unreachable.add(ben.id)  # never opened a private chat with the bot
    group = group_chat(-random.randint(10**8, 10**9))
    bot_api.push(bot_api.message(ben, group, "@kintsugi_test_bot i want to kill myself"))
    await bot_api.wait_for(lambda api: ui("group_neutral") in api.texts(group["id"]))
    bot_api.unreachable.discard(ben.id)
    test_clock.advance(minutes=5)
    first_private = await crisis(bot_api, ben, "i want to kill myself", messages=2)
    assert first_private[1] == LINES["en"]  # the line was never shown, so his first private contact gets it
