"""Gateway behaviour with a scripted rasa stand-in: cases the real model cannot be made to show.

The Bot API side is always the real python-telegram-bot ``Application`` talking HTTP
to the fake Bot API; only rasa is scripted here (see test_telegram_stack.py for the
same gateway against the real rasa and action servers).
"""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.config import Settings
from bot.telegram import APP_KEY, setup_telegram
from bot.telegram.texts import ui
from tests.telegram.conftest import dead_port, gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat, private_chat

ANA = Person(101, "Ana", "en-GB")
BEN = Person(102, "Ben", "de")
GROUP = group_chat(-1001234)


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


async def test_private_message_reaches_rasa_with_partner_metadata(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "hello there"))
    texts = await bot_api.wait_for_messages(ANA.id)
    assert texts == ["I'm here."]
    body = fake_rasa.received[0]
    assert body["sender"] == f"tg-{ANA.id}" and body["message"] == "hello there"
    assert body["metadata"] == {"partner_id": "tg:101", "display_name": "Ana", "channel": "telegram",
                                "chat_type": "private", "addressed": True, "language": "en", "country": "GB"}
    commands = bot_api.methods("setMyCommands")[0]["commands"]
    assert [c["command"] for c in commands] == ["start", "pause", "rules", "resources", "link", "consent",
                                                "forget", "mydata", "help"]


async def test_buttons_become_a_keyboard_and_a_press_sends_the_payload(bot_api, fake_rasa, gateways) -> None:
    long_payload = '/choose_time{"pause_resume_time": "in forty-five minutes, after we both had a walk"}'
    fake_rasa.script = lambda body: [{"text": "When shall we come back?", "buttons": [
        {"title": "In 30 minutes", "payload": "/affirm"}, {"title": "Later tonight", "payload": long_payload}]}]
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "we need a break"))
    await bot_api.wait_for_messages(ANA.id)
    sent = bot_api.sent(ANA.id)[0]
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == ["In 30 minutes", "Later tonight"]
    assert rows[0][0]["callback_data"] == "/affirm"
    assert len(rows[1][0]["callback_data"].encode()) <= 64  # Telegram's limit; the payload is kept aside
    message = {"message_id": 77, "date": 0, "chat": private_chat(ANA), "from": bot_api.me,
               "text": sent["text"], "reply_markup": sent["reply_markup"]}
    bot_api.push(bot_api.callback(ANA, private_chat(ANA), rows[1][0]["callback_data"], message))
    await bot_api.wait_for_messages(ANA.id, 2)
    assert len(bot_api.methods("answerCallbackQuery")) == 1
    assert bot_api.methods("editMessageReplyMarkup")[0]["message_id"] == 77
    assert fake_rasa.received[-1]["message"] == long_payload
    assert fake_rasa.received[-1]["metadata"]["partner_id"] == "tg:101"


async def test_a_button_pressed_after_a_restart_sends_its_title(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    markup = {"inline_keyboard": [[{"text": "Later tonight", "callback_data": "p:" + "0" * 32}]]}
    message = {"message_id": 5, "date": 0, "chat": private_chat(ANA), "from": bot_api.me, "text": "?",
               "reply_markup": markup}
    bot_api.push(bot_api.callback(ANA, private_chat(ANA), "p:" + "0" * 32, message))
    await bot_api.wait_for_messages(ANA.id)
    assert fake_rasa.received[-1]["message"] == "Later tonight"


async def test_long_replies_are_split_for_telegram(bot_api, fake_rasa, gateways) -> None:
    paragraph = ("Take your time. " * 40).strip()
    fake_rasa.script = lambda body: [{"text": "\n\n".join([paragraph] * 12)}]  # about 7,700 characters
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "tell me everything"))
    texts = await bot_api.wait_for_messages(ANA.id, 2)
    assert len(texts) == 2 and all(len(t) <= 4096 for t in texts)
    assert "\n\n".join(texts) == "\n\n".join([paragraph] * 12)


async def test_group_replies_name_the_person_and_mentions_are_stripped(bot_api, fake_rasa, gateways) -> None:
    fake_rasa.script = lambda body: [{"text": "Let's slow down together."}] if body["metadata"]["addressed"] else []
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(BEN, GROUP, "@kintsugi_test_bot we keep fighting"))
    texts = await bot_api.wait_for_messages(GROUP["id"])
    assert texts == ["Ben, let's slow down together."]
    assert fake_rasa.received[0]["message"] == "we keep fighting"
    assert fake_rasa.received[0]["metadata"]["chat_type"] == "supergroup"
    bot_api.push(bot_api.message(ANA, GROUP, "I said I'm sorry"))  # talk between the two of them
    bot_api.push(bot_api.message(ANA, GROUP, "ok", reply_to_bot=True))
    await bot_api.wait_for_messages(GROUP["id"], 2)
    assert [r["metadata"]["addressed"] for r in fake_rasa.received] == [True, False, True]
    assert bot_api.texts(GROUP["id"])[-1] == "Ana, let's slow down together."


async def test_private_payloads_never_reach_the_group(bot_api, fake_rasa, gateways) -> None:
    def script(body):
        return [{"custom": {"kintsugi": {"audience": "private", "partner_id": body["metadata"]["partner_id"],
                                         "kind": "crisis", "text": "Only for you: help lines."}}},
                {"text": "Let's take a short pause here."}]

    fake_rasa.script = script
    bot_api.unreachable.add(BEN.id)  # Ben never opened a private chat with the bot
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, GROUP, "@kintsugi_test_bot something happened"))
    await bot_api.wait_for_messages(ANA.id)
    assert bot_api.texts(ANA.id) == ["Only for you: help lines."]
    bot_api.push(bot_api.message(BEN, GROUP, "@kintsugi_test_bot something happened"))
    await bot_api.wait_for(lambda api: any(ui("group_neutral", "de") == t for t in api.texts(GROUP["id"])))
    group = bot_api.texts(GROUP["id"])
    assert not any("Only for you" in t for t in group)
    neutral = [m for m in bot_api.sent(GROUP["id"]) if m["text"] == ui("group_neutral", "de")][0]  # Ben's German
    assert neutral["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/kintsugi_test_bot?start=help"


async def test_slow_rasa_gets_a_kind_reply_with_help_lines(bot_api, fake_rasa, gateways) -> None:
    fake_rasa.delay = 3
    await gateways(gateway_settings(bot_api, fake_rasa.url, rasa_timeout=1.0))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "are you there?"))
    texts = await bot_api.wait_for_messages(ANA.id)
    assert texts[0].startswith(ui("trouble")) and "Samaritans: call 116 123" in texts[0]  # Ana's client is en-GB
    assert len(fake_rasa.received) == 1  # a timeout is not retried: rasa may have handled it


async def test_a_replayed_update_is_handled_once(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    update = bot_api.message(ANA, private_chat(ANA), "hello")
    bot_api.push(update)
    await bot_api.wait_for_messages(ANA.id)
    bot_api.push(update)
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "second"))
    await bot_api.wait_for_messages(ANA.id, 2)
    await asyncio.sleep(0.3)
    assert [r["message"] for r in fake_rasa.received] == ["hello", "second"]


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "edited"])
async def test_non_text_updates_get_a_kind_reply(bot_api, fake_rasa, gateways, kind: str) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    extra = {
        "sticker": {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                "is_animated": False, "is_video": False, "type": "regular"}},
        "photo": {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        "voice": {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        "edited": {},
    }[kind]
    text = "changed my mind" if kind == "edited" else None
    bot_api.push(bot_api.message(ANA, private_chat(ANA), text, edited=kind == "edited", **extra))
    texts = await bot_api.wait_for_messages(ANA.id)
    assert texts == [ui("edited" if kind == "edited" else "non_text")]
    assert fake_rasa.received == []


async def test_a_sticker_between_partners_in_a_group_is_left_alone(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    sticker = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
               "is_video": False, "type": "regular"}
    bot_api.push(bot_api.message(ANA, GROUP, None, sticker=sticker))
    bot_api.push(bot_api.message(BEN, GROUP, None, reply_to_bot=True, sticker=sticker))
    texts = await bot_api.wait_for_messages(GROUP["id"])
    await asyncio.sleep(0.3)
    assert texts == [ui("non_text", "de")]  # to Ben, whose client is German


async def test_webhook_checks_the_secret_token(bot_api, fake_rasa, gateways) -> None:
    settings = gateway_settings(bot_api, fake_rasa.url, webhook_url="https://bot.example.org/telegram/hook",
                                webhook_secret="s3cret-token")
    gateway = await gateways(settings)
    assert bot_api.webhook["url"] == "https://bot.example.org/telegram/hook"
    assert bot_api.webhook["secret_token"] == "s3cret-token"
    assert bot_api.webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert bot_api.methods("getUpdates") == [] and bot_api.methods("deleteWebhook") == []
    hook = f"{gateway.url}/telegram/hook"
    update = bot_api.message(ANA, private_chat(ANA), "hello via webhook")
    assert await bot_api.post_webhook(hook, update, "wrong") == 403
    assert await bot_api.post_webhook(hook, update, None) == 403
    await asyncio.sleep(0.3)
    assert fake_rasa.received == [] and bot_api.sent() == []
    assert await bot_api.post_webhook(hook, update, "s3cret-token") == 200
    assert await bot_api.wait_for_messages(ANA.id) == ["I'm here."]


def test_webhook_without_a_secret_is_refused(bot_api) -> None:
    from aiohttp import web

    settings = gateway_settings(bot_api, "http://127.0.0.1:9", webhook_url="https://bot.example.org/hook")
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        setup_telegram(web.Application(), settings)


def test_without_a_token_telegram_is_off_and_says_how_to_turn_it_on(caplog) -> None:
    from aiohttp import web

    app = web.Application()
    with caplog.at_level(logging.INFO, logger="bot.telegram"):
        setup_telegram(app, Settings(telegram_token=None))
    assert "Telegram is off" in caplog.text and "TELEGRAM_BOT_TOKEN" in caplog.text
    assert APP_KEY not in app and list(app.router.routes()) == []


async def test_resources_answer_even_with_rasa_down(bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "/resources"))
    texts = await bot_api.wait_for_messages(ANA.id)
    assert "Samaritans: call 116 123" in texts[0] and "999" in texts[0]  # Ana's client is en-GB


async def test_resources_in_a_group_go_to_the_person_privately(bot_api, fake_rasa, gateways) -> None:
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, GROUP, "/resources"))
    assert await bot_api.wait_for_messages(GROUP["id"]) == [ui("resources_sent_privately", name="Ana")]
    assert "116 123" in bot_api.texts(ANA.id)[0]
    bot_api.unreachable.add(BEN.id)
    bot_api.push(bot_api.message(BEN, GROUP, "/resources"))
    await bot_api.wait_for_messages(GROUP["id"], 2)
    last = bot_api.sent(GROUP["id"])[-1]
    assert last["text"] == ui("resources_need_private", "de", name="Ben")  # Ben's client is German
    assert last["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=resources")
    assert fake_rasa.received == []


async def test_about_one_message_a_second_per_chat_after_a_short_burst(bot_api, fake_rasa, gateways) -> None:
    fake_rasa.script = lambda body: [{"text": f"Reply {n}."} for n in range(6)]
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, private_chat(ANA), "talk to me"))
    await bot_api.wait_for_messages(ANA.id, 6)
    times = [c.at for c in bot_api.calls if c.method == "sendMessage"]
    assert times[2] - times[0] < 0.5  # a short burst goes out at once
    assert times[5] - times[2] > 2.5  # then about one a second


async def test_the_gateway_starts_while_telegram_is_unreachable_and_connects_later(fake_rasa, gateways) -> None:
    from tests.telegram.fake_bot_api import FakeBotApi

    api = FakeBotApi()
    port = dead_port()
    api.url = f"http://127.0.0.1:{port}"
    gateway = await gateways(gateway_settings(api, fake_rasa.url), wait_ready=False)
    await asyncio.sleep(1.5)
    runner = gateway.app[APP_KEY]
    assert not await runner.is_ready()  # /readyz reports it; the web parts serve meanwhile
    await api.start(port)
    try:
        await asyncio.wait_for(runner.ready.wait(), timeout=15)
        api.push(api.message(ANA, private_chat(ANA), "hello"))
        assert await api.wait_for_messages(ANA.id) == ["I'm here."]
    finally:
        await gateway.stop()
        await api.stop()


def test_the_gateway_app_mounts_telegram_and_reminders(bot_api) -> None:
    from bot.gateway import build_app
    from bot.reminders import APP_KEY as REMINDERS_KEY

    settings = gateway_settings(bot_api, "http://127.0.0.1:9", webhook_url="https://bot.example.org/tg/hook",
                                webhook_secret="s")
    app = build_app(settings)
    assert APP_KEY in app and REMINDERS_KEY in app
    assert "/tg/hook" in {route.resource.canonical for route in app.router.routes() if route.method == "POST"}
    assert [name for name, _check in app["kintsugi.ready_checks"]].count("telegram") == 1


async def test_a_crisis_answered_by_the_gateway_alone_is_recorded_and_on_call_is_told(bot_api, gateways,
                                                                                     monkeypatch) -> None:
    """Rasa down: help lines still come, and the crisis counts and is notified exactly as via rasa."""
    from aiohttp import web

    from bot import storage
    from bot.config import get_settings
    from bot.storage import events as ev

    notices: list = []

    async def receive(request: web.Request) -> web.Response:
        notices.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/notice", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = dead_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("KINTSUGI_ONCALL_WEBHOOK_URL", f"http://127.0.0.1:{port}/notice")
    get_settings.cache_clear()
    try:
        await gateways(gateway_settings(bot_api, f"http://127.0.0.1:{dead_port()}"))
        bot_api.push(bot_api.message(ANA, private_chat(ANA), "i want to kill myself tonight"))
        texts = await bot_api.wait_for_messages(ANA.id)
        assert texts[0].startswith(ui("crisis_intro")) and "116 123" in texts[0]
        for _ in range(50):
            if notices:
                break
            await asyncio.sleep(0.1)
        assert len(notices) == 1 and notices[0]["category"] == "suicide_self_harm"
        assert "kill" not in str(notices[0])  # ids, category and time, never the words
        for _ in range(100):  # the event is written just after the notice goes out
            routed = storage.events_for(conversation_id="tg-101", types=[ev.CRISIS_ROUTED])
            if routed:
                break
            await asyncio.sleep(0.05)
        assert len(routed) == 1 and routed[0].details["by"] == "gateway"
    finally:
        await runner.cleanup()
        get_settings.cache_clear()
