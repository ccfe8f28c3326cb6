"""A reminder worded for the Telegram chat it reaches: "Hi both" only in a shared group, and any
time in the reader's own zone (``content/channels/reminders.yml``)."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from bot.config import get_settings
from bot.language.local_times import couple_zones, moment_for
from bot.language.timeparse import describe
from bot.storage import DueReminder
from bot.storage.couples import zone_of_chat
from bot.telegram.chat import PARTNER_PREFIX, chat_id_of
from bot.telegram.texts import channel_file


def _zone(reminder: DueReminder, chat_id: int) -> str:
    partner = f"{PARTNER_PREFIX}{chat_id}" if chat_id > 0 else None  # a private chat's id is its person's id
    return zone_of_chat(reminder.conversation_id, partner) or get_settings().default_timezone


def worded(reminder: DueReminder, message: Dict[str, Any], zone: Optional[str] = None,
           others: Sequence[str] = ()) -> Dict[str, Any]:
    """``message`` (the kind's group wording) for this reminder's chat, ``{when}`` in ``zone`` (and in the
    ``others`` zones of a group's other reader)."""
    chat_id = chat_id_of(reminder.conversation_id) or 0
    if chat_id > 0:
        private = channel_file("reminders").get(f"{reminder.kind}_private")
        if private is None and message.get("text") == channel_file("reminders")["default"]["text"]:
            private = channel_file("reminders").get("default_private")
        if private is not None:
            message = dict(private)
    text = str(message.get("text") or "")
    if "{when}" in text:
        resume_at = (reminder.details or {}).get("resume_at")
        moment = datetime.fromisoformat(resume_at) if resume_at else None
        when = "" if moment is None else moment_for(moment, [zone, *others]) if others else describe(moment, tz=zone)
        message = {**message, "text": text.replace("{when}", when).replace("  ", " ")}
    return message


def _zones(reminder: DueReminder, chat_id: int) -> List[str]:
    """The chat's readers' zones: a private chat's person; in a group, both partners' own (the couple's first)."""
    return couple_zones(reminder.couple_id, _zone(reminder, chat_id), group=chat_id < 0)


async def worded_for_chat(reminder: DueReminder, message: Dict[str, Any]) -> Dict[str, Any]:
    """``worded`` with the readers' zones looked up off the event loop."""
    chat_id = chat_id_of(reminder.conversation_id) or 0
    zone, *others = await asyncio.to_thread(_zones, reminder, chat_id)
    return worded(reminder, message, zone, others)
