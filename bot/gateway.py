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
from typing import Callable, Optional, Sequence

from aiohttp import web

from bot import storage
from bot.config import Settings, get_settings
from bot.readiness import READY_CHECKS
from bot.reminders import setup_reminders
from bot.telegram import setup_telegram
from bot.web.review import setup_review
from bot.web.widget import setup_widget

log = logging.getLogger(__name__)

Part = Callable[[web.Application, Settings], None]
PARTS: Sequence[Part] = (setup_widget, setup_review, setup_telegram, setup_reminders)


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _ready(request: web.Request) -> web.Response:
    """Ready when the database answers and every part's own check passes."""
    problems = []
    try:
        storage.check_database()
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        problems.append(f"database: {type(exc).__name__}")
    for name, check in request.app[READY_CHECKS]:
        try:
            ok = await check()
        except Exception as exc:  # noqa: BLE001
            ok = False
            log.warning("ready check %s failed: %s", name, type(exc).__name__)
        if not ok:
            problems.append(name)
    status = 200 if not problems else 503
    return web.json_response({"status": "ready" if status == 200 else "not ready", "problems": problems},
                             status=status)


def build_app(settings: Optional[Settings] = None, parts: Sequence[Part] = PARTS) -> web.Application:
    """The gateway's aiohttp application with ``parts`` (all of them by default) mounted."""
    settings = settings or get_settings()
    app = web.Application(client_max_size=1024 * 1024)
    app["settings"] = settings
    app[READY_CHECKS] = []
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", _ready)
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
