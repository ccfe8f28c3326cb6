"""Reminders to Telegram chats (``tg-<chat id>``), sent by the bot with the text of
``content/channels/reminders.yml``; registered with the reminder loop by ``setup_telegram``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from telegram.error import BadRequest, Forbidden

from bot import sealed
from bot.reminders import NotReady, PermanentFailure
from bot.rituals import ritual_message
from bot.storage import DueReminder
from bot.telegram.buttons import reminder_owner
from bot.telegram.chat import chat_id_of
from bot.telegram.reminder_words import worded_for_chat
from bot.telegram.replies import keyboard, send_text
from bot.telegram.texts import reminder_message

if TYPE_CHECKING:  # pragma: no cover
    from bot.telegram.runner import TelegramRunner


class TelegramSender:
    """Delivers reminders of Telegram conversations through this gateway's bot, if it has one."""

    name = "Telegram"

    def __init__(self, runner: Optional["TelegramRunner"]) -> None:
        self.runner = runner

    def takes(self, conversation_id: str) -> bool:
        """Every Telegram conversation, even while Telegram is off here."""
        return chat_id_of(conversation_id) is not None

    async def wait_ready(self) -> None:
        """Until the bot has connected (at once when Telegram is off)."""
        if self.runner is not None:
            await self.runner.ready.wait()

    async def send(self, reminder: DueReminder) -> None:
        """Send the reminder's text and buttons to its chat."""
        if self.runner is None:  # another gateway with a token may take it after the release
            raise RuntimeError("Telegram is off in this gateway")
        if not self.runner.ready.is_set():
            raise NotReady("Telegram not connected yet")
        message = ritual_message(reminder) or reminder_message(  # rituals: bot/rituals.py
            reminder.kind, reader_language(reminder) if reminder.kind in ("apology", "reflection") else None)
        if reminder.kind == "apology":  # the writer's own words, sent only after their yes
            message["text"] = message["text"].replace("{apology}", str(reminder.details.get("text") or ""))
        if reminder.kind == "reflection":  # sealed until now: the writer chose to send it (actions/reflection.py)
            message["text"] = message["text"].replace("{reflection}", unseal_reflection(reminder.details))
        message = await worded_for_chat(reminder, message)  # "Hi both" only in a group; the reader's zone
        application = self.runner.application
        owner = await reminder_owner(reminder.conversation_id, reminder.details)  # a check-in's buttons are its partner's
        markup = keyboard(message.get("buttons") or [], application.bot_data, owner)
        try:
            await send_text(application.bot, chat_id_of(reminder.conversation_id), message["text"], markup)
        except (Forbidden, BadRequest) as exc:
            raise PermanentFailure(type(exc).__name__) from exc


def reader_language(reminder: DueReminder) -> str:
    """The language of a sent apology's or reflection's reader: their Telegram client's (kept by ``identify``;
    a private chat's id is its person's), else the writer's, kept with the reminder."""
    from bot.storage import partner_by_key

    reader = partner_by_key(f"tg:{chat_id_of(reminder.conversation_id)}")
    told = (reader.language if reader is not None else None) or (reminder.details or {}).get("language")
    return str(told or "en")[:2].lower()


def unseal_reflection(details: dict) -> str:
    """The words of a reflection its writer chose to send (sealed in the reminder's details)."""
    try:
        text = sealed.unseal(str(details.get("sealed") or ""))
    except (sealed.Unreadable, sealed.MissingKey) as exc:
        raise PermanentFailure(type(exc).__name__) from exc
    return str(text or "")
