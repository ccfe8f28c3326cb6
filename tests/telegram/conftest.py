"""Fixtures for the Telegram gateway: a fake Bot API, a free dead port, running gateways."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import Settings, get_settings
from bot.gateway import build_app
from bot.reminders import setup_reminders
from bot.telegram import APP_KEY, setup_telegram
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.fake_rasa import FakeRasa


@dataclass
class Gateway:
    """A running gateway (Telegram and reminders) in this test's event loop."""

    app: web.Application
    server: TestServer
    settings: Settings

    @property
    def url(self) -> str:
        """Base URL of the gateway's web server."""
        return str(self.server.make_url("")).rstrip("/")

    async def stop(self) -> None:
        """Stop it as Ctrl-C would."""
        await self.server.close()


def dead_port() -> int:
    """A local port where nothing listens (rasa 'stopped')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_settings(api: FakeBotApi, rasa_url: str, *, rasa_token: Optional[str] = None,
                     webhook_url: Optional[str] = None, webhook_secret: Optional[str] = None,
                     **fields: Any) -> Settings:
    """Settings of a gateway that talks to ``api`` and the rasa at ``rasa_url``."""
    return Settings(database_url=get_settings().database_url, rasa_url=rasa_url, rasa_token=rasa_token,
                    telegram_token=api.token, telegram_base_url=api.base_url, default_country="GB",
                    telegram_webhook_url=webhook_url, telegram_webhook_secret=webhook_secret,
                    **{"rasa_timeout": 60.0, "reminder_interval": 0.3, **fields})


async def start_gateway(settings: Settings, *, wait_ready: bool = True, extra_parts: tuple = ()) -> Gateway:
    """Build and start a gateway app with the Telegram and reminder parts (and ``extra_parts``)."""
    app = build_app(settings, parts=(setup_telegram, setup_reminders, *extra_parts))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    if wait_ready and APP_KEY in app:
        await asyncio.wait_for(app[APP_KEY].ready.wait(), timeout=30)
    return Gateway(app, server, settings)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on 127.0.0.1."""
    api = await FakeBotApi().start()
    yield api
    await api.stop()


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    """A scripted stand-in for rasa's REST channel."""
    rasa = await FakeRasa().start()
    yield rasa
    await rasa.stop()


@pytest.fixture
async def gateways() -> AsyncIterator[Callable[..., Awaitable[Gateway]]]:
    """Start gateways with ``await gateways(settings)``; all are stopped after the test."""
    started: List[Gateway] = []

    async def start(settings: Settings, **kwargs) -> Gateway:
        gateway = await start_gateway(settings, **kwargs)
        started.append(gateway)
        return gateway

    yield start
    for gateway in reversed(started):
        await gateway.stop()


def user_messages(tracker: Dict) -> List[Dict]:
    """The user events of a rasa tracker."""
    return [e for e in tracker.get("events", []) if e.get("event") == "user"]


@pytest.fixture
def sealed_stack(rasa_stack: Any, stack_db: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The running stack, with this process (the gateway) using the stack's sealing key."""
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", rasa_stack.stack.encryption_key)
    get_settings.cache_clear()
    yield rasa_stack
    get_settings.cache_clear()
