"""/mydata: a partner's copy of their own data, as a JSON document, only ever in their private chat.

The gateway's behaviour (private chat, group, a person Telegram cannot reach privately, someone
never seen) runs with a stand-in rasa; the journey with real words runs through the real rasa
and action servers: Ana and Ben talk in their group and private chats, Ana types /mydata and gets
a file with her words and not Ben's.
"""
from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from bot.telegram.texts import ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, Person, group_chat, private_chat
from tests.telegram.test_telegram_stack import new_group, people, say, stack  # noqa: F401 (fixture)

ANA = Person(301, "Ana")
BEN = Person(302, "Ben")
GROUP = group_chat(-3003)
BOT = "@kintsugi_test_bot"
WAIT = 90.0  # seconds: a generous wait for a busy machine, not a speed check


def _json(document: Dict[str, Any]) -> Dict[str, Any]:
    file = document["document"]
    assert file["filename"].startswith("kintsugi-my-data-") and file["filename"].endswith(".json")
    return json.loads(file["content"].decode("utf-8"))


async def _wait_document(api: FakeBotApi, chat_id: int, count: int = 1) -> Dict[str, Any]:
    await api.wait_for(lambda a: len(a.documents(chat_id)) >= count, WAIT)
    return api.documents(chat_id)[count - 1]


@pytest.mark.usefixtures("sqlite_database")
async def test_mydata_in_a_group_goes_privately_or_asks_for_a_private_chat(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))

    # someone we know nothing about is told so, and gets no file
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "/mydata"))
    assert await bot_api.wait_for_messages(ANA.id, timeout=WAIT) == [ui("mydata.nothing")]
    assert bot_api.documents() == []

    # both talk to the bot in their group (a command: the stand-in rasa's words do not matter here)
    for person in (ANA, BEN):
        bot_api.push(bot_api.message(person, GROUP, "/consent"))
    before = len(await bot_api.replies(GROUP["id"], 0, at_least=2, quiet=1.0, timeout=WAIT))  # both answered

    # Ana asks in the group: the file goes to her private chat, the group hears one line
    bot_api.push(bot_api.message(ANA, GROUP, "/mydata"))
    document = await _wait_document(bot_api, ANA.id)
    assert document["caption"] == ui("mydata.caption")
    assert _json(document)["you"]["id"] == f"tg:{ANA.id}"
    assert await bot_api.replies(GROUP["id"], before, quiet=1.0, timeout=WAIT) == \
        [ui("mydata.sent_privately", name="Ana")]
    assert bot_api.documents(GROUP["id"]) == []

    # Ben never opened a private chat: the group gets a button to open one, and no file goes anywhere
    bot_api.unreachable.add(BEN.id)
    bot_api.push(bot_api.message(BEN, GROUP, "/mydata"))
    sent = await bot_api.wait_for(lambda a: a.sent(GROUP["id"])[before + 1:], WAIT)
    assert sent[0]["text"] == ui("mydata.need_private", name="Ben")
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=mydata")
    # (the one try went to his private chat, which Telegram refused; nothing reached the group)
    assert bot_api.documents(GROUP["id"]) == [] and [d["chat_id"] for d in bot_api.documents()] == [ANA.id, BEN.id]

    # the button opens his private chat with /start mydata: his own file comes there
    bot_api.unreachable.discard(BEN.id)
    bot_api.push(bot_api.message(BEN, private_chat(BEN), "/start mydata"))
    data = _json(await _wait_document(bot_api, BEN.id, 2))
    assert data["you"]["id"] == f"tg:{BEN.id}" and data["you"]["name"] == "Ben"
    assert f"tg:{ANA.id}" not in json.dumps(data) and f"tg-{ANA.id}" not in json.dumps(data)


@pytest.mark.stack
async def test_a_partner_gets_their_own_words_and_not_the_other_partners(stack, bot_api, gateways) -> None:  # noqa: F811
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    ana_words, ben_words = "I keep replaying that night in my head", "I feel so ashamed of what I did"

    await say(bot_api, ana, group, f"{BOT} {ana_words}")
    await say(bot_api, ben, group, f"{BOT} {ben_words}")
    await say(bot_api, ben, private_chat(ben), "I'm flooded, my heart is racing")
    await say(bot_api, ana, private_chat(ana), "hello 💛")

    before = len(bot_api.sent(ana.id))
    bot_api.push(bot_api.message(ana, private_chat(ana), "/mydata"))
    data = _json(await _wait_document(bot_api, ana.id))
    dump = json.dumps(data, ensure_ascii=False)
    mine = [m["text"] for m in data["messages"] if m["from"] == "you"]
    assert ana_words in mine and "hello 💛" in mine
    assert any(m["from"] == "kintsugi" and m["conversation"] == f"tg-{group['id']}" for m in data["messages"])
    assert ben_words not in dump and "flooded" not in dump and "Ben" not in dump
    assert f"tg:{ben.id}" not in dump and f"tg-{ben.id}" not in dump
    assert {c["id"] for c in data["couple"]["conversations"]} == {f"tg-{group['id']}", f"tg-{ana.id}"}
    assert data["couple"]["linked_with_a_partner"] is True
    assert len(bot_api.sent(ana.id)) == before  # the file and its caption, nothing else
