"""/mydata: a partner's own data as a JSON file, sent only in their private chat.

The file is ``bot.storage.data_export.export_json`` for the person who asked (``tg:<user id>``),
never anyone else. In a group the file goes to the asker's private chat and the group hears one
line; when Telegram cannot reach them privately (they never started the bot) the group gets a
button that opens the private chat (``/start mydata`` sends the file there).
"""
from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot import clock
from bot.storage.data_export import export_json
from bot.telegram.chat import is_group, partner_key
from bot.telegram.replies import private_chat_button, send_text
from bot.telegram.texts import language_of, ui

log = logging.getLogger(__name__)

START_PAYLOAD = "mydata"


def _file(raw: bytes) -> InputFile:
    return InputFile(raw, filename=f"kintsugi-my-data-{clock.now():%Y-%m-%d}.json")


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the asker their data: here in a private chat, privately from a group."""
    chat, user = update.effective_chat, update.effective_user
    if user is None or user.is_bot:
        return
    language = language_of(user)
    try:
        raw = await asyncio.to_thread(export_json, partner_key(user), "telegram")
    except Exception as exc:  # noqa: BLE001 - a kind word instead of silence
        log.error("data export failed: %s", type(exc).__name__)
        await send_text(context.bot, user.id if is_group(chat) else chat.id, ui("mydata.trouble", language))
        return
    if raw is None:
        await send_text(context.bot, chat.id, ui("mydata.nothing", language))
        return
    if not is_group(chat):
        await context.bot.send_document(chat.id, _file(raw), caption=ui("mydata.caption", language))
        log.info("partner data sent privately (%d bytes)", len(raw))
        return
    try:
        await context.bot.send_document(user.id, _file(raw), caption=ui("mydata.caption", language))
    except (Forbidden, BadRequest) as exc:
        log.info("partner data not sent privately: %s", type(exc).__name__)
        await send_text(context.bot, chat.id, ui("mydata.need_private", language, name=user.first_name),
                        private_chat_button(context.bot, START_PAYLOAD, language))
        return
    log.info("partner data sent privately from a group (%d bytes)", len(raw))
    await send_text(context.bot, chat.id, ui("mydata.sent_privately", language, name=user.first_name))
