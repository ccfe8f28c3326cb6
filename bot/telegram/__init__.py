"""The Telegram gateway: partners talk to Kintsugi in a private chat or in a shared group.

``setup_telegram(app, settings)`` plugs the bot into the gateway's aiohttp app:
polling without ``TELEGRAM_WEBHOOK_URL``, otherwise a webhook route on the same
server that checks Telegram's secret token. Nothing is built at import time.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.config import Settings
from bot.readiness import add_ready_check
from bot.reminders import register_sender

if TYPE_CHECKING:  # pragma: no cover
    from telegram.ext import Application

log = logging.getLogger(__name__)

APP_KEY: "web.AppKey[Any]" = web.AppKey("kintsugi.telegram", object)


def build_application(settings: Settings) -> "Application":
    """The configured python-telegram-bot ``Application`` (see ``bot.telegram.app``)."""
    from bot.telegram.app import build_application as build

    return build(settings)


def setup_telegram(app: web.Application, settings: Settings) -> None:
    """Run the bot with the gateway when a token is set; otherwise say how to turn it on."""
    from bot.telegram.reminders import TelegramSender

    if not settings.telegram_token:
        register_sender(app, TelegramSender(None))  # keeps Telegram's reminders for a gateway with a token
        log.info("Telegram is off. To turn it on, set TELEGRAM_BOT_TOKEN (from @BotFather); "
                 "for a webhook also set TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET.")
        return
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET: a webhook without "
                         "a secret token would accept updates from anyone")
    from bot.telegram.runner import TelegramRunner, webhook_path

    runner = TelegramRunner(build_application(settings), settings)
    app[APP_KEY] = runner
    register_sender(app, TelegramSender(runner))
    if runner.webhook:
        app.router.add_post(webhook_path(settings), runner.webhook_handler)

    async def on_startup(_app: web.Application) -> None:
        await runner.start()

    async def on_cleanup(_app: web.Application) -> None:
        await runner.stop()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    add_ready_check(app, "telegram", runner.is_ready)
    log.info("Telegram on (%s, Bot API %s)", "webhook" if runner.webhook else "polling",
             "default" if settings.telegram_base_url.startswith("https://api.telegram.org/") else "custom")
