"""Pressed buttons: each press handled once, and the choice left visible on the message.

A double tap (the same person, the same button, within a few seconds) is answered but not sent
on again. The pressed message keeps one inert button saying what was chosen, and by whom in a
group ("✓ Ben: I agree"), so both partners can see it.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import MutableMapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.telegram.chat import is_group
from bot.telegram.texts import ui

log = logging.getLogger(__name__)

CHOSEN = "chosen"  # callback data of the inert "✓ choice" button
DOUBLE_TAP_SECONDS = 10.0
PRESSED_KEY = "kintsugi.pressed"
MAX_REMEMBERED = 5_000


def first_press(update: Update, store: MutableMapping) -> bool:
    """False for a second tap of the same button by the same person within a few seconds."""
    query = update.callback_query
    message = query.message
    key = (message.chat.id if message else 0, message.message_id if message else 0, query.from_user.id, query.data)
    pressed: "OrderedDict" = store.setdefault(PRESSED_KEY, OrderedDict())
    now = time.monotonic()
    last = pressed.get(key)
    pressed[key] = now
    pressed.move_to_end(key)
    while len(pressed) > MAX_REMEMBERED:
        pressed.popitem(last=False)
    return last is None or now - last > DOUBLE_TAP_SECONDS


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
