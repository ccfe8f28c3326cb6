"""The AI disclosure through the real Telegram Application, the fake Bot API and real rasa + action servers.

A first message that is a crisis, in Spanish, from a Telegram client that names no language:
the help lines come first (Spain's, in Spanish), then the disclosure line, in Spanish too. Whether
rasa's handoff sends the help card or the gateway sends it first (rasa slower than a second, as on
a cold start), both guess the language from the message (``bot/safety/language_guess.py``).
"""
from __future__ import annotations

import random

import pytest

from bot import content
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, private_chat
from tests.telegram.test_telegram_stack import say

pytestmark = pytest.mark.stack

LINES = content.load("disclosure")["lines"]
SPAIN_SUICIDE_LINE = "024"  # content/resources/ES.yml


@pytest.fixture
def stack(rasa_stack: RasaStack, stack_db: str) -> RasaStack:
    """The running stack, with this process's storage on its database."""
    return rasa_stack


async def test_a_spanish_crisis_first_gets_help_lines_then_the_disclosure_in_spanish(stack, bot_api,
                                                                                     gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    lucia = Person(random.randint(10**8, 10**9), "Lucía", "")  # the client names no language
    chat = private_chat(lucia)

    replies = await say(bot_api, lucia, chat, "ya no aguanto más, me quiero morir", at_least=2)

    helped = next(i for i, text in enumerate(replies) if SPAIN_SUICIDE_LINE in text)
    assert helped == 0 and "llama" in replies[0].lower()  # help first, in Spanish, with Spain's lines
    assert not any("116 123" in text or "999" in text for text in replies)  # never the default country's
    assert replies.count(LINES["es"]) == 1 and replies.index(LINES["es"]) > helped
    assert LINES["en"] not in replies
    assert not any("help the two of you" in text for text in replies)  # help before hello: no welcome first

    asked = await say(bot_api, lucia, chat, "¿eres un bot?")
    assert LINES["es"] in asked and LINES["en"] not in asked


async def test_rasa_down_then_back_the_line_comes_once(stack, bot_api, gateways) -> None:
    """Rasa down: the gateway's crisis help, then the line; rasa back (same database): no line again,
    and 'are you a real person?' gets one message that says it (rasa's answer), not two."""
    from tests.telegram.relay import TcpRelay

    relay = await TcpRelay(stack.rasa_url).start()
    try:
        await gateways(gateway_settings(bot_api, relay.url, rasa_token=stack.token, rasa_timeout=20.0))
        sam = Person(random.randint(10**8, 10**9), "Sam", "en-GB")
        chat = private_chat(sam)
        await relay.stop()  # rasa goes away before Sam's first message

        first = await say(bot_api, sam, chat, "i don't want to live anymore, i want to kill myself", at_least=2)
        assert "116 123" in first[0] and first[1:] == [LINES["en"]]  # help first, then the line

        await relay.start()  # rasa is back
        back = await say(bot_api, sam, chat, "thank you, I called them. can we talk about us?")
        assert LINES["en"] not in back
        asked = await say(bot_api, sam, chat, "are you a real person?")
        saying = [t for t in asked if "AI program" in t]
        assert len(saying) == 1 and LINES["en"] not in asked, asked
    finally:
        await relay.stop()
