"""The gateway's own crisis reply (rasa down) speaks the message's language when the client names none.

The real ptb Application against the fake Bot API, rasa on a port where nothing listens.
"""
from __future__ import annotations

import pytest

from bot import content
from bot.telegram.texts import ui
from tests.telegram.conftest import dead_port, gateway_settings
from tests.telegram.fake_bot_api import Person, private_chat

REPLIES = content.load("safety/_replies")


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


@pytest.mark.parametrize("language_code,message,expected,absent", [
    ("", "ya no aguanto más, me quiero morir", ["024", REPLIES["es"]["utter_crisis_suicide_self_harm"]], "116 123"),
    ("", "je veux mourir, je ne peux plus", ["3114", REPLIES["fr"]["utter_crisis_suicide_self_harm"]], "116 123"),
    ("en-GB", "ya no aguanto más, me quiero morir", ["116 123", ui("crisis_intro")], "024"),  # the client said
    ("", "i want to kill myself", ["116 123", ui("crisis_intro")], "024"),  # English: the default country (GB)
])
async def test_rasa_down_a_crisis_gets_help_in_the_messages_language(bot_api, gateways, language_code, message,
                                                                     expected, absent) -> None:
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    person = Person(301, "Lucía", language_code)
    bot_api.push(bot_api.message(person, private_chat(person), message))
    texts = await bot_api.wait_for_messages(person.id)
    assert all(part in texts[0] for part in expected), texts[0]
    assert absent not in texts[0]
