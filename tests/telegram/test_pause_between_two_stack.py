"""Pauses between two people, end to end (issue 14): real ptb Application → fake Bot API, real rasa and
action servers. Two partners in their private chats and in a group: the other partner is told once, no
question flow while a pause runs, the couple's shortest break, quick times, other requests during the time
prompt, one reminder per person worded for its chat, each person's own time zone, a partner linked later,
a double tap handled once and the choice left visible, and a group /start in two messages.

The gateway runs in this process, so the reminders come due by moving the product's clock (bot/clock.py).
"""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any, Dict, List

import pytest

from bot import clock, storage
from bot.telegram.texts import channel_file, ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, Person, private_chat
from tests.telegram.test_telegram_stack import new_group, people, press, say, stack, tracker  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack

BOT = "@kintsugi_test_bot"
CITY_QUESTION = "which city's time should I use?"


def buttons(api: FakeBotApi, chat: Dict[str, Any]) -> List[str]:
    """Titles of the newest message with buttons in ``chat``."""
    marked = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    return [key["text"] for row in marked[-1]["reply_markup"]["inline_keyboard"] for key in row] if marked else []


async def quiet_replies(api: FakeBotApi, chat_id: int, before: int, wait: float = 3.0) -> List[str]:
    """What reached ``chat_id`` after ``before``, once nothing more came for a while (may be nothing)."""
    await asyncio.sleep(wait)
    return api.texts(chat_id)[before:]


async def come_due(api: FakeBotApi, chat_ids: List[int], minutes: int) -> Dict[int, List[str]]:
    """Move the product's clock on by ``minutes`` until the reminder loop has run; what each chat got."""
    before = {c: len(api.sent(c)) for c in chat_ids}
    clock.set_now(clock.now() + timedelta(minutes=minutes), ticking=True)
    await asyncio.sleep(4.0)  # several rounds of the loop (every 0.3 s)
    return {c: api.texts(c)[before[c]:] for c in chat_ids}


async def link(api: FakeBotApi, ana: Person, ben: Person) -> None:
    created = " ".join(await say(api, ana, private_chat(ana), "/link"))
    code = re.search(r"/link (\S+)", created).group(1)
    await say(api, ben, private_chat(ben), "hello")
    assert (await say(api, ben, private_chat(ben), f"/link {code}"))[0] == ui("link.done")


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


async def test_a_pause_in_private_chats_reaches_the_other_partner_once_in_their_own_time(stack, bot_api,
                                                                                         gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)
    await say(bot_api, ana, ana_chat, "hello")
    await link(bot_api, ana, ben)

    # Ben tells his city once, on his own first pause, and comes back from it
    opening = await say(bot_api, ben, ben_chat, "/pause")
    assert len(opening) <= 3 and CITY_QUESTION in opening[-1]
    asked = await say(bot_api, ben, ben_chat, "New York")
    assert len(asked) == 1 and "come back" in asked[0] and "20 minutes" in buttons(bot_api, ben_chat)
    await say(bot_api, ben, ben_chat, "in 20 minutes")
    await say(bot_api, ben, ben_chat, "we're ready")

    # Ana: the opening is three messages at most, the city is asked once, quick times under the prompt
    opening = await say(bot_api, ana, ana_chat, "I'm flooded, I can't do this right now")
    assert len(opening) <= 3 and CITY_QUESTION in opening[-1]
    asked = await say(bot_api, ana, ana_chat, "Berlin")
    assert len(asked) == 1 and buttons(bot_api, ana_chat)[:2] == ["20 minutes", "1 hour"]

    # other requests during the time prompt are answered, each in one message that asks again
    far = await say(bot_api, ana, ana_chat, "next week")
    assert len(far) == 1 and "within a day" in far[0] and "1 hour" in buttons(bot_api, ana_chat)
    unsure = await say(bot_api, ana, ana_chat, "I don't know")
    assert len(unsure) == 1 and "okay" in unsure[0].lower()
    rules = await say(bot_api, ana, ana_chat, "show our rules")
    assert len(rules) == 1 and "ground rules" in rules[0] and "come back" in rules[0]
    assert (await tracker(stack, ana_chat))["active_loop"]["name"] == "pause_form"

    # Ana taps "1 hour": her confirmation in Berlin time; Ben is told once, in his New York time
    ben_before = len(bot_api.sent(ben.id))
    scheduled = " ".join(await press(bot_api, ana, ana_chat, "1 hour"))
    assert "Berlin time" in scheduled and "in 60 minutes" in scheduled and "your partner know" in scheduled
    assert bot_api.methods("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "✓ 1 hour"
    told = await bot_api.replies(ben.id, ben_before)
    assert len(told) == 1 and told[0].startswith("Your partner needed a pause")
    assert "New York time" in told[0] and "Hi both" not in told[0]
    assert await quiet_replies(bot_api, ben.id, ben_before + 1) == []  # once

    # no question flow while the pause runs: the question is kept for after
    held = await say(bot_api, ana, ana_chat, "I want to ask Ben a question")
    assert len(held) == 1 and "pause" in held[0] and buttons(bot_api, ana_chat) == ["Keep it for after"]
    assert (await tracker(stack, ana_chat)).get("active_loop", {}).get("name") is None
    kept = await press(bot_api, ana, ana_chat, "Keep it for after")
    assert "remind you" in kept[0] and "Berlin time" in kept[0]

    # the pause ends: one reminder per person, in their private chat, worded for one person
    got = await come_due(bot_api, [ana.id, ben.id], 61)
    private = channel_file("reminders")["resume_private"]["text"]
    assert got[ben.id] == [private]
    assert got[ana.id].count(private) == 1 and len(got[ana.id]) == 2  # and her kept question
    assert all("Hi both" not in text for text in got[ana.id] + got[ben.id])


async def test_a_group_pause_honours_the_agreed_break_and_reminds_once_there(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()

    started = await say(bot_api, ana, group, "/start", at_least=2)
    assert len(started) <= 2 and started[0].startswith(ui("welcome_group")[:20])
    await say(bot_api, ben, group, f"{BOT} hello")
    couple = storage.couple_of(f"tg-{group['id']}")
    ana_id, ben_id = storage.partner_by_key(f"tg:{ana.id}").id, storage.partner_by_key(f"tg:{ben.id}").id
    storage.propose_rules(couple, ana_id, {"break_length": "30 minutes"})  # agreed earlier (the rules form's own
    storage.confirm_rules(couple, ana_id)                                  # journeys are elsewhere)
    storage.confirm_rules(couple, ben_id)

    opening = await say(bot_api, ana, group, f"{BOT} I need a pause")
    assert len(opening) <= 3 and CITY_QUESTION in opening[-1]
    asked = await say(bot_api, ana, group, "London", reply_to_bot=True)
    assert "at least 30 minutes" in asked[0] and buttons(bot_api, group)[0] == "30 minutes"
    assert "20 minutes" not in buttons(bot_api, group)
    short = await say(bot_api, ana, group, "in 25 minutes", reply_to_bot=True)
    assert len(short) == 1 and "30 minutes" in short[0] and "London time" in short[0]
    scheduled = " ".join(await say(bot_api, ana, group, "in 30 minutes", reply_to_bot=True))
    assert "you both" in scheduled and "London time" in scheduled and "your partner know" not in scheduled

    # one reminder, in the group both read, worded for both; nothing in the private chats
    got = await come_due(bot_api, [group["id"], ana.id, ben.id], 31)
    assert got[group["id"]] == [channel_file("reminders")["resume"]["text"]]
    assert got[ana.id] == [] and got[ben.id] == []

    # Ben taps "We're ready" twice, quickly: handled once, his choice shown on the message
    marked = [m for m in bot_api.sent(group["id"]) if m.get("reply_markup")][-1]
    message = {"message_id": 777, "date": 0, "chat": group, "from": bot_api.me, "text": marked["text"],
               "reply_markup": marked["reply_markup"]}
    before = len(bot_api.sent(group["id"]))
    for _ in range(2):
        bot_api.push(bot_api.callback(ben, group, "/ready_to_resume", message))
    back = await bot_api.replies(group["id"], before)
    assert sum(text.startswith("Ben, welcome back") for text in back) == 1, back
    assert bot_api.methods("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == \
        "✓ Ben: We're ready"
    answers = bot_api.methods("answerCallbackQuery")[-2:]
    assert any(a.get("text") == ui("button_already_chosen") for a in answers)


async def test_a_partner_linked_later_hears_of_the_running_pause_and_gets_its_reminder(stack, bot_api,
                                                                                       gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    carla, dan = people("Carla", "Dan")
    carla_chat = private_chat(carla)
    await say(bot_api, carla, carla_chat, "/pause", at_least=3)
    await say(bot_api, carla, carla_chat, "Madrid")
    alone = " ".join(await say(bot_api, carla, carla_chat, "in 45 minutes"))
    assert "remind you " in alone and "Madrid time" in alone

    dan_before = len(bot_api.sent(dan.id))
    await link(bot_api, carla, dan)
    told = [t for t in await quiet_replies(bot_api, dan.id, dan_before, wait=3.0)
            if t.startswith("Your partner needed a pause")]
    assert len(told) == 1 and "Madrid time" in told[0]
    got = await come_due(bot_api, [carla.id, dan.id], 46)
    private = channel_file("reminders")["resume_private"]["text"]
    assert got[carla.id] == [private] and got[dan.id] == [private]
