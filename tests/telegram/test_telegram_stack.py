"""The Telegram gateway end to end: real ptb Application → fake Bot API, real rasa + action server.

Every scenario of issue 5 runs here against the session's ``rasa_stack`` and its
database; chat and user ids are fresh per test, because the stack is shared.
"""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any, Dict, List

import pytest

from bot import storage
from bot.storage import events as ev
from bot.storage.models import utcnow
from bot.telegram.texts import reminder_message, ui
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings, user_messages
from tests.telegram.fake_bot_api import FakeBotApi, Person, group_chat, private_chat
from tests.telegram.relay import TcpRelay

pytestmark = pytest.mark.stack

UK_HELPLINE = "116 123"  # Samaritans, in the GB directory
UK_ABUSE_LINE = "0808 2000 247"  # National Domestic Abuse Helpline


def people(*names: str) -> List[Person]:
    """Fresh Telegram users (British English clients, so help lines are the UK's)."""
    return [Person(random.randint(10**8, 10**9), name, "en-GB") for name in names]


def new_group() -> Dict[str, Any]:
    """A fresh supergroup."""
    return group_chat(-int(f"100{random.randint(10**9, 10**10)}"))


@pytest.fixture
def stack(rasa_stack: RasaStack, stack_db: str) -> RasaStack:
    """The running stack, with this process's storage on its database."""
    return rasa_stack


async def say(api: FakeBotApi, person: Person, chat: Dict[str, Any], text: str, *,
              at_least: int = 1, **kwargs: Any) -> List[str]:
    """Send a message as ``person`` and return what the bot answered in that chat."""
    before = len(api.sent(chat["id"]))
    api.push(api.message(person, chat, text, **kwargs))
    return await api.replies(chat["id"], before, at_least=at_least)


async def press(api: FakeBotApi, person: Person, chat: Dict[str, Any], title: str) -> List[str]:
    """Press the button titled ``title`` on the newest message that has it."""
    sent = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    for params in reversed(sent):
        for row in params["reply_markup"]["inline_keyboard"]:
            for key in row:
                if key["text"] == title:
                    message = {"message_id": 4242, "date": 0, "chat": chat, "from": api.me, "text": params["text"],
                               "reply_markup": params["reply_markup"]}
                    before = len(api.sent(chat["id"]))
                    api.push(api.callback(person, chat, key["callback_data"], message))
                    return await api.replies(chat["id"], before)
    raise AssertionError(f"no button {title!r} in {[m['reply_markup'] for m in sent]}")


async def tracker(stack: RasaStack, chat: Dict[str, Any]) -> Dict[str, Any]:
    """The rasa tracker of a Telegram chat."""
    return await asyncio.to_thread(stack.tracker, f"tg-{chat['id']}")


async def test_private_chat_through_each_product_flow(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, = people("Ana")
    chat = private_chat(ana)

    welcome = await say(bot_api, ana, chat, "/start", at_least=2)
    assert welcome[0] == ui("welcome_private")
    greet = [m["reply_markup"]["inline_keyboard"] for m in bot_api.sent(ana.id) if m.get("reply_markup")]
    assert [row[0]["callback_data"] for row in greet[0]] == ["/im_flooded", "/ask_a_question", "/set_ground_rules"]

    paused = " ".join(await say(bot_api, ana, chat, "/pause"))
    assert "come back" in paused.lower()
    scheduled = " ".join(await say(bot_api, ana, chat, "in 45 minutes"))
    assert "remind" in scheduled.lower()
    couple = storage.couple_of(f"tg-{ana.id}")
    assert [r.conversation_id for r in storage.pending_reminders(couple)] == [f"tg-{ana.id}"]
    held = " ".join(await say(bot_api, ana, chat, "I want to ask him something about the affair"))
    assert "pause" in held  # no question flow while the pause runs (issue 14); back first
    await say(bot_api, ana, chat, "we're ready")

    await say(bot_api, ana, chat, "I want to ask him something about the affair")
    offer = " ".join(await say(bot_api, ana, chat, "was she better in bed than me"))
    assert "gentler" in offer.lower()
    kept = " ".join(await press(bot_api, ana, chat, "Keep my question"))
    assert "ready to talk" in kept.lower() or "now" in kept.lower()
    final = " ".join(await press(bot_api, ana, chat, "Now"))
    assert "was she better in bed than me" in final

    rules = " ".join(await say(bot_api, ana, chat, "we want to set some ground rules"))
    assert "pause signal" in rules.lower()
    shown = await say(bot_api, ana, chat, "/rules")
    assert shown  # rasa answers /show_rules even before anything is agreed

    types = {e.type for e in storage.events_for(couple_id=couple)}
    assert {ev.FLOODING_REPORTED, ev.RESUME_SCHEDULED, ev.QUESTION_STARTED} <= types
    partners = {e["metadata"].get("partner_id") for e in user_messages(await tracker(stack, chat))}
    assert partners == {f"tg:{ana.id}"}


async def test_group_partners_reach_the_tracker_and_the_event_log_with_button_presses(stack, bot_api,
                                                                                      gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    first = await say(bot_api, ana, group, "@kintsugi_test_bot we want to agree on some ground rules")
    assert first[0].startswith("Ana, ")
    for answer in ("timeout", "30 minutes", "whoever paused texts first", "skip", "either of us", "sundays"):
        replies = await say(bot_api, ben, group, answer, reply_to_bot=True)
    assert replies[0].startswith("Ben, ")
    await press(bot_api, ana, group, "I agree")
    confirmed = " ".join(await press(bot_api, ben, group, "I agree"))
    assert "both confirmed" in confirmed
    assert len(bot_api.methods("answerCallbackQuery")) == 2
    assert len(bot_api.methods("editMessageReplyMarkup")) == 2

    events = user_messages(await tracker(stack, group))
    assert {e["metadata"]["partner_id"] for e in events} == {f"tg:{ana.id}", f"tg:{ben.id}"}
    assert {e["metadata"]["display_name"] for e in events} == {"Ana", "Ben"}
    assert {e["metadata"]["chat_type"] for e in events} == {"supergroup"}
    assert {e["metadata"]["country"] for e in events} == {"GB"}
    assert events[0]["text"] == "we want to agree on some ground rules"  # the @mention is not part of it
    presses = [e for e in events if e["text"] == "/confirm_rules"]
    assert [e["metadata"]["partner_id"] for e in presses] == [f"tg:{ana.id}", f"tg:{ben.id}"]

    couple = storage.couple_of(f"tg-{group['id']}")
    confirmations = storage.events_for(couple_id=couple, types=[ev.RULE_CONFIRMED])
    ana_id = storage.partner_by_key(f"tg:{ana.id}").id
    ben_id = storage.partner_by_key(f"tg:{ben.id}").id
    assert {e.partner_id for e in confirmations} == {ana_id, ben_id}
    shown = " ".join(await say(bot_api, ben, group, "/rules"))
    assert "sundays" in shown


async def test_crisis_in_a_group_is_answered_privately_and_the_group_sees_a_neutral_line(stack, bot_api,
                                                                                         gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    await say(bot_api, ana, group, "/start", at_least=2)
    before = len(bot_api.sent(group["id"]))
    bot_api.push(bot_api.message(ana, group, "he choked me last night and took my phone"))  # not addressed
    private = await bot_api.replies(ana.id, 0)
    assert any(UK_ABUSE_LINE in t for t in private)
    group_texts = await bot_api.replies(group["id"], before)
    assert group_texts and all(UK_ABUSE_LINE not in t and "choked" not in t for t in group_texts)

    bot_api.unreachable.add(ben.id)  # Ben never opened a private chat: the private text stays out of the group
    before = len(bot_api.sent(group["id"]))
    bot_api.push(bot_api.message(ben, group, "she hit me again and I'm scared to go home"))
    group_texts = await bot_api.replies(group["id"], before)
    assert ui("group_neutral") in group_texts
    assert all(UK_ABUSE_LINE not in t for t in bot_api.texts(group["id"]))
    neutral = [m for m in bot_api.sent(group["id"]) if m["text"] == ui("group_neutral")][-1]
    assert neutral["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=help")
    couple = storage.couple_of(f"tg-{group['id']}")
    assert len(storage.events_for(couple_id=couple, types=[ev.CRISIS_ROUTED])) == 2


async def test_rasa_stopped_mid_conversation(stack, bot_api, gateways) -> None:
    relay = await TcpRelay(stack.rasa_url).start()
    try:
        await gateways(gateway_settings(bot_api, relay.url, rasa_token=stack.token, rasa_timeout=20.0))
        ana, ben = people("Ana", "Ben")
        chat, group = private_chat(ana), new_group()
        assert await say(bot_api, ana, chat, "hello")
        await say(bot_api, ben, group, "hello", reply_to_bot=True)

        await relay.stop()  # rasa goes away
        trouble = await say(bot_api, ana, chat, "I need a break")
        assert trouble[0].startswith(ui("trouble")) and UK_HELPLINE in trouble[0]
        crisis = await say(bot_api, ana, chat, "i don't want to live anymore, i want to kill myself")
        assert crisis[0].startswith(ui("crisis_intro")) and UK_HELPLINE in crisis[0]

        before_private = len(bot_api.sent(ben.id))
        group_texts = await say(bot_api, ben, group, "he choked me last night")
        assert group_texts == [ui("group_neutral")]
        private = await bot_api.replies(ben.id, before_private)
        assert private[0].startswith(ui("crisis_intro"))
        assert await say(bot_api, ana, group, "are you there?", reply_to_bot=True) == \
            [ui("trouble_group", name="Ana")]

        await relay.start()  # rasa is back: the conversation goes on
        back = " ".join(await say(bot_api, ana, chat, "I need a break"))
        assert "come back" in back.lower()
    finally:
        await relay.stop()


async def test_a_duplicate_update_is_handled_once(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, = people("Ana")
    chat = private_chat(ana)
    update = bot_api.message(ana, chat, "hello")
    bot_api.push(update)
    first = await bot_api.replies(ana.id, 0)
    bot_api.push(update)  # Telegram delivers it again
    second = await say(bot_api, ana, chat, "thanks")
    assert first and second
    texts = [e["text"] for e in user_messages(await tracker(stack, chat))]
    assert texts == ["hello", "thanks"]


async def test_a_reminder_fires_after_a_gateway_restart(stack, bot_api, gateways) -> None:
    settings = gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token)
    ana, ben = people("Ana", "Ben")
    group = new_group()
    first = await gateways(settings)
    await say(bot_api, ana, group, "/pause")
    await say(bot_api, ana, group, "in 45 minutes", reply_to_bot=True)
    couple = storage.couple_of(f"tg-{group['id']}")
    assert len(storage.pending_reminders(couple)) == 1
    await first.stop()

    # While the gateway was down, the agreed time passed.
    who = storage.identify(f"tg-{group['id']}", f"tg:{ana.id}", channel="telegram", chat_type="supergroup")
    now = utcnow()
    storage.schedule_resume(couple, f"tg-{group['id']}", who.partner_id, now - timedelta(minutes=2),
                            started_at=now - timedelta(minutes=47))
    before = len(bot_api.sent(group["id"]))
    await gateways(settings)
    reminder = await bot_api.replies(group["id"], before)
    assert reminder == [reminder_message("resume")["text"]]
    assert storage.pending_reminders(couple) == []
    back = " ".join(await press(bot_api, ben, group, reminder_message("resume")["buttons"][0]["title"]))
    assert back.startswith("Ben, ") and "welcome back" in back.lower()


async def test_webhook_with_a_wrong_secret_is_refused(stack, bot_api, gateways) -> None:
    settings = gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token,
                                webhook_url="https://kintsugi.example.org/telegram/webhook",
                                webhook_secret="correct-horse-battery")
    gateway = await gateways(settings)
    ana, = people("Ana")
    update = bot_api.message(ana, private_chat(ana), "hello")
    hook = f"{gateway.url}/telegram/webhook"
    assert await bot_api.post_webhook(hook, update, "guess") == 403
    assert await bot_api.post_webhook(hook, update, None) == 403
    assert await bot_api.post_webhook(hook, update, "correct-horse-battery") == 200
    assert await bot_api.replies(ana.id, 0)
    assert [e["text"] for e in user_messages(await tracker(stack, private_chat(ana)))] == ["hello"]

