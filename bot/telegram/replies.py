"""Sending to Telegram: long texts split, Rasa buttons as inline keyboards, private replies.

Messages go out as plain text (no ``parse_mode``), so nothing a person or Rasa
writes is ever read as markup and there is nothing to escape.
"""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, MutableMapping, Optional

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden

from bot.telegram.buttons import mark_length, owned, owner_of, split_owner
from bot.telegram.texts import ui

log = logging.getLogger(__name__)

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted in UTF-16 code units
CALLBACK_LIMIT = 64  # bytes Telegram keeps for a button's callback_data
PAYLOAD_PREFIX = "p:"  # a long Rasa payload kept here, looked up by hash
OWN_PREFIX = "k:"  # buttons the gateway answers itself (consent, forget)
PAYLOADS_KEY = "kintsugi.payloads"
MAX_PAYLOADS = 10_000
KEEP_CASE = ("I", "I'm", "I've", "I'll", "I'd", "Kintsugi", "OK")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Cut ``text`` into pieces Telegram accepts, at paragraph, line or word breaks."""
    pieces: List[str] = []
    rest = text.strip()
    while _units(rest) > limit:
        cut = _fitting_prefix(rest, limit)
        window = rest[:cut]
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at > cut // 2:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _payloads(store: MutableMapping[str, Any]) -> "OrderedDict[str, str]":
    return store.setdefault(PAYLOADS_KEY, OrderedDict())


def callback_data_for(payload: str, store: MutableMapping[str, Any], owner: Optional[int] = None) -> str:
    """Button data for a Rasa payload (marked as ``owner``'s); long payloads are kept in memory under a hash."""
    room = CALLBACK_LIMIT - mark_length(owner)
    if len(payload.encode("utf-8")) <= room and not payload.startswith((PAYLOAD_PREFIX, OWN_PREFIX)) \
            and split_owner(payload)[1] is None:
        return owned(payload, owner)
    key = PAYLOAD_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    payloads = _payloads(store)
    payloads[key] = payload
    payloads.move_to_end(key)
    while len(payloads) > MAX_PAYLOADS:
        payloads.popitem(last=False)
    return owned(key, owner)


def payload_for(data: str, store: MutableMapping[str, Any]) -> Optional[str]:
    """The Rasa payload behind button data, or None when it is no longer known."""
    if data.startswith(PAYLOAD_PREFIX):
        return _payloads(store).get(data)
    return data


def keyboard(buttons: Iterable[Dict[str, Any]], store: MutableMapping[str, Any],
             owner: Optional[int] = None) -> Optional[InlineKeyboardMarkup]:
    """Rasa buttons as an inline keyboard, one button per row (titles can be long).

    ``owner``: whose the buttons are in a group (``bot.telegram.buttons``); a button's own ``for``
    and the open payloads of ``content/channels/telegram.yml`` say otherwise."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()[:64]
        payload = str(button.get("payload") or title)
        if not title:
            continue
        if button.get("type") == "web_url" or payload.startswith(("https://", "http://")):
            rows.append([InlineKeyboardButton(title, url=payload)])
        else:
            rows.append([InlineKeyboardButton(title, callback_data=callback_data_for(
                payload, store, owner_of(button, payload, owner)))])
    return InlineKeyboardMarkup(rows) if rows else None


def private_chat_button(bot: Bot, start: str = "help",
                        language: Optional[str] = None) -> Optional[InlineKeyboardMarkup]:
    """A button that opens a private chat with the bot (a deep link with a start payload), in ``language``."""
    if not bot.username:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(ui("open_private_chat", language),
                                                       url=f"https://t.me/{bot.username}?start={start}")]])


def address(name: Optional[str], text: str) -> str:
    """Start a group reply with the person's first name, so both know whom it is for."""
    if not name or not text:
        return text
    first, _, rest = text.partition(" ")
    if first and first not in KEEP_CASE and first[:1].isupper() and first[1:2].islower():
        text = first[:1].lower() + first[1:] + (" " + rest if rest else "")
    return ui("address", name=name, text=text)


async def send_text(bot: Bot, chat_id: int, text: str,
                    markup: Optional[InlineKeyboardMarkup] = None) -> None:
    """Send ``text`` in as many messages as needed; the keyboard goes with the last one."""
    pieces = split_text(text) or ([""] if markup else [])
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        await bot.send_message(chat_id=chat_id, text=piece or "…", reply_markup=markup if last else None)


async def send_private(bot: Bot, user_id: int, text: str,
                       markup: Optional[InlineKeyboardMarkup] = None) -> bool:
    """Send to a person's private chat; False when Telegram does not let us (never started)."""
    try:
        await send_text(bot, user_id, text, markup)
        return True
    except (Forbidden, BadRequest) as exc:
        log.info("private message to user %s not possible: %s", user_id, type(exc).__name__)
        return False


async def remove_keyboard(update: Update) -> None:
    """Take the buttons off the message that was pressed, so they are used once."""
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # already gone, or the message is too old to edit
        log.info("keyboard not removed: %s", type(exc).__name__)
