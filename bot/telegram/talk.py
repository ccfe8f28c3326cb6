"""One turn of a conversation: a person's words to rasa, rasa's replies to the right chat.

When rasa cannot answer, the person still gets a kind reply with help lines, and a
crisis message gets resources from the gateway's own safety check.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from telegram import Chat, User
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.storage import Who, identify
from bot.telegram.chat import conversation_id, is_group, language_and_country, metadata, partner_key, user_id_of
from bot.telegram.disclosure_line import after_gateway_help
from bot.telegram.help_lines import assess, country_from_language, crisis_intro, message_language, resources_text
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.telegram.replies import address, keyboard, private_chat_button, send_private, send_text
from bot.telegram.texts import language_of, ui

log = logging.getLogger(__name__)

SETTINGS_KEY = "kintsugi.settings"
RASA_KEY = "kintsugi.rasa"


@dataclass(frozen=True)
class Outcome:
    """What rasa's replies did: whether one of them was a crisis reply."""

    crisis_handled: bool


CRISIS_GRACE = 1.0  # seconds a crisis message waits for rasa before the gateway sends help lines itself


def settings_of(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    """The gateway settings stored in the application."""
    return context.application.bot_data[SETTINGS_KEY]


def rasa_of(context: ContextTypes.DEFAULT_TYPE) -> RasaClient:
    """The rasa client of the application."""
    return context.application.bot_data[RASA_KEY]


async def remember(chat: Chat, user: User) -> Optional[Who]:
    """Record the chat and the person in our tables; None if the database is unavailable."""
    language, country = language_and_country(user.language_code)
    try:
        return await asyncio.to_thread(identify, conversation_id(chat.id), partner_key(user), channel="telegram",
                                       chat_type=chat.type, display_name=user.first_name, language=language,
                                       country=country)
    except Exception as exc:  # noqa: BLE001 - the conversation goes on without our tables
        log.warning("identify failed for chat %s: %s", chat.id, type(exc).__name__)
        return None


def country_for(context: ContextTypes.DEFAULT_TYPE, user: User, who: Optional[Who], text: Optional[str] = None) -> str:
    """The country for help lines: the couple's, the client's language tag, the message's language, or the default."""
    return (who.country if who and who.country else None) or country_from_language(user.language_code) \
        or (country_from_language(message_language(None, text)) if text and not user.language_code else None) \
        or settings_of(context).default_country


async def help_lines_for(context: ContextTypes.DEFAULT_TYPE, user: User, who: Optional[Who],
                         category: Optional[str] = None, text: Optional[str] = None) -> str:
    """Help lines for this person, in their language (else the language of ``text``) where we have it."""
    def build() -> str:
        language = message_language(language_and_country(user.language_code)[0], text)
        return resources_text(country_for(context, user, who, text), category, language)

    return await asyncio.to_thread(build)


async def forward(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User, text: str, *,
                  addressed: bool = True, check_safety: bool = True, lead: Optional[str] = None) -> None:
    """Send one message to rasa and deliver its replies, or fall back kindly."""
    who = await remember(chat, user)
    level, category = await asyncio.to_thread(assess, text) if check_safety else ("none", None)
    asking = asyncio.ensure_future(rasa_of(context).send_message(conversation_id(chat.id), text,
                                                                 metadata(user, chat, addressed=addressed)))
    helped, reached = False, False
    if level == "crisis":  # help never waits for a rasa that is down, restarting or slow
        done, _ = await asyncio.wait({asking}, timeout=CRISIS_GRACE)
        if not done:
            log.warning("rasa slow for a crisis in chat %s; the gateway sends help lines first", chat.id)
            reached = await send_crisis_help(context, chat, user, who, category, record=False, text=text)
            helped = True
    try:
        replies = await asking
    except RasaUnavailable as exc:
        log.warning("rasa unavailable for chat %s (%s); level %s", chat.id, exc, level)
        if helped:  # the gateway alone routed this crisis: it counts it and tells on-call
            await record_crisis(chat, who, category, country_for(context, user, who, text))
        else:
            reached = await fall_back(context, chat, user, who, level=level, category=category,
                                      addressed=addressed, text=text)
        if level == "crisis":  # rasa did not add the AI disclosure: it follows the help when due
            await after_gateway_help(context.bot, chat, user, text, reached=reached)
        return
    if helped:  # the help lines went out already; rasa's other replies (the hold, its question) follow
        routed_by_rasa = any(((r.get("custom") or {}).get("kintsugi") or {}).get("kind") == "crisis" for r in replies)
        if not routed_by_rasa:  # counted once: by rasa's handoff action when it ran, else here
            await record_crisis(chat, who, category, country_for(context, user, who, text))
        replies = [r for r in replies if ((r.get("custom") or {}).get("kintsugi") or {}).get("kind") != "crisis"]
    outcome = await deliver(context, chat, user, replies, addressed=addressed, lead=lead)
    if level == "crisis" and not outcome.crisis_handled and not helped:
        log.warning("rasa gave no crisis reply in chat %s; the gateway sends help lines", chat.id)
        await send_crisis_help(context, chat, user, who, category, text=text)


async def deliver(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: Optional[User],
                  replies: List[Dict[str, Any]], *, addressed: bool = True, lead: Optional[str] = None) -> Outcome:
    """Send rasa's replies: texts and buttons to the chat, private payloads to one person.

    ``lead`` (a group's welcome) goes first, joined with rasa's plain notes (the AI disclosure),
    so fewer messages arrive.
    """
    bot, crisis = context.bot, False
    name = user.first_name if user is not None and is_group(chat) and addressed else None
    owner = user.id if user is not None and is_group(chat) else None  # in a group, buttons are the asker's
    if lead:
        notes = [r for r in replies if r.get("text") and not r.get("buttons") and not r.get("custom")]
        await send_text(bot, chat.id, "\n\n".join([lead, *(r["text"] for r in notes)]))
        replies = [r for r in replies if not any(r is note for note in notes)]
    for reply in replies:
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        kintsugi = custom.get("kintsugi") if isinstance(custom.get("kintsugi"), dict) else None
        text = reply.get("text") or (kintsugi or {}).get("text") or ""
        if kintsugi and kintsugi.get("kind") == "crisis":
            crisis = True
        if kintsugi and kintsugi.get("audience") == "private":
            await _deliver_private(context, chat, str(kintsugi.get("partner_id") or ""), text,
                                   kind=str(kintsugi.get("kind") or ""), user=user)
            continue
        markup = keyboard(reply.get("buttons") or [], context.application.bot_data, owner)
        if not text and markup is None:
            log.debug("reply without text or buttons in chat %s skipped", chat.id)
            continue
        if name and text:
            text, name = address(name, text), None  # only the first reply names the person
        await send_text(bot, chat.id, text, markup)
    return Outcome(crisis_handled=crisis)


async def _deliver_private(context: ContextTypes.DEFAULT_TYPE, chat: Chat, partner: str, text: str, *,
                           kind: str = "", user: Optional[User] = None) -> None:
    """A reply for one partner only: their private chat, never the group.

    Help lines asked for in a group (``kind`` "resources") leave the group one neutral line
    either way: that they were sent privately, or a button to open the private chat.
    """
    user_id = user_id_of(partner)
    if user_id is not None and user_id == chat.id:
        await send_text(context.bot, chat.id, text)
        return
    name = user.first_name if user is not None and user.id == user_id else ""
    reached = user_id is not None and bool(text) and await send_private(context.bot, user_id, text)
    language = language_of(user)
    if kind == "resources" and is_group(chat):
        if reached:
            await send_text(context.bot, chat.id, ui("resources_sent_privately", language, name=name).lstrip(", "))
        else:
            await send_text(context.bot, chat.id, ui("resources_need_private", language, name=name).lstrip(", "),
                            private_chat_button(context.bot, "resources", language))
        return
    if reached:
        return
    if kind == "empathy_nudge":  # a nudge is never worth a line the other partner reads
        log.info("empathy nudge in chat %s could not reach its partner privately; dropped", chat.id)
        return
    log.info("private reply in chat %s could not reach its partner; group gets a neutral line", chat.id)
    if is_group(chat):
        await send_text(context.bot, chat.id, ui("group_neutral", language),
                        private_chat_button(context.bot, language=language))


async def send_crisis_help(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User, who: Optional[Who],
                           category: Optional[str], *, record: bool = True, text: Optional[str] = None) -> bool:
    """Help lines for a crisis: to the person privately in a group, with a neutral group line.

    True when the help reached the person (always in a private chat; in a group, when it went privately).

    The gateway answers alone here (rasa is down or gave no crisis reply), so it also does what
    the handoff action does: the crisis is logged as ``crisis_routed`` and the on-call contact told.
    """
    intro = crisis_intro(message_language(language_and_country(user.language_code)[0], text), category)
    help_text = f"{intro}\n\n{await help_lines_for(context, user, who, category, text)}"
    reached = True
    if not is_group(chat):
        await send_text(context.bot, chat.id, help_text)
    else:
        reached = await send_private(context.bot, user.id, help_text)
        await send_text(context.bot, chat.id, ui("group_neutral", language_of(user)),
                        None if reached else private_chat_button(context.bot, language=language_of(user)))
    if record:
        await record_crisis(chat, who, category, country_for(context, user, who, text))
    return reached


async def record_crisis(chat: Chat, who: Optional[Who], category: Optional[str], country: str) -> None:
    """Log ``crisis_routed`` (no words) and tell the on-call contact, as the handoff action does."""
    from bot import clock, storage
    from bot.safety.oncall import notify_crisis
    from bot.storage import events

    conversation = conversation_id(chat.id)
    partner = who.partner_id if who else None
    couple = who.couple_id if who else None
    notice = {"type": "crisis", "level": "crisis", "category": category or "general", "conversation_id": conversation,
              "couple_id": couple, "partner_id": partner, "at": clock.now().isoformat(timespec="seconds")}
    try:
        delivered = await notify_crisis(notice)
    except Exception:  # noqa: BLE001 - a failed notice must not cost the person anything
        log.exception("crisis notice from the gateway failed")
        delivered = []
    try:
        await asyncio.to_thread(storage.log_event, conversation, events.CRISIS_ROUTED, partner_id=partner,
                                couple_id=couple, details={"category": category or "general", "level": "crisis",
                                                           "country": country, "private": is_group(chat),
                                                           "notified": delivered, "by": "gateway"})
    except Exception as exc:  # noqa: BLE001
        log.error("could not log the gateway's crisis reply (%s)", type(exc).__name__)


async def fall_back(context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User, who: Optional[Who], *,
                    level: str, category: Optional[str], addressed: bool, text: Optional[str] = None) -> bool:
    """Rasa could not answer: a short, kind reply, with help lines where they may be needed.

    True when crisis help reached the person (see ``send_crisis_help``).
    """
    if level == "crisis":
        return await send_crisis_help(context, chat, user, who, category, text=text)
    lines = f"{ui('trouble', language_of(user))}\n\n{await help_lines_for(context, user, who, text=text)}"
    if not is_group(chat):
        await send_text(context.bot, chat.id, lines)
        return False
    reached = level == "check" and await send_private(context.bot, user.id, lines)
    if addressed and not reached:
        await send_text(context.bot, chat.id, ui("trouble_group", language_of(user), name=user.first_name))
    return False
