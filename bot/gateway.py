"""The gateway process: web app (widget, therapist review), Telegram and reminders.

Each part plugs itself in through one function ``setup_<part>(app, settings)`` so the
parts stay independent; ``PARTS`` lists them in the order they are mounted. Each may
register aiohttp routes, ``on_startup``/``on_cleanup`` hooks, a readiness check
(``bot.readiness``) and a reminder sender (``bot.reminders.register_sender``).
Tests build the app with only the parts they need: ``build_app(settings, parts=(setup_review,))``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional, Sequence

import aiohttp

from aiohttp import web

from bot import storage
from bot.config import Settings, get_settings
from bot.readiness import READY_CHECKS, add_ready_check
from bot.reminders import setup_reminders
from bot.telegram import setup_telegram
from bot.web.protocol_page import setup_safety_protocol
from bot.web.review import setup_review
from bot.web.widget import setup_widget

log = logging.getLogger(__name__)

Part = Callable[[web.Application, Settings], None]
PARTS: Sequence[Part] = (setup_widget, setup_review, setup_safety_protocol, setup_telegram, setup_reminders)


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 200 within ``timeout`` seconds."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(url) as response:
                return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


def _server_checks(app: web.Application, settings: Settings) -> None:
    """The rasa server (always) and the action server (when ``KINTSUGI_ACTION_HEALTH_URL`` says where) as parts."""

    async def rasa() -> bool:
        return await _answers(f"{settings.rasa_url}/")  # rasa's unauthenticated "Hello from Rasa"

    async def actions() -> bool:
        return await _answers(settings.action_health_url or "")

    add_ready_check(app, "rasa", rasa)
    if settings.action_health_url:
        add_ready_check(app, "actions", actions)


async def _ready(request: web.Request) -> web.Response:
    """Ready when the database answers and every part's own check passes; ``parts`` says which is which.

    While rasa is down the gateway still answers (crisis messages get help lines from its own
    check), but it is not ready: conversations cannot go on.
    """
    problems = []
    parts = {}
    try:
        storage.check_database()
        parts["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        problems.append(f"database: {type(exc).__name__}")
        parts["database"] = "down"
    checks = list(request.app[READY_CHECKS])

    async def run(check: Callable[[], Awaitable[bool]], name: str) -> bool:
        try:
            return bool(await check())
        except Exception as exc:  # noqa: BLE001
            log.warning("ready check %s failed: %s", name, type(exc).__name__)
            return False

    results = await asyncio.gather(*(run(check, name) for name, check in checks))
    for (name, _check), ok in zip(checks, results):
        parts[name] = "ok" if ok else "down"
        if not ok:
            problems.append(name)
    status = 200 if not problems else 503
    return web.json_response({"status": "ready" if status == 200 else "not ready", "problems": problems,
                              "parts": parts}, status=status)


def build_app(settings: Optional[Settings] = None, parts: Sequence[Part] = PARTS) -> web.Application:
    """The gateway's aiohttp application with ``parts`` (all of them by default) mounted."""
    settings = settings or get_settings()
    app = web.Application(client_max_size=1024 * 1024)
    app["settings"] = settings
    app[READY_CHECKS] = []
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", _ready)
    _server_checks(app, settings)
    for setup in parts:
        setup(app, settings)
    return app


def serve(settings: Optional[Settings] = None) -> None:
    """Run the gateway until interrupted."""
    settings = settings or get_settings()
    storage.upgrade_database(settings.database_url)
    app = build_app(settings)
    web.run_app(app, host=settings.gateway_host, port=settings.gateway_port, print=None,
                handle_signals=True, shutdown_timeout=5)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.set_event_loop(asyncio.new_event_loop())
    serve()
