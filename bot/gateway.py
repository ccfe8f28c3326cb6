"""The gateway process: web app (widget, therapist review), Telegram and reminders.

Each part plugs itself in through one function so the parts stay independent:
``bot.web.widget.setup_widget(app, settings)``, ``bot.web.review.setup_review(app, settings)``,
``bot.telegram.setup_telegram(app, settings)`` and ``bot.reminders.setup_reminders(app, settings)``.
Each may register aiohttp routes and ``on_startup``/``on_cleanup`` hooks.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Optional

from aiohttp import web

from bot.config import Settings, get_settings

log = logging.getLogger(__name__)

PARTS = (
    ("bot.web.widget", "setup_widget"),
    ("bot.web.review", "setup_review"),
    ("bot.telegram", "setup_telegram"),
    ("bot.reminders", "setup_reminders"),
)
READY_CHECKS = "kintsugi.ready_checks"


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _ready(request: web.Request) -> web.Response:
    """Ready when the database answers and every part's own check passes."""
    from sqlalchemy import text

    from bot.storage import get_engine

    problems = []
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
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


def build_app(settings: Optional[Settings] = None) -> web.Application:
    """The gateway's aiohttp application with every available part mounted."""
    settings = settings or get_settings()
    app = web.Application(client_max_size=1024 * 1024)
    app["settings"] = settings
    app[READY_CHECKS] = []
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", _ready)
    for module_name, function in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                log.info("gateway part %s not installed", module_name)
                continue
            raise
        getattr(module, function)(app, settings)
    return app


def serve(settings: Optional[Settings] = None) -> None:
    """Run the gateway until interrupted."""
    from bot.storage import upgrade_database

    settings = settings or get_settings()
    upgrade_database(settings.database_url)
    app = build_app(settings)
    web.run_app(app, host=settings.gateway_host, port=settings.gateway_port, print=None,
                handle_signals=True, shutdown_timeout=5)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.set_event_loop(asyncio.new_event_loop())
    serve()
