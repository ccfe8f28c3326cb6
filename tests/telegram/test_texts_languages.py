"""Telegram's own texts in German, Spanish and French (``content/channels/telegram_i18n/``), chosen from the
Telegram user's ``language_code``, English otherwise: the files match the English one key for key and
placeholder for placeholder, and the commands a partner sends (/help, /link, /consent, /forget, /mydata,
errors) answer in their language through the Application and the fake Bot API."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, Tuple

import pytest

from bot import storage
from bot.telegram.app import bot_commands
from bot.telegram.buttons import whose_text
from bot.telegram.texts import channel_file, language_of, translations, ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat, private_chat

LANGUAGES = ("de", "es", "fr")
# Lines without words of any language: the same everywhere.
NEUTRAL = {"address", "button_chosen", "button_chosen_group", "consent.view_line"}


def _strings(node: Any, prefix: str = "") -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{prefix}{key}.")
    elif isinstance(node, str):
        yield prefix[:-1], node


def _fields(text: str) -> set:
    return set(re.findall(r"{(\w+)}", text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_english_text_has_its_translation_with_the_same_placeholders(language: str) -> None:
    english = dict(_strings(channel_file("telegram")))
    translated = dict(_strings(translations(language)))
    missing = [key for key in english if key not in translated and key not in NEUTRAL]
    extra = [key for key in translated if key not in english and not key.startswith("consent.seen.")]
    assert missing == [] and extra == []
    assert {key: text for key, text in translated.items()
            if key in english and _fields(text) != _fields(english[key])} == {}


def test_the_language_comes_from_the_users_language_code() -> None:
    assert [language_of(Person(1, "A", code)) for code in ("de", "es-MX", "fr-CA", "pt-BR", "", "EN")] == \
           ["de", "es", "fr", "en", "en", "en"]
    assert language_of(None) == "en"
    assert ui("help", "de").startswith("Das kann ich") and ui("help", "pt") == ui("help")
    assert whose_text("es-ES") == translations("es")["whose_button"] and whose_text(None) == ui("whose_button")


def test_the_command_menu_in_each_language_keeps_the_commands() -> None:
    english = [c.command for c in bot_commands()]
    for language in LANGUAGES:
        menu = bot_commands(language)
        assert [c.command for c in menu] == english
        assert [c.description for c in menu] == list(translations(language)["commands"].values())
        assert all(0 < len(c.description) <= 256 for c in menu)


@pytest.fixture
def _db(sqlite_database: str) -> str:
    return sqlite_database


@pytest.fixture
async def gateway(_db, bot_api, fake_rasa, gateways):
    return await gateways(gateway_settings(bot_api, fake_rasa.url))


async def test_help_and_unknown_commands_answer_in_the_users_language(bot_api, gateway) -> None:
    menus = [str(call.get("language_code") or "") for call in bot_api.methods("setMyCommands")]
    assert sorted(menus) == ["", "de", "es", "fr"]  # the command menu in each language, English for the rest
    for index, language in enumerate(("de", "es", "fr")):
        person = Person(310 + index, "Kim", language)
        chat = private_chat(person)
        bot_api.push(bot_api.message(person, chat, "/help"))
        [said] = await bot_api.wait_for_messages(person.id)
        assert said.startswith(ui("help", language)) and ui("help") not in said
        bot_api.push(bot_api.message(person, chat, "/nonsense"))
        assert (await bot_api.wait_for_messages(person.id, 2))[-1] == ui("unknown_command", language)


async def test_link_forget_and_mydata_answer_in_spanish_and_french(bot_api, gateway) -> None:
    lucia, claire = Person(321, "Lucía", "es-ES"), Person(322, "Claire", "fr-FR")
    bot_api.push(bot_api.message(lucia, private_chat(lucia), "/link"))
    text = (await bot_api.wait_for_messages(lucia.id))[0]
    code = re.search(r"/link ([A-Z2-9]{8})", text).group(1)
    assert text == ui("link.created", "es", code=code)
    bot_api.push(bot_api.message(claire, private_chat(claire), "/link WRONG123"))
    assert await bot_api.wait_for_messages(claire.id) == [ui("link.errors.unknown code", "fr")]
    bot_api.push(bot_api.message(claire, private_chat(claire), f"/link {code}"))
    assert (await bot_api.wait_for_messages(claire.id, 2))[-1] == ui("link.done", "fr")
    bot_api.push(bot_api.message(lucia, group_chat(-3210), "/link"))
    assert await bot_api.wait_for_messages(-3210) == [ui("link.in_group", "es")]

    bot_api.push(bot_api.message(claire, private_chat(claire), "/consent"))
    assert (await bot_api.wait_for_messages(claire.id, 3))[-1] == ui("consent.no_practice", "fr")

    bot_api.push(bot_api.message(lucia, private_chat(lucia), "/forget"))
    await bot_api.wait_for_messages(lucia.id, 2)
    asked = bot_api.sent(lucia.id)[1]
    assert asked["text"] == ui("forget.confirm", "es")
    titles = [row[0]["text"] for row in asked["reply_markup"]["inline_keyboard"]]
    assert titles == [ui("forget.delete", "es"), ui("forget.keep", "es")]
    keep = asked["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    message = {"message_id": 901, "date": 0, "chat": private_chat(lucia), "from": bot_api.me,
               "text": asked["text"], "reply_markup": asked["reply_markup"]}
    bot_api.push(bot_api.callback(lucia, private_chat(lucia), keep, message))
    assert (await bot_api.wait_for_messages(lucia.id, 3))[-1] == ui("forget.kept", "es")

    bot_api.push(bot_api.message(claire, private_chat(claire), "/mydata"))
    await bot_api.wait_for(lambda api: api.methods("sendDocument"))
    assert bot_api.methods("sendDocument")[0]["caption"] == ui("mydata.caption", "fr")
    assert storage.partner_by_key(f"tg:{claire.id}") is not None
