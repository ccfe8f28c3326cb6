"""A partner's own settings: linking two private chats, sharing consent, forgetting.

These buttons are answered by the gateway itself (callback data ``k:<what>:<choice>:<user id>``);
only the person who asked may press them, which matters in a group.
"""
from __future__ import annotations

import asyncio
import logging
from typing import List, Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.config import get_settings
from bot.language.local_times import seen_at
from bot.storage import create_link_code, partner_by_key, redeem_link_code, set_share_consent
from bot.storage.audit import views_for_partner
from bot.storage.erasure import erase_partner, partner_left_summary
from bot.storage.practice import join_practice, looks_like_practice_code, practice_of_couple
from bot.telegram.chat import is_group, partner_key
from bot.telegram.buttons import refused
from bot.telegram.replies import OWN_PREFIX, remove_keyboard, send_text
from bot.telegram.talk import remember
from bot.telegram.texts import error_text, language_of, translations, ui

log = logging.getLogger(__name__)

RECENT_VIEWS = 5


def _choice(what: str, choice: str, user_id: int, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{OWN_PREFIX}{what}:{choice}:{user_id}")


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/link makes a code for the partner; /link CODE joins the partner's couple or a therapist's practice."""
    chat, user = update.effective_chat, update.effective_user
    language = language_of(user)
    if context.args and looks_like_practice_code(context.args[0]):
        await _join_practice(update, context, context.args[0])
        return
    if is_group(chat):
        await send_text(context.bot, chat.id, ui("link.in_group", language))
        return
    who = await remember(chat, user)
    if who is None:
        await send_text(context.bot, chat.id, ui("link.errors.other", language))
        return
    if not context.args:
        code = await asyncio.to_thread(create_link_code, who.couple_id, who.partner_id)
        await send_text(context.bot, chat.id, ui("link.created", language, code=code))
        return
    try:
        couple = await asyncio.to_thread(redeem_link_code, context.args[0], who.conversation_id)
    except ValueError as exc:
        await send_text(context.bot, chat.id, error_text("link", str(exc), "other", language))
        return
    log.info("chat %s linked to couple %s", chat.id, couple)
    await send_text(context.bot, chat.id, ui("link.done", language))


async def _join_practice(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/link PRACTICE-CODE, in a private chat or a group: the couple joins the therapist's practice."""
    chat, user = update.effective_chat, update.effective_user
    language = language_of(user)
    who = await remember(chat, user)
    if who is None:
        await send_text(context.bot, chat.id, ui("link.errors.other", language))
        return
    try:
        joined = await asyncio.to_thread(join_practice, who.couple_id, code)
    except ValueError as exc:
        await send_text(context.bot, chat.id, error_text("practice", str(exc), "unknown code", language))
        return
    log.info("couple %s joined a practice from chat %s", who.couple_id, chat.id)
    await send_text(context.bot, chat.id, _practice_words("practice.joined", joined.practice_name, language))


def _practice_words(key: str, practice_name: Optional[str], language: str = "en", **values: str) -> str:
    """A line that names the practice (its display name, or a plain "your therapist")."""
    practice = practice_name or ui("practice.unnamed", language)
    return ui(key, language, practice=practice, **values)


def _views_text(key: str, language: str = "en") -> str:
    views = views_for_partner(key, limit=RECENT_VIEWS)
    if not views:
        return ui("consent.no_views", language)
    partner = partner_by_key(key)
    zone = (partner.timezone if partner is not None else None) or get_settings().default_timezone  # their own
    lines = [ui("consent.view_line", language, when=seen_at(v.at, zone), who=v.therapist,
                what=translations(language).get("consent", {}).get("seen", {}).get(v.action) or v.what)
             for v in views]
    return "\n".join([ui("consent.views_title", language), *lines])


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/consent: whether our therapist may read along, who looked, and a button to change it."""
    chat, user = update.effective_chat, update.effective_user
    language = language_of(user)
    who = await remember(chat, user)
    partner = await asyncio.to_thread(partner_by_key, partner_key(user)) if who else None
    if partner is None:
        await send_text(context.bot, chat.id, ui("link.errors.other", language))
        return
    practice = await asyncio.to_thread(practice_of_couple, partner.couple_id)
    sharing = bool(partner.consent_share)
    if practice is None and not sharing:
        await send_text(context.bot, chat.id, ui("consent.no_practice", language))
        return
    if context.args and context.args[0].lower() in ("on", "off"):
        await _set_consent(context, chat.id, user.id, context.args[0].lower() == "on", language)
        return
    views = await asyncio.to_thread(_views_text, partner_key(user), language)
    name = practice.name if practice else None
    text = f"{_practice_words('consent.is_on' if sharing else 'consent.is_off', name, language)}\n\n{views}"
    label = _practice_words("consent.turn_off" if sharing else "consent.turn_on", name, language)
    markup = InlineKeyboardMarkup([[_choice("consent", "off" if sharing else "on", user.id, label)]])
    await send_text(context.bot, chat.id, text, markup)


async def _set_consent(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, share: bool,
                       language: str = "en") -> None:
    partner = await asyncio.to_thread(partner_by_key, f"tg:{user_id}")
    if partner is None:
        await send_text(context.bot, chat_id, ui("forget.nothing", language))
        return
    practice = await asyncio.to_thread(practice_of_couple, partner.couple_id)
    if share and practice is None:
        await send_text(context.bot, chat_id, ui("consent.no_practice", language))
        return
    await asyncio.to_thread(set_share_consent, partner.id, share)
    log.info("partner %s consent_share=%s", partner.id, share)
    await send_text(context.bot, chat_id, _practice_words("consent.now_on" if share else "consent.now_off",
                                                          practice.name if practice else None, language))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: ask once more before deleting anything."""
    chat, user = update.effective_chat, update.effective_user
    language = language_of(user)
    markup = InlineKeyboardMarkup([[_choice("forget", "yes", user.id, ui("forget.delete", language))],
                                   [_choice("forget", "no", user.id, ui("forget.keep", language))]])
    await send_text(context.bot, chat.id, ui("forget.confirm", language), markup)


async def _forget(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, language: str = "en") -> None:
    """Erase this partner (``bot.storage.erasure.erase_partner``) and tell the other one, kindly, that they left.

    Their private chat with the bot (``tg-<user id>``) is theirs alone: it goes whole and leaves
    the couple. A group stays the other partner's, with only this partner's turns removed.
    """
    erased = await asyncio.to_thread(erase_partner, f"tg:{user_id}", [f"tg-{user_id}"])
    if erased is None:
        await send_text(context.bot, chat_id, ui("forget.nothing", language))
        return
    log.info("a partner of couple %s was forgotten: %s", erased.couple_id, partner_left_summary(erased))
    await send_text(context.bot, chat_id, ui("forget.done", language))
    await _tell_partner_they_left(context, erased.stayed, erased.shared)


async def _tell_partner_they_left(context: ContextTypes.DEFAULT_TYPE, stayed: List[str], shared: List[str]) -> None:
    """One kind line, in each staying partner's private chat (or, without one, the couple's group)."""
    private = [f"tg-{key[3:]}" for key in stayed if key.startswith("tg:")]
    targets = [c for c in private if c in shared] or [c for c in shared if c.startswith("tg--")]
    for conversation in targets:
        try:
            staying = await asyncio.to_thread(partner_by_key, f"tg:{conversation[3:]}") \
                if not conversation.startswith("tg--") else None  # a private chat's id is its person's
            await send_text(context.bot, int(conversation[3:]),
                            ui("forget.partner_left", getattr(staying, "language", None)))
        except Exception as exc:  # noqa: BLE001 - the erasure is done; a blocked chat must not undo it
            log.warning("could not tell a partner that the other left: %s", type(exc).__name__)


async def own_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A consent or forget button: only its owner may press it."""
    query = update.callback_query
    what, _, rest = (query.data or "")[len(OWN_PREFIX):].partition(":")
    choice, _, owner = rest.partition(":")
    if await refused(update, int(owner) if owner.isdigit() else -1):  # the one check every button goes through
        return
    await query.answer()
    await remove_keyboard(update)
    chat_id: Optional[int] = query.message.chat.id if query.message else None
    if chat_id is None:
        return
    language = language_of(query.from_user)
    if what == "consent":
        await _set_consent(context, chat_id, query.from_user.id, choice == "on", language)
    elif what == "forget" and choice == "yes":
        await _forget(context, chat_id, query.from_user.id, language)
    elif what == "forget":
        await send_text(context.bot, chat_id, ui("forget.kept", language))
