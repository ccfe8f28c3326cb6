"""The AI disclosure after the gateway's own crisis help, when rasa is down.

Rasa's channels add the line after their replies (``bot/disclosure.py``); when rasa cannot answer,
the gateway sends the help lines itself and then, when a trigger is due (the person's first contact,
a question, 7 days without use, 3 hours of continuous use), the line in the message's language.
It asks the same records in the database as rasa, so the line is never shown twice for one message
and a rasa that comes back does not show it again.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from telegram import Bot, Chat, User

from bot import clock
from bot.telegram.chat import conversation_id, is_group, language_and_country

log = logging.getLogger(__name__)


async def after_gateway_help(bot: Bot, chat: Chat, user: User, text: Optional[str], *, reached: bool) -> None:
    """Send the line where the help went (a group's help goes privately when ``reached``), if it is due."""
    from bot.disclosure import DISCLOSURES, line
    from bot.telegram.replies import send_text

    if is_group(chat) and not reached:
        return  # the help could not go privately: the group got one neutral line, and nothing more
    target = user.id if is_group(chat) else chat.id
    language = language_and_country(user.language_code)[0]
    try:
        why, language = await asyncio.to_thread(DISCLOSURES.check, conversation_id(target), text,
                                                {"language": language} if language else {}, now=clock.now())
        if why:
            log.info("AI disclosure (%s, %s) after the gateway's crisis help", why, language)
            await send_text(bot, target, line(language))
    except Exception as exc:  # noqa: BLE001 - the help went out; the line is not worth an error
        log.error("AI disclosure after the gateway's help failed (%s)", type(exc).__name__)
