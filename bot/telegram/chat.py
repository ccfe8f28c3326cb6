"""Who wrote where: conversation ids, partner keys and the metadata Rasa receives.

The metadata follows ``docs/contracts.md``; Telegram tells us no time zone and
rarely a country (only when the client's language tag carries a region).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple

from telegram import Bot, Chat, Message, MessageEntity, User

GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP)
CONVERSATION_PREFIX = "tg-"
PARTNER_PREFIX = "tg:"


def conversation_id(chat_id: int) -> str:
    """The Rasa sender id of a Telegram chat."""
    return f"{CONVERSATION_PREFIX}{chat_id}"


def chat_id_of(conversation: str) -> Optional[int]:
    """The Telegram chat id behind a conversation id, or None for other channels."""
    if not conversation.startswith(CONVERSATION_PREFIX):
        return None
    try:
        return int(conversation[len(CONVERSATION_PREFIX):])
    except ValueError:
        return None


def partner_key(user: User) -> str:
    """The stable partner key of a Telegram user."""
    return f"{PARTNER_PREFIX}{user.id}"


def user_id_of(partner: str) -> Optional[int]:
    """The Telegram user id behind a partner key, or None for other channels."""
    if not partner.startswith(PARTNER_PREFIX):
        return None
    try:
        return int(partner[len(PARTNER_PREFIX):])
    except ValueError:
        return None


def is_group(chat: Chat) -> bool:
    """True for groups and supergroups, where both partners read every reply."""
    return chat.type in GROUP_TYPES


def language_and_country(code: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """Split an IETF tag such as ``pt-BR`` into (``pt``, ``BR``)."""
    if not code:
        return None, None
    parts = code.replace("_", "-").split("-")
    language = parts[0].lower() or None
    country = parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 and parts[1].isalpha() else None
    return language, country


def is_addressed(message: Message, bot: Bot) -> bool:
    """A group message is for the bot when it is a command, mentions it or replies to it."""
    if message.chat.type not in GROUP_TYPES:
        return True
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
        return True
    entities = message.parse_entities() if message.text else message.parse_caption_entities()
    for entity, value in entities.items():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return True
        if entity.type == MessageEntity.MENTION and bot.username and value.lstrip("@").lower() == bot.username.lower():
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id:
            return True
    return False


def without_mention(text: str, bot: Bot) -> str:
    """The text with ``@botname`` removed, so the NLU reads only what the person said."""
    if not bot.username:
        return text
    pattern = re.compile(rf"@{re.escape(bot.username)}\b[,:]?", re.IGNORECASE)
    if not pattern.search(text):
        return text
    return re.sub(r"[ \t]{2,}", " ", pattern.sub("", text)).strip()


def metadata(user: User, chat: Chat, *, addressed: bool) -> Dict[str, Any]:
    """The metadata of one user message, as ``docs/contracts.md`` names it."""
    language, country = language_and_country(user.language_code)
    data: Dict[str, Any] = {
        "partner_id": partner_key(user),
        "display_name": user.first_name,
        "channel": "telegram",
        "chat_type": chat.type,
        "addressed": bool(addressed),
    }
    if language:
        data["language"] = language
    if country:
        data["country"] = country
    return data
