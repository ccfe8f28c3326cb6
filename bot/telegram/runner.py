"""Starting and stopping the bot inside the gateway: polling, or a webhook on the gateway's server.

Telegram being unreachable at start-up does not stop the gateway: the bot keeps
trying in the background while the web parts serve, and ``/readyz`` says so.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Optional
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.private_words import LANGUAGES
from bot.telegram.app import bot_commands
from bot.telegram.help_lines import warm_up
from bot.telegram.talk import RASA_KEY

log = logging.getLogger(__name__)
TRANSLATED = tuple(code for code in LANGUAGES if code != "en")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
MAX_START_DELAY = 60.0
# Only what the handlers use: less traffic, and no replay records for updates we ignore.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def webhook_path(settings: Settings) -> str:
    """The local path of the webhook: the path of ``TELEGRAM_WEBHOOK_URL``."""
    path = urlsplit(settings.telegram_webhook_url or "").path.rstrip("/")
    return path or DEFAULT_WEBHOOK_PATH


class TelegramRunner:
    """Owns the ptb ``Application`` for the life of the gateway."""

    def __init__(self, application: Application, settings: Settings) -> None:
        self.application = application
        self.settings = settings
        self.ready = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self._warm: Optional[asyncio.Task] = None

    @property
    def webhook(self) -> bool:
        """True when Telegram pushes updates to us instead of being polled."""
        return bool(self.settings.telegram_webhook_url)

    async def start(self) -> None:
        """Begin connecting to Telegram in the background."""
        self._task = asyncio.create_task(self._connect(), name="telegram-start")
        self._warm = asyncio.create_task(asyncio.to_thread(warm_up), name="safety-warm-up")

    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                break
            except InvalidToken:
                log.error("Telegram rejected the bot token; Telegram stays off")
                return
            except TelegramError as exc:
                log.warning("Telegram not reachable (%s); retrying in %.0fs", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_START_DELAY)
        bot = self.application.bot
        try:
            await bot.set_my_commands(bot_commands())
            for language in TRANSLATED:  # the menu in the user's language, where Telegram knows it
                await bot.set_my_commands(bot_commands(language), language_code=language)
        except TelegramError as exc:
            log.warning("command menu not set: %s", type(exc).__name__)
        if self.webhook:
            await bot.set_webhook(self.settings.telegram_webhook_url,
                                  secret_token=self.settings.telegram_webhook_secret,
                                  allowed_updates=ALLOWED_UPDATES)
        else:
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await self.application.start()
        self.ready.set()
        log.info("Telegram bot %s running (%s)", bot.id, "webhook" if self.webhook else "polling")

    async def stop(self) -> None:
        """Stop taking updates, finish the ones in hand, and close connections."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass
        if self._warm is not None:
            await asyncio.gather(self._warm, return_exceptions=True)  # a thread cannot be cancelled
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        try:
            await application.shutdown()
        except RuntimeError:  # never initialised
            pass
        await application.bot_data[RASA_KEY].close()
        self.ready.clear()

    async def is_ready(self) -> bool:
        """For ``/readyz``: the bot is connected and taking updates."""
        return self.ready.is_set()

    async def webhook_handler(self, request: web.Request) -> web.Response:
        """Telegram's webhook call: check the secret, then queue the update for ptb."""
        secret = self.settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call with a wrong or missing secret token refused")
            return web.Response(status=403, text="forbidden")
        if not self.ready.is_set():
            return web.Response(status=503, text="starting")  # Telegram retries later
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # noqa: BLE001 - a malformed body is the sender's problem
            log.warning("webhook body not an update: %s", type(exc).__name__)
            return web.Response(status=400, text="bad update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")
