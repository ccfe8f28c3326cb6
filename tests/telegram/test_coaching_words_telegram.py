"""Issue 16, "each of the five starts from plain words on every channel", on Telegram in German and Spanish:
real rasa and action servers, the fake Bot API. A partner whose Telegram client is German types "wo stehen
wir eigentlich" in their private chat and gets the reflection's first step in German; a Spanish partner
types that they want the yes/no/maybe list and gets its first step in Spanish.
"""
from __future__ import annotations

import random

import pytest

from bot import private_words
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings, start_gateway
from tests.telegram.fake_bot_api import Person, private_chat
from tests.telegram.test_telegram_stack import say

pytestmark = pytest.mark.stack


@pytest.fixture
def stack(sealed_stack: RasaStack) -> RasaStack:
    """The running stack; this process (the gateway) uses the stack's key."""
    return sealed_stack


def _said(flow: str, language: str, response: str) -> str:
    """The response's first paragraph in ``language``."""
    return str(private_words.texts(flow, language)["responses"][response]).split("\n")[0]


async def test_german_and_spanish_partners_start_in_plain_words_and_are_answered_in_their_language(
        stack, bot_api) -> None:
    gateway = await start_gateway(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    try:
        anna = Person(random.randint(10**8, 10**9), "Anna", "de-DE")
        lucia = Person(random.randint(10**8, 10**9), "Lucía", "es-ES")
        anna_chat, lucia_chat = private_chat(anna), private_chat(lucia)
        await say(bot_api, anna, anna_chat, "/start", at_least=2)
        await say(bot_api, lucia, lucia_chat, "/start", at_least=2)

        said = "\n".join(await say(bot_api, anna, anna_chat, "Wo stehen wir eigentlich?", at_least=2))
        assert _said("reflection", "de", "utter_reflection_intro") in said
        assert _said("reflection", "de", "utter_reflection_ask_direction") in said

        said = "\n".join(await say(bot_api, lucia, lucia_chat, "quiero hacer nuestra lista de sí, no y quizás",
                                   at_least=2))
        assert _said("closeness", "es", "utter_closeness_intro") in said
        assert "Darnos la mano" in said  # the first item, in Spanish
    finally:
        await gateway.stop()
