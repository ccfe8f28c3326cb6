"""Question coaching that fits (issue 16, item 3) through Telegram, with real rasa and action servers.

Ana and Ben share a group with the bot. Ana asks a comparison question about "the photos"; the offer
keeps "the photos" in every wording (numbered in the text, one button each, plus "Keep my question" and
"My own words"); she presses one, chooses "Now", and the group, where Ben reads, shows the wording she
chose, not her first question.
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from bot import storage
from bot.storage import events as ev
from bot.telegram.buttons import whose_text
from tests.telegram.conftest import gateway_settings
from tests.telegram.test_telegram_stack import new_group, people, press, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack

QUESTION = "were the photos she sent you better than mine?"


def keys(api, chat: Dict[str, Any]) -> List[str]:
    """The button titles of the newest message with buttons in ``chat``."""
    marked = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    return [key["text"] for row in marked[-1]["reply_markup"]["inline_keyboard"] for key in row]


async def test_a_comparison_about_the_photos_is_offered_wordings_that_keep_the_photos(stack, bot_api,
                                                                                      gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    opened = " ".join(await say(bot_api, ana, group, "@kintsugi_test_bot I want to ask Ben a question"))
    assert "what would you like to ask" in opened.lower()

    offer = await say(bot_api, ana, group, QUESTION, reply_to_bot=True)
    text = offer[-1]
    assert text.startswith("Ana, ") and "gentler" in text
    numbered = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(numbered) == 3 and all("the photos" in line for line in numbered)
    assert all("than me" not in line and "mine" not in line for line in numbered)
    titles = keys(bot_api, group)
    assert titles[-2:] == ["Keep my question", "My own words"] and [t[:3] for t in titles[:3]] == ["1. ", "2. ", "3. "]
    chosen = numbered[1][3:].strip().strip('"')

    timing = " ".join(await press(bot_api, ana, group, titles[1]))
    assert "ready to talk about this now" in timing
    final = " ".join(await press(bot_api, ana, group, "Now"))
    assert f'"{chosen}"' in final and QUESTION not in final
    assert "For the partner who answers" in final  # the tips, in the group Ben reads

    # the group is one chat for both: everything above is what Ben sees there
    group_texts = bot_api.texts(group["id"])
    assert any(f'"{chosen}"' in t for t in group_texts)
    couple = storage.couple_of(f"tg-{group['id']}")
    kinds = [e.type for e in storage.events_for(couple_id=couple)]
    assert ev.QUESTION_COACHED in kinds and ev.QUESTION_REWORDED in kinds and ev.QUESTION_READY_NOW in kinds
    reworded = storage.events_for(couple_id=couple, types=[ev.QUESTION_REWORDED])[0]
    assert reworded.details == {"kind": "comparison", "wording": 2}
    assert all("photos" not in str(e.details) for e in storage.events_for(couple_id=couple))  # no words logged

    # a second question in Ana's own words is taken as written, and checked again
    await say(bot_api, ana, group, "@kintsugi_test_bot I want to ask another question")
    await say(bot_api, ana, group, "Is she prettier than me?", reply_to_bot=True)
    own = " ".join(await press(bot_api, ana, group, "My own words"))
    assert "write it the way" in own.lower()
    await say(bot_api, ana, group, "What did the attention from her give you?", reply_to_bot=True)
    # Ben taps "Now" on Ana's question: a kind alert only he sees, and nothing changes (bot/telegram/buttons.py)
    alerts = len(bot_api.methods("answerCallbackQuery"))
    sent = len(bot_api.sent(group["id"]))
    [now] = [k for m in bot_api.sent(group["id"]) if m.get("reply_markup")
             for row in m["reply_markup"]["inline_keyboard"] for k in row if k["text"] == "Now"][-1:]
    bot_api.push(bot_api.callback(ben, group, now["callback_data"]))
    await bot_api.wait_for(lambda api: len(api.methods("answerCallbackQuery")) > alerts)
    assert bot_api.methods("answerCallbackQuery")[-1]["text"] == whose_text(ben.language_code)
    assert len(bot_api.sent(group["id"])) == sent
    final = " ".join(await press(bot_api, ana, group, "Now"))
    assert '"What did the attention from her give you?"' in final and not final.startswith("Ben")
