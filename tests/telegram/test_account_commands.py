"""/link, /consent and /forget: a partner's own settings, answered by the gateway itself."""
from __future__ import annotations

import asyncio
import re

import pytest

from bot import storage
from bot.storage.audit import VIEW_CONVERSATION, record_view
from bot.storage.practice import create_practice_code, practice_of_couple, revoke_practice_code
from bot.storage.therapists import create_therapist
from bot.telegram.buttons import whose_text
from bot.telegram.texts import channel_file, ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat, private_chat

ANA = Person(201, "Ana")
BEN = Person(202, "Ben")
GROUP = group_chat(-2002)


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


@pytest.fixture
async def gateway(bot_api, fake_rasa, gateways):
    return await gateways(gateway_settings(bot_api, fake_rasa.url))


def _sent_message(bot_api, chat, params):
    return {"message_id": 900, "date": 0, "chat": chat, "from": bot_api.me, "text": params["text"],
            "reply_markup": params.get("reply_markup")}


async def test_link_joins_two_private_chats_into_one_couple(bot_api, gateway) -> None:
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "/link"))
    text = (await bot_api.wait_for_messages(ANA.id))[0]
    code = re.search(r"/link ([A-Z2-9]{8})", text).group(1)
    bot_api.push(bot_api.message(BEN, private_chat(BEN), "/link WRONG123"))
    assert (await bot_api.wait_for_messages(BEN.id)) == [channel_file("telegram")["link"]["errors"]["unknown code"]]
    bot_api.push(bot_api.message(BEN, private_chat(BEN), f"/link {code.lower()}"))
    assert (await bot_api.wait_for_messages(BEN.id, 2))[-1] == ui("link.done")
    assert storage.couple_of(f"tg-{ANA.id}") == storage.couple_of(f"tg-{BEN.id}")
    bot_api.push(bot_api.message(BEN, private_chat(BEN), f"/link {code}"))
    assert (await bot_api.wait_for_messages(BEN.id, 3))[-1] == \
        channel_file("telegram")["link"]["errors"]["code already used"]


async def test_link_in_a_group_is_not_needed(bot_api, gateway) -> None:
    bot_api.push(bot_api.message(ANA, GROUP, "/link"))
    assert await bot_api.wait_for_messages(GROUP["id"]) == [ui("link.in_group")]


async def test_consent_shows_the_state_and_who_looked_and_only_its_owner_can_change_it(bot_api, gateway) -> None:
    therapist = create_therapist("dr.kim@example.org", "a long enough passphrase 42", display_name="Dr Kim")
    code = create_practice_code(therapist.id).shown
    bot_api.push(bot_api.message(ANA, GROUP, "/consent"))
    assert await bot_api.wait_for_messages(GROUP["id"]) == [ui("consent.no_practice")]
    bot_api.push(bot_api.message(ANA, GROUP, f"/link {code}"))
    await bot_api.wait_for_messages(GROUP["id"], 2)
    bot_api.push(bot_api.message(ANA, GROUP, "/consent"))
    await bot_api.wait_for_messages(GROUP["id"], 3)
    shown = bot_api.sent(GROUP["id"])[2]
    assert shown["text"] == f"{ui('consent.is_off', practice='Dr Kim')}\n\n{ui('consent.no_views')}"
    button = shown["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == ui("consent.turn_on", practice="Dr Kim")
    message = _sent_message(bot_api, GROUP, shown)
    bot_api.push(bot_api.callback(BEN, GROUP, button["callback_data"], message))  # not Ben's to press
    await bot_api.wait_for(lambda api: api.methods("answerCallbackQuery"))
    assert bot_api.methods("answerCallbackQuery")[0]["text"] == whose_text(BEN.language_code)
    assert bot_api.methods("editMessageReplyMarkup") == []
    bot_api.push(bot_api.callback(ANA, GROUP, button["callback_data"], message))
    assert (await bot_api.wait_for_messages(GROUP["id"], 4))[-1] == ui("consent.now_on", practice="Dr Kim")
    assert storage.partner_by_key("tg:201").consent_share is True

    record_view(therapist.id, storage.couple_of(f"tg-{GROUP['id']}"), VIEW_CONVERSATION)
    bot_api.push(bot_api.message(ANA, GROUP, "/consent"))
    text = (await bot_api.wait_for_messages(GROUP["id"], 5))[-1]
    assert text.startswith(ui("consent.is_on", practice="Dr Kim")) and "Dr Kim read your conversation" in text
    assert re.search(r"\d{1,2}:\d{2} [ap]m (?:[A-Z][\w ]+ time|UTC): Dr Kim read", text)  # when, in her zone
    bot_api.push(bot_api.message(ANA, GROUP, "/consent off"))
    assert (await bot_api.wait_for_messages(GROUP["id"], 6))[-1] == ui("consent.now_off", practice="Dr Kim")
    assert storage.partner_by_key("tg:201").consent_share is False


@pytest.mark.parametrize("where", ["private", "group"])
async def test_link_with_a_practice_code_joins_the_practice_and_names_it(bot_api, gateway, where) -> None:
    therapist = create_therapist("dr.lee@example.org", "a long enough passphrase 42", display_name="Harbour Couples")
    code = create_practice_code(therapist.id).shown
    chat = private_chat(ANA) if where == "private" else GROUP
    bot_api.push(bot_api.message(ANA, chat, f"/link {code.lower()}"))
    text, = await bot_api.wait_for_messages(chat["id"])
    assert text == ui("practice.joined", practice="Harbour Couples")
    assert "Harbour Couples" in text and "dr.lee@example.org" not in text and "/consent" in text
    link_row = storage.partner_by_key("tg:201")
    assert practice_of_couple(link_row.couple_id).name == "Harbour Couples"
    assert link_row.consent_share is False  # joining shares nothing

    revoke_practice_code(therapist.id, code)
    bot_api.push(bot_api.message(ANA, chat, f"/link {code}"))
    assert (await bot_api.wait_for_messages(chat["id"], 2))[-1] == \
        channel_file("telegram")["practice"]["errors"]["code no longer in use"]


async def test_a_practice_without_a_display_name_is_never_named_by_email(bot_api, gateway) -> None:
    therapist = create_therapist("no.name@example.org", "a long enough passphrase 42")
    code = create_practice_code(therapist.id).shown
    bot_api.push(bot_api.message(ANA, private_chat(ANA), f"/link {code}"))
    text, = await bot_api.wait_for_messages(ANA.id)
    assert "no.name@example.org" not in text and text == ui("practice.joined", practice=ui("practice.unnamed"))


async def test_forget_asks_first_then_deletes(bot_api, gateway) -> None:
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "hello"))
    await bot_api.wait_for_messages(ANA.id)
    assert storage.partner_by_key("tg:201") is not None
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "/forget"))
    await bot_api.wait_for_messages(ANA.id, 2)
    ask = bot_api.sent(ANA.id)[-1]
    assert ask["text"] == ui("forget.confirm")
    asked = _sent_message(bot_api, private_chat(ANA), ask)
    no, = ask["reply_markup"]["inline_keyboard"][1]
    bot_api.push(bot_api.callback(ANA, private_chat(ANA), no["callback_data"], asked))
    assert (await bot_api.wait_for_messages(ANA.id, 3))[-1] == ui("forget.kept")
    assert storage.partner_by_key("tg:201") is not None
    yes, = ask["reply_markup"]["inline_keyboard"][0]
    bot_api.push(bot_api.callback(ANA, private_chat(ANA), yes["callback_data"], asked))
    assert (await bot_api.wait_for_messages(ANA.id, 4))[-1] == ui("forget.done")
    assert storage.partner_by_key("tg:201") is None
    await asyncio.sleep(0.1)
    assert len(bot_api.methods("editMessageReplyMarkup")) == 2
