"""Telegram's /help links to the published crisis protocol, and the link opens it on the gateway.

The real ptb Application against the fake Bot API; the gateway runs with its protocol page on
the address it announces (``KINTSUGI_PUBLIC_URL``), and the link in /help is followed over HTTP.
"""
from __future__ import annotations

import re

import aiohttp
import pytest

from bot.safety.protocol import OUTPUT
from bot.web.protocol_page import setup_safety_protocol
from tests.telegram.conftest import dead_port, gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat, private_chat

ANA = Person(201, "Ana", "en-GB")


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


async def test_help_links_to_the_protocol_and_the_link_opens_it(bot_api, fake_rasa) -> None:
    from aiohttp.test_utils import TestServer

    from bot.gateway import build_app
    from bot.reminders import setup_reminders
    from bot.telegram import APP_KEY, setup_telegram

    port = dead_port()
    settings = gateway_settings(bot_api, fake_rasa.url, public_url=f"http://127.0.0.1:{port}")
    app = build_app(settings, parts=(setup_telegram, setup_reminders, setup_safety_protocol))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await app[APP_KEY].ready.wait()
        for chat in (private_chat(ANA), group_chat(-1005550)):
            before = len(bot_api.sent(chat["id"]))
            bot_api.push(bot_api.message(ANA, chat, "/help"))
            text = (await bot_api.replies(chat["id"], before, quiet=0.5))[-1]
            urls = re.findall(r"https?://\S+", text)
            assert urls == [f"http://127.0.0.1:{port}/safety-protocol"], text
            async with aiohttp.ClientSession() as session:
                async with session.get(urls[0]) as response:
                    assert response.status == 200 and response.content_type == "text/html"
                    page = await response.text()
            assert "Kintsugi's crisis protocol" in page and "116 123" in page
        assert fake_rasa.received == []  # /help never needs rasa
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/safety-protocol.md") as response:
                assert await response.text() == OUTPUT.read_text(encoding="utf-8")
    finally:
        await server.close()
