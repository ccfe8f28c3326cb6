"""Pressed buttons: whose they are, each press handled once, and the choice left visible on the message.

Whose: in a group a button can belong to one person (the one who asked, whose pause it is,
whose check-in it is). Its callback data then ends in ``#w<their Telegram id, base 36>``
(``owned``); a press by anyone else gets a short, kind alert and changes nothing
(``refused``). Every flow's buttons go through this one check, the gateway's own
consent and forget buttons too.

Once: a double tap (the same person, the same button, within a few seconds) is answered but
not sent on again. The memory is a row with a unique key in the database
(``bot.storage.presses``), so two gateways behind a balancer agree; while the database is
away, this process remembers.

Visible: the pressed message keeps one inert button saying what was chosen, and by whom in
a group ("✓ Ben: I agree"), so both partners can see it.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from typing import Any, Dict, MutableMapping, Optional, Tuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.storage import presses
from bot.telegram.chat import is_group
from bot.telegram.texts import channel_file, ui

log = logging.getLogger(__name__)

CHOSEN = "chosen"  # callback data of the inert "✓ choice" button
DOUBLE_TAP_SECONDS = 10.0
PRESSED_KEY = "kintsugi.pressed"
MAX_REMEMBERED = 5_000
OWNER_MARK = "#w"
_OWNED = re.compile(r"^(?P<data>.*)#w(?P<owner>[0-9a-z]{1,14})$", re.S)


# ------------------------------------------------------------ whose


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def owned(data: str, owner: Optional[int]) -> str:
    """``data`` marked as ``owner``'s (a Telegram user id); unchanged without one."""
    if owner is None or owner <= 0:
        return data
    return f"{data}{OWNER_MARK}{_base36(owner)}"


def mark_length(owner: Optional[int]) -> int:
    """How many bytes of callback data the owner's mark takes."""
    return len(owned("", owner))


def split_owner(data: str) -> Tuple[str, Optional[int]]:
    """(the data without the mark, its owner's Telegram id or None)."""
    found = _OWNED.match(data or "")
    if not found:
        return data, None
    return found["data"], int(found["owner"], 36)


def owner_of(button: Dict[str, Any], payload: str, default: Optional[int]) -> Optional[int]:
    """Whose a button is: its own ``for`` ("anyone" or a partner key "tg:<id>"), else ``default``
    (the person the reply answered), except for the open buttons either partner may press."""
    said = button.get("for")
    if said == "anyone":
        return None
    if isinstance(said, str) and said.startswith("tg:") and said[3:].isdigit():
        return int(said[3:])
    if default is None or payload in channel_file("telegram")["open_buttons"]:
        return None
    return default


async def reminder_owner(conversation_id: str, details: Dict[str, Any]) -> Optional[int]:
    """Whose the buttons of a reminder in a group are: the partner it was planned for (a check-in), else anyone's."""
    partner_id = (details or {}).get("partner_id")
    if not conversation_id.startswith("tg--") or not isinstance(partner_id, int):
        return None
    try:
        key = await asyncio.to_thread(presses.partner_key, partner_id)
    except Exception as exc:  # noqa: BLE001 - the buttons still work, for either partner
        log.warning("reminder's partner not found (%s)", type(exc).__name__)
        return None
    return int(key[3:]) if key and key.startswith("tg:") and key[3:].isdigit() else None


def whose_text(language_code: Optional[str]) -> str:
    """The short, kind line for someone who pressed another person's button, in their language."""
    return ui("whose_button", language_code)


async def refused(update: Update, owner: Optional[int]) -> bool:
    """True (and a kind alert to the presser, nothing else) when the button is someone else's."""
    query = update.callback_query
    if owner is None or query.from_user.id == owner:
        return False
    log.info("button of another person pressed in chat %s; left as it was",
             query.message.chat.id if query.message else "?")
    await query.answer(whose_text(query.from_user.language_code), show_alert=True)
    return True


# ------------------------------------------------------------ once


def _first_in_memory(key: str, store: MutableMapping) -> bool:
    pressed: "OrderedDict" = store.setdefault(PRESSED_KEY, OrderedDict())
    now = time.monotonic()
    last = pressed.get(key)
    pressed[key] = now
    pressed.move_to_end(key)
    while len(pressed) > MAX_REMEMBERED:
        pressed.popitem(last=False)
    return last is None or now - last > DOUBLE_TAP_SECONDS


async def first_press(update: Update, store: MutableMapping) -> bool:
    """False for a second tap of the same button by the same person within a few seconds (any gateway)."""
    query = update.callback_query
    message = query.message
    key = f"{message.chat.id if message else 0}:{message.message_id if message else 0}:" \
          f"{query.from_user.id}:{query.data}"
    try:
        return await asyncio.to_thread(presses.first_press, key, DOUBLE_TAP_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the database is away: this gateway remembers meanwhile
        log.warning("press not recorded (%s); this gateway remembers it", type(exc).__name__)
        return _first_in_memory(key, store)


# ------------------------------------------------------------ visible


async def show_choice(update: Update, title: str) -> None:
    """Swap the message's buttons for one inert button that names the choice (and who made it)."""
    query = update.callback_query
    chat = query.message.chat if query.message else None
    if title and chat is not None and is_group(chat):
        label = ui("button_chosen_group", name=query.from_user.first_name, what=title)
    elif title:
        label = ui("button_chosen", what=title)
    else:
        label = ""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label[:64], callback_data=CHOSEN)]]) if label else None
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:  # already changed, or too old to edit
        log.info("choice not shown: %s", type(exc).__name__)
