"""Issue 16 in a Telegram group with two partners: coaching reaches only the partner it is for.

Real rasa and action servers behind the real ptb Application, the fake Bot API. Ana and Ben have each
started the bot privately and linked their chats; they share a group with it. Ana asks a question in
the group: the gentler wordings, and later the wording she chose, arrive in her private chat; the group
sees only a choice by number, that a question is ready, and the tips for the partner who answers. Ben
then answers defensively, talking to Ana in the group: the reflect-first nudge arrives in his private
chat only. Neither coaching ever reaches the other partner's private chat or the group. Last, Ben builds
an apology from plain words in his private chat (a minimising part pointed out gently, his words read
back) and sends it: it reaches Ana's private chat in his words, and nothing of it the group.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List

import pytest

from bot.telegram.texts import ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, private_chat
from tests.telegram.test_telegram_stack import new_group, people, press, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack

QUESTION = "were the photos she sent you better than mine?"
DEFENSIVE = "That's not true, you're everything to me"


def keys(api: FakeBotApi, chat: Dict[str, Any]) -> List[str]:
    """The button titles of the newest message with buttons in ``chat``."""
    marked = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    return [key["text"] for row in marked[-1]["reply_markup"]["inline_keyboard"] for key in row]


async def test_the_wordings_the_chosen_wording_and_the_nudge_go_only_to_their_partner(stack, bot_api,
                                                                                      gateways) -> None:
    from bot.language.apology import nudges

    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    ana_chat, ben_chat, group = private_chat(ana), private_chat(ben), new_group()
    await say(bot_api, ana, ana_chat, "/start", at_least=2)
    await say(bot_api, ben, ben_chat, "/start", at_least=2)
    code = re.search(r"/link (\S+)", " ".join(await say(bot_api, ana, ana_chat, "/link")))[1]
    assert await say(bot_api, ben, ben_chat, f"/link {code}") == [ui("link.done")]
    await say(bot_api, ana, group, "/start", at_least=1)
    privately = {ana.id: len(bot_api.texts(ana.id)), ben.id: len(bot_api.texts(ben.id))}

    opened = " ".join(await say(bot_api, ana, group, "@kintsugi_test_bot I want to ask Ben a question"))
    assert "what would you like to ask" in opened.lower()
    in_group = " ".join(await say(bot_api, ana, group, QUESTION, reply_to_bot=True))
    await bot_api.wait_for(lambda api: len(api.texts(ana.id)) > privately[ana.id], timeout=60)
    offer = bot_api.texts(ana.id)[-1]
    numbered = [line for line in offer.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert "gentler" in offer and len(numbered) == 3 and all("the photos" in line for line in numbered)
    assert "private chat" in in_group and "the photos" not in in_group
    assert keys(bot_api, group) == ["1", "2", "3", "Keep my question", "My own words"]
    chosen = numbered[1][3:].strip().strip('"')

    timing = " ".join(await press(bot_api, ana, group, "2"))
    assert "ready to talk about this now" in timing and chosen not in timing
    before = len(bot_api.texts(ana.id))
    ready = " ".join(await press(bot_api, ana, group, "Now"))
    assert "ask it in your own voice" in ready and "For the partner who answers" in ready
    await bot_api.wait_for(lambda api: len(api.texts(ana.id)) > before, timeout=60)
    assert f'"{chosen}"' in bot_api.texts(ana.id)[-1]  # the wording she chose: hers to ask, in her private chat

    everything_in_group = "\n".join(bot_api.texts(group["id"]))
    assert all(line[3:].strip().strip('"') not in everything_in_group for line in numbered)
    assert "the photos" not in everything_in_group and "Some gentler ways to ask" not in everything_in_group

    # Ben answers Ana defensively, talking to her in the group: the nudge is his alone
    group_before, ana_before, ben_before = (len(bot_api.texts(group["id"])), len(bot_api.texts(ana.id)),
                                            len(bot_api.texts(ben.id)))
    bot_api.push(bot_api.message(ben, group, DEFENSIVE))
    await bot_api.wait_for(lambda api: len(api.texts(ben.id)) > ben_before, timeout=60)
    await asyncio.sleep(2.0)  # anything else this message caused has arrived by now
    [nudge] = bot_api.texts(ben.id)[ben_before:]
    assert nudge in nudges()
    assert bot_api.texts(group["id"])[group_before:] == [] and bot_api.texts(ana.id)[ana_before:] == []
    assert bot_api.texts(ben.id)[privately[ben.id]:] == [nudge]  # Ben never saw Ana's coaching

    # the apology builder from plain words in Ben's private chat, sent by his choice to Ana's private chat
    started = " ".join(await say(bot_api, ben, ben_chat, "help me apologise"))
    assert "Nothing goes to your partner unless you choose" in started and "what did you do" in started.lower()
    noted = " ".join(await say(bot_api, ben, ben_chat, "i texted her for months but it was only online"))
    assert "smaller" in noted
    for part in ("I lied to you about her for months", "I chose to keep it from you",
                 "It made you doubt what was real", "I ended it and my phone is open to you"):
        read_back = " ".join(await say(bot_api, ben, ben_chat, part))
    assert "I lied to you about her for months. I chose to keep it from you." in read_back
    ana_before, group_before = len(bot_api.texts(ana.id)), len(bot_api.texts(group["id"]))
    sent = " ".join(await press(bot_api, ben, ben_chat, "Send it to my partner"))
    assert "sent it to your partner" in sent
    await bot_api.wait_for(lambda api: len(api.texts(ana.id)) > ana_before, timeout=60)
    [apology] = bot_api.texts(ana.id)[ana_before:]
    assert "I lied to you about her for months. I chose to keep it from you." in apology
    assert bot_api.texts(group["id"])[group_before:] == []
