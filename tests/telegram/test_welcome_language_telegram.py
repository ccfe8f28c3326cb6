"""A German partner's first minutes on Telegram are in German: real rasa and action servers, the Telegram
Application against the fake Bot API. A user whose Telegram client is German sends /start and reads the
welcome with its disclaimer and the greeting (with German buttons) in German, then /help in German; a
button of the greeting works. An English user next to them still reads English."""
from __future__ import annotations

import random

import pytest

from bot import private_words
from bot.disclosure import line as disclosure_line
from bot.telegram.texts import ui
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings, start_gateway
from tests.telegram.fake_bot_api import Person, private_chat
from tests.telegram.test_telegram_stack import press, say

pytestmark = pytest.mark.stack


@pytest.fixture
def stack(sealed_stack: RasaStack) -> RasaStack:
    """The running stack; this process (the gateway) uses the stack's key."""
    return sealed_stack


async def test_a_german_user_reads_start_and_help_in_german(stack, bot_api) -> None:
    gateway = await start_gateway(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    try:
        anna = Person(random.randint(10**8, 10**9), "Anna", "de")
        chat = private_chat(anna)
        welcome = await say(bot_api, anna, chat, "/start", at_least=3)
        greeting = private_words.texts("welcome", "de")["responses"]["utter_greet"]
        assert welcome[0] == ui("welcome_private", "de")
        assert "Ich bin kein Therapeut und kann in einem Notfall nicht helfen." in welcome[0]
        assert greeting in welcome and disclosure_line("de") in welcome
        english_greeting = "Hi. I'm glad you're here."
        assert not any("I'm" in text or english_greeting in text or text == disclosure_line("en") for text in welcome)
        [sent] = [m for m in bot_api.sent(chat["id"]) if m.get("text") == greeting]
        titles = [row[0]["text"] for row in sent["reply_markup"]["inline_keyboard"]]
        assert titles == ["Ich brauche eine Pause", "Ich möchte etwas fragen", "Grundregeln festlegen"]

        helped = await say(bot_api, anna, chat, "/help")
        assert helped[0].startswith(ui("help", "de")) and "Wie ich mit einer Krise umgehe" in helped[0]

        asked = await press(bot_api, anna, chat, "Ich möchte etwas fragen")  # the German button sends the intent
        assert asked  # the question flow answers

        ben = Person(random.randint(10**8, 10**9), "Ben", "en-GB")
        english = await say(bot_api, ben, private_chat(ben), "/start", at_least=3)
        assert english[0] == ui("welcome_private") and disclosure_line("en") in english
    finally:
        await gateway.stop()
