"""Group etiquette (issue 14): side talk between partners in a group is watched, never answered.

Real ptb Application → fake Bot API, real rasa + action server. Unaddressed group talk (no
mention, no reply to the bot, no command, no button) never starts, continues or answers a flow;
only crisis language, escalation and the couple's pause signal act on it.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import pytest

from bot import storage
from bot.storage import events as ev
from tests.stack import RasaStack
from bot.telegram.texts import ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.test_telegram_stack import new_group, people, say, tracker

pytestmark = pytest.mark.stack

BOT = "@kintsugi_test_bot"


@pytest.fixture
def stack(rasa_stack: RasaStack, stack_db: str) -> RasaStack:
    """The running stack, with this process's storage on its database."""
    return rasa_stack


async def settled(stack: RasaStack, chat: Dict[str, Any], text: str, timeout: float = 60.0) -> Dict[str, Any]:
    """The tracker once rasa has handled the latest message ``text`` and listens again."""
    deadline = time.monotonic() + timeout
    while True:
        state = await tracker(stack, chat)
        events = state.get("events") or []
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        if users and events[users[-1]].get("text") == text and \
                any(e.get("event") == "action" and e.get("name") == "action_listen" for e in events[users[-1]:]):
            return state
        assert time.monotonic() < deadline, f"rasa did not handle {text!r}: " + repr(
            [(e.get("event"), e.get("name") or e.get("text") or e.get("value")) for e in events[-12:]])
        await asyncio.sleep(0.3)


async def side_talk(stack: RasaStack, api, person, chat: Dict[str, Any], text: str) -> List[str]:
    """Say ``text`` in the group without addressing the bot; what the bot said to the group."""
    before = len(api.sent(chat["id"]))
    api.push(api.message(person, chat, text))
    await settled(stack, chat, text)
    await asyncio.sleep(1.0)  # anything the gateway still had to send
    return api.texts(chat["id"])[before:]


def active_loop(state: Dict[str, Any]) -> Any:
    return (state.get("active_loop") or {}).get("name")


async def test_side_talk_starts_no_flow_but_the_pause_word_does(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    await say(bot_api, ana, group, "/start", at_least=2)

    assert await side_talk(stack, bot_api, ana, group, "we should set some rules for the kids' screen time") == []
    assert await side_talk(stack, bot_api, ben, group, "I need a minute, the kids are screaming") == []
    assert await side_talk(stack, bot_api, ana, group, "yes") == []
    assert await side_talk(stack, bot_api, ben, group, "show our rules") == []
    state = await tracker(stack, group)
    assert active_loop(state) is None
    couple = storage.couple_of(f"tg-{group['id']}")
    assert storage.events_for(couple_id=couple, types=[ev.FLOODING_REPORTED]) == []

    paused = " ".join(await side_talk(stack, bot_api, ben, group, "pause"))  # the pause word works unaddressed
    assert "come back" in paused.lower()
    assert active_loop(await tracker(stack, group)) == "pause_form"


async def test_a_form_in_a_group_takes_only_addressed_answers(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    first = " ".join(await say(bot_api, ana, group, f"{BOT} we want to agree on some ground rules"))
    assert "pause signal" in first.lower()

    for text in ("what about banana as our word", "the kids are finally asleep",
                 "whoever called the pause reaches out first"):
        assert await side_talk(stack, bot_api, ben, group, text) == []
        state = await tracker(stack, group)
        assert active_loop(state) == "rules_form", text
        assert state["slots"]["requested_slot"] == "rule_pause_signal"
        assert state["slots"]["rule_pause_signal"] is None
    couple = storage.couple_of(f"tg-{group['id']}")
    assert storage.events_for(couple_id=couple, types=[ev.FLOODING_REPORTED]) == []

    answered = " ".join(await say(bot_api, ben, group, "banana", reply_to_bot=True))  # a reply to the bot
    assert answered
    state = await tracker(stack, group)
    assert state["slots"]["rule_pause_signal"] == "banana"
    assert state["slots"]["requested_slot"] == "rule_break_length"

    assert await side_talk(stack, bot_api, ana, group, "30 minutes") == []
    assert (await tracker(stack, group))["slots"]["rule_break_length"] is None
    await say(bot_api, ana, group, f"{BOT} 30 minutes")
    assert (await tracker(stack, group))["slots"]["rule_break_length"] == "30 minutes"

    # the pause word still works unaddressed, even in the middle of the form
    paused = " ".join(await side_talk(stack, bot_api, ben, group, "timeout"))
    assert "come back" in paused.lower()
    assert active_loop(await tracker(stack, group)) == "pause_form"
    assert await side_talk(stack, bot_api, ana, group, "in 40 minutes") == []  # side talk is no answer
    assert (await tracker(stack, group))["slots"]["pause_resume_time"] is None
    scheduled = " ".join(await say(bot_api, ben, group, "in 40 minutes", reply_to_bot=True))
    assert "remind" in scheduled.lower()


UK_HELPLINE = "116 123"  # Samaritans, in the GB directory
UK_ABUSE_LINE = "0808 2000 247"  # National Domestic Abuse Helpline


async def test_help_lines_asked_for_in_a_group_go_privately(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    await say(bot_api, ana, group, "/start", at_least=2)

    before_private = len(bot_api.sent(ana.id))
    group_texts = await say(bot_api, ana, group, f"{BOT} I need help lines")
    private = await bot_api.replies(ana.id, before_private)
    assert any(UK_HELPLINE in t for t in private)
    assert group_texts[0] == ui("resources_sent_privately", name="Ana")  # (an AI disclosure may follow)
    assert all(UK_HELPLINE not in t and UK_ABUSE_LINE not in t for t in bot_api.texts(group["id"]))

    # the "Get help now" button (utter_clarify's), pressed by Ben
    message = {"message_id": 4243, "date": 0, "chat": group, "from": bot_api.me, "text": "…",
               "reply_markup": {"inline_keyboard": [[{"text": "Get help now", "callback_data": "/get_resources"}]]}}
    before, before_private = len(bot_api.sent(group["id"])), len(bot_api.sent(ben.id))
    bot_api.push(bot_api.callback(ben, group, "/get_resources", message))
    group_texts = await bot_api.replies(group["id"], before)
    assert any(UK_HELPLINE in t for t in await bot_api.replies(ben.id, before_private))
    assert group_texts[0] == ui("resources_sent_privately", name="Ben")

    bot_api.unreachable.add(ben.id)  # never opened a private chat: a button to open one, no numbers
    before = len(bot_api.sent(group["id"]))
    group_texts = await say(bot_api, ben, group, f"{BOT} I need help lines")
    assert group_texts[0] == ui("resources_need_private", name="Ben")
    assert all(UK_HELPLINE not in t and UK_ABUSE_LINE not in t for t in bot_api.texts(group["id"]))
