"""Building the python-telegram-bot ``Application``: handlers, rate limits, update order."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Dict, Optional

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.telegram import account, handlers, mydata
from bot.rasa_client import rasa_client_for
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.replies import OWN_PREFIX
from bot.telegram.talk import RASA_KEY, SETTINGS_KEY
from bot.telegram.texts import command_descriptions

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
COMMANDS = {
    "start": handlers.start,
    "pause": handlers.pause,
    "rules": handlers.rules,
    "resources": handlers.resources,
    "link": account.link,
    "consent": account.consent,
    "forget": account.forget,
    "mydata": mydata.mydata,
    "help": handlers.help_command,
}


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Chats are served side by side; updates of one chat stay in order.

    A slow rasa answer in one chat then never holds up every other couple.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: Dict[int, asyncio.Lock] = {}
        self._waiting: Dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once earlier updates of its chat are done."""
        chat = getattr(update, "effective_chat", None)
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id]
                del self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def file_url_for(base_url: str) -> str:
    """The file download address that goes with a Bot API address."""
    if base_url.rstrip("/").endswith("/bot"):
        return base_url.rstrip("/")[:-3] + "file/bot"
    return base_url


def build_application(settings: Settings) -> Application:
    """The Telegram bot: handlers, rate limiter and configured Bot API address."""
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (ApplicationBuilder()
               .token(settings.telegram_token)
               .base_url(settings.telegram_base_url)
               .base_file_url(file_url_for(settings.telegram_base_url))
               .rate_limiter(ChatRateLimiter())
               .concurrent_updates(PerChatUpdateProcessor()))
    if settings.telegram_webhook_url:
        builder = builder.updater(None)  # updates arrive through the gateway's own web server
    application = builder.build()
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[RASA_KEY] = rasa_client_for(settings)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Register every handler; replayed updates are stopped before any of them."""
    application.add_handler(TypeHandler(Update, handlers.skip_replayed), group=-1)
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE))
    application.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, handlers.unknown_command))
    application.add_handler(CallbackQueryHandler(account.own_button, pattern=f"^{OWN_PREFIX}"))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, handlers.added_to_group))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, handlers.text_message))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL,
                                           handlers.not_text))
    application.add_error_handler(handlers.on_error)


def bot_commands(language: Optional[str] = None) -> list:
    """The command menu, from ``content/channels/telegram.yml`` (``telegram_i18n/<language>.yml``)."""
    return [BotCommand(name, description) for name, description in command_descriptions(language).items()]
