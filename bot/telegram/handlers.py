"""The Telegram handlers: one small async function per thing a partner can do."""
from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.storage import first_time_update
from bot.telegram.buttons import CHOSEN, first_press, refused, show_choice, split_owner
from bot.telegram.chat import is_addressed, is_group, without_mention
from bot.telegram.mydata import START_PAYLOAD as MYDATA_START, mydata
from bot.telegram.replies import payload_for, private_chat_button, send_private, send_text
from bot.telegram.talk import forward, help_lines_for, remember, settings_of
from bot.telegram.texts import language_of, ui
from bot.web.protocol_page import protocol_url

log = logging.getLogger(__name__)

HELP_START_PAYLOADS = ("help", "resources")
WELCOMED_KEY = "kintsugi.welcomed_groups"  # groups this gateway has introduced itself to


async def skip_replayed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle each update once, even when Telegram (or a second replica) delivers it again."""
    key = f"tg:{context.bot.id}:{update.update_id}"
    try:
        first = await asyncio.to_thread(first_time_update, key)
    except Exception as exc:  # noqa: BLE001 - better to answer twice than not at all
        log.warning("could not record update %s: %s", update.update_id, type(exc).__name__)
        return
    if not first:
        log.info("update %s seen before; skipped", update.update_id)
        raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome, what Kintsugi is and is not, what we store; then rasa greets."""
    chat, user = update.effective_chat, update.effective_user
    if not is_group(chat) and context.args and context.args[0] in HELP_START_PAYLOADS:
        await resources(update, context)
        return
    if not is_group(chat) and context.args and context.args[0] == MYDATA_START:
        await mydata(update, context)  # the button /mydata showed in a group: the file comes here, privately
        return
    if is_group(chat):  # at most two messages: the welcome (once per group) with any notice, then the greeting
        welcomed = context.application.bot_data.setdefault(WELCOMED_KEY, set())
        lead = None if chat.id in welcomed else ui("welcome_group", language_of(user))
        welcomed.add(chat.id)
        await forward(context, chat, user, "/greet", check_safety=False, lead=lead)
        return
    await send_text(context.bot, chat.id, ui("welcome_private", language_of(user)))
    await forward(context, chat, user, "/greet", check_safety=False)


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause: the pause flow, at once."""
    await forward(context, update.effective_chat, update.effective_user, "/im_flooded", check_safety=False)


async def rules(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/rules: the couple's ground rules."""
    await forward(context, update.effective_chat, update.effective_user, "/show_rules", check_safety=False)


async def resources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resources: help lines, answered by the gateway so they work when everything else is down."""
    chat, user = update.effective_chat, update.effective_user
    who = await remember(chat, user)
    text, language = await help_lines_for(context, user, who), language_of(user)
    if not is_group(chat):
        await send_text(context.bot, chat.id, text)
    elif await send_private(context.bot, user.id, text):
        await send_text(context.bot, chat.id, ui("resources_sent_privately", language, name=user.first_name))
    else:
        await send_text(context.bot, chat.id, ui("resources_need_private", language, name=user.first_name),
                        private_chat_button(context.bot, "resources", language))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the bot can do."""
    chat, language = update.effective_chat, language_of(update.effective_user)
    text = ui("help", language) + (f"\n\n{ui('help_group_hint', language)}" if is_group(chat) else "")
    text += "\n\n" + ui("help_protocol", language, url=protocol_url(settings_of(context)))
    await send_text(context.bot, chat.id, text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not know: point to /help (in a group only when it names this bot)."""
    message, chat = update.effective_message, update.effective_chat
    command = (message.text or "").split()[0]
    if is_group(chat) and not (context.bot.username and command.lower().endswith(f"@{context.bot.username}".lower())):
        return
    await send_text(context.bot, chat.id, ui("unknown_command", language_of(update.effective_user)))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person's words: to rasa, with who wrote them and whether they were meant for the bot."""
    message = update.message
    if message.from_user is None or message.from_user.is_bot:  # channels and other bots
        return
    addressed = is_addressed(message, context.bot)
    text = without_mention(message.text, context.bot) if is_group(message.chat) else message.text
    await forward(context, message.chat, message.from_user, text or message.text, addressed=addressed)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answered, the keyboard removed, and its payload sent as the person's message."""
    query = update.callback_query
    if query.data == CHOSEN:
        await query.answer(ui("button_already_chosen", language_of(query.from_user)))
        return
    data, owner = split_owner(query.data or "")
    if await refused(update, owner):  # someone else's button: a kind alert, nothing changes
        return
    if not await first_press(update, context.application.bot_data):  # a double tap counts once, on any gateway
        await query.answer(ui("button_already_chosen", language_of(query.from_user)))
        return
    await query.answer()
    await show_choice(update, _pressed_title(update))  # the choice stays visible, by whom in a group
    payload = payload_for(data, context.application.bot_data) or _pressed_title(update)
    if query.message is None or not payload:
        if query.message is not None:
            await send_text(context.bot, query.message.chat.id,
                            ui("button_expired", language_of(query.from_user)))
        return
    await forward(context, query.message.chat, query.from_user, payload, check_safety=not payload.startswith("/"))


def _pressed_title(update: Update) -> str:
    """The title of the pressed button, when its long payload was forgotten (a restart)."""
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for key in row:
            if key.callback_data == query.data:
                return key.text
    return ""


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and the like: a kind word instead of silence."""
    message = update.message
    if is_group(message.chat) and not is_addressed(message, context.bot):
        return
    await send_text(context.bot, message.chat.id, ui("non_text", language_of(message.from_user)))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: explain that only new messages are read."""
    message = update.edited_message
    if is_group(message.chat) and not is_addressed(message, context.bot):
        return
    await send_text(context.bot, message.chat.id, ui("edited", language_of(message.from_user)))


async def added_to_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot joined a group: say hello to both partners."""
    message = update.message
    if any(member.id == context.bot.id for member in message.new_chat_members or ()):
        await send_text(context.bot, message.chat.id, ui("welcome_group", language_of(message.from_user)))
        context.application.bot_data.setdefault(WELCOMED_KEY, set()).add(message.chat.id)  # /start won't repeat it


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what failed (ids and types only) and, in a private chat, say so kindly."""
    error = context.error
    update_id = getattr(update, "update_id", None)
    log.error("update %s failed: %s", update_id, type(error).__name__,
              exc_info=error if not isinstance(error, TelegramError) else None)
    chat = getattr(update, "effective_chat", None)
    if chat is not None and not is_group(chat) and isinstance(update, Update) and update.effective_message:
        try:
            await send_text(context.bot, chat.id, ui("trouble", language_of(update.effective_user)))
        except TelegramError:
            log.warning("could not tell chat %s about the failure", chat.id)
