"""Who is talking: conversations, partners and couples, their places and zones, consent, forgetting.

Joining a second chat to a couple (link codes, merging two couples) is in ``bot.storage.linking``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import clock
from bot.storage.db import session_scope
from bot.storage.linking import merge_couples
from bot.storage.models import (
    Conversation,
    Couple,
    Event,
    Partner,
    Pause,
    ProcessedUpdate,
    RuleConfirmation,
    RuleVersion,
    utcnow,
)

# "Last active" is for people (a therapist's list of couples): a minute is fine enough,
# and it spares a database write on almost every turn.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Who:
    """The couple, partner and conversation a message belongs to."""

    conversation_id: str
    couple_id: int
    partner_id: int
    partner_count: int
    chat_type: str
    channel: str
    country: Optional[str]
    timezone: Optional[str]
    practice_code: Optional[str] = None
    partner_timezone: Optional[str] = None  # the writer's own zone, when they told us or their client did


def _partner_count(session: Session, couple_id: int) -> int:
    return session.scalar(select(func.count(Partner.id)).where(Partner.couple_id == couple_id)) or 0


def _conversation(session: Session, conversation_id: str, partner: Optional[Partner], channel: str,
                  chat_type: str, country: Optional[str], timezone: Optional[str]) -> Conversation:
    """The conversation row, made on its first message (in the partner's couple, else a new one)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None:
        return conversation
    couple_id = partner.couple_id if partner is not None else None
    if couple_id is None:
        couple = Couple(country=country, timezone=timezone)
        session.add(couple)
        session.flush()
        couple_id = couple.id
    conversation = Conversation(id=conversation_id, couple_id=couple_id, channel=channel, chat_type=chat_type)
    session.add(conversation)
    session.flush()
    return conversation


def _partner(session: Session, conversation: Conversation, partner: Optional[Partner], partner_key: str,
             channel: str, display_name: Optional[str], language: Optional[str]) -> Partner:
    """The partner row, made on their first message; a partner known from another chat joins this couple
    when one of the two couples has no one else in it."""
    if partner is None:
        partner = Partner(couple_id=conversation.couple_id, external_id=partner_key, channel=channel,
                          display_name=display_name, language=language)
        session.add(partner)
        session.flush()
    elif partner.couple_id != conversation.couple_id:
        if _partner_count(session, partner.couple_id) == 1:
            merge_couples(session, partner.couple_id, conversation.couple_id)
        elif _partner_count(session, conversation.couple_id) == 0:
            merge_couples(session, conversation.couple_id, partner.couple_id)
        session.flush()
        session.refresh(conversation)
        session.refresh(partner)
    return partner


def _note_details(partner: Partner, couple: Couple, conversation: Conversation, chat_type: str,
                  display_name: Optional[str], language: Optional[str], country: Optional[str],
                  timezone: Optional[str]) -> None:
    """Keep what the message told about the person, the couple and the chat (the couple's place only once)."""
    if display_name and partner.display_name != display_name:
        partner.display_name = display_name[:200]
    if language and partner.language != language:
        partner.language = language[:16]
    if timezone and partner.timezone != timezone:
        partner.timezone = timezone[:64]
    if country and not couple.country:
        couple.country = country[:8]
    if timezone and not couple.timezone:
        couple.timezone = timezone[:64]
    now = utcnow()
    if conversation.last_active_at is None or now - clock.as_utc(conversation.last_active_at) >= ACTIVITY_RESOLUTION:
        conversation.last_active_at = now
    if chat_type and conversation.chat_type != chat_type:
        conversation.chat_type = chat_type


def identify(
    conversation_id: str,
    partner_key: Optional[str] = None,
    *,
    channel: str = "rest",
    chat_type: str = "private",
    display_name: Optional[str] = None,
    language: Optional[str] = None,
    country: Optional[str] = None,
    timezone: Optional[str] = None,
) -> Who:
    """Find or create the conversation, couple and partner for one message.

    ``partner_key`` names the person (``tg:<user id>``, ``web:<session>:A``); without
    one the conversation itself stands for a single partner (``rasa shell``, plain REST).
    A partner already known from another chat joins this conversation's couple
    when one of the two couples has no one else in it.
    """
    conversation_id = conversation_id[:255]
    partner_key = (partner_key or f"{channel}:{conversation_id}")[:200]
    with session_scope() as session:
        known = session.scalar(select(Partner).where(Partner.external_id == partner_key))
        conversation = _conversation(session, conversation_id, known, channel, chat_type, country, timezone)
        partner = _partner(session, conversation, known, partner_key, channel, display_name, language)
        couple = session.get(Couple, conversation.couple_id)
        _note_details(partner, couple, conversation, chat_type, display_name, language, country, timezone)
        return Who(
            conversation_id=conversation.id,
            couple_id=conversation.couple_id,
            partner_id=partner.id,
            partner_count=_partner_count(session, conversation.couple_id),
            chat_type=conversation.chat_type,
            channel=conversation.channel,
            country=couple.country,
            timezone=couple.timezone,
            practice_code=couple.practice_code,
            partner_timezone=partner.timezone,
        )


def couple_of(conversation_id: str) -> Optional[int]:
    """The couple id of a conversation, or None when it has never spoken."""
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.couple_id if conversation else None


def conversations_of(couple_id: int) -> List[str]:
    """Every conversation id of a couple (both private chats, the group, the widget)."""
    with session_scope() as session:
        return list(session.scalars(select(Conversation.id).where(Conversation.couple_id == couple_id)))


def private_conversations_of(couple_id: int) -> List[str]:
    """The couple's private chats (one per partner once linked), oldest first; no group, no widget."""
    with session_scope() as session:
        return list(session.scalars(select(Conversation.id).where(Conversation.couple_id == couple_id,
                                                                  Conversation.chat_type == "private")
                                    .order_by(Conversation.created_at, Conversation.id)))


def set_couple_place(couple_id: int, *, country: Optional[str] = None, timezone: Optional[str] = None) -> None:
    """Record the couple's country and time zone (for help lines and reminders)."""
    with session_scope() as session:
        couple = session.get(Couple, couple_id)
        if couple is None:
            raise LookupError(f"no couple {couple_id}")
        if country:
            couple.country = country[:8]
        if timezone:
            couple.timezone = timezone[:64]


def set_partner_timezone(partner_id: int, timezone: str) -> None:
    """Record the zone a partner told us ("Which city's time should I use?"); the couple's too if it had none."""
    with session_scope() as session:
        partner = session.get(Partner, partner_id)
        if partner is None:
            raise LookupError(f"no partner {partner_id}")
        partner.timezone = timezone[:64]
        couple = session.get(Couple, partner.couple_id)
        if couple is not None and not couple.timezone:
            couple.timezone = timezone[:64]


def zone_of_chat(conversation_id: str, partner_key: Optional[str] = None) -> Optional[str]:
    """The zone to show times in for a chat: its partner's own (``partner_key``), else the couple's."""
    with session_scope() as session:
        partner = session.scalar(select(Partner).where(Partner.external_id == partner_key)) if partner_key else None
        if partner is not None and partner.timezone:
            return partner.timezone
        conversation = session.get(Conversation, conversation_id)
        couple = session.get(Couple, conversation.couple_id) if conversation is not None else None
        return couple.timezone if couple is not None else None


def partner_timezones(couple_id: int) -> dict:
    """Each partner's own zone by partner id (None where unknown), and the couple's under the key None."""
    with session_scope() as session:
        zones = {p.id: p.timezone for p in session.scalars(select(Partner).where(Partner.couple_id == couple_id))}
        couple = session.get(Couple, couple_id)
        zones[None] = couple.timezone if couple is not None else None
        return zones


def partner_by_key(partner_key: str) -> Optional[Partner]:
    """The partner row for an external key, detached, or None."""
    with session_scope() as session:
        return session.scalar(select(Partner).where(Partner.external_id == partner_key))


def partner_by_id(partner_id: int) -> Optional[Partner]:
    """The partner row with this id, detached, or None."""
    with session_scope() as session:
        return session.get(Partner, partner_id)


def set_share_consent(partner_id: int, share: bool) -> None:
    """Turn sharing with the couple's therapist on or off for one partner."""
    with session_scope() as session:
        partner = session.get(Partner, partner_id)
        if partner is None:
            raise LookupError(f"no partner {partner_id}")
        partner.consent_share = bool(share)
        partner.consent_changed_at = utcnow()


def forget_partner(partner_id: int) -> List[str]:
    """Delete a partner and everything they wrote or triggered in our tables.

    Returns the conversation ids that only they used, so the caller can also
    delete those trackers from Rasa's tracker store.
    """
    with session_scope() as session:
        partner = session.get(Partner, partner_id)
        if partner is None:
            return []
        couple_id = partner.couple_id
        session.execute(delete(Event).where(Event.partner_id == partner_id))
        session.execute(delete(RuleConfirmation).where(RuleConfirmation.partner_id == partner_id))
        session.execute(update(RuleVersion).where(RuleVersion.proposed_by == partner_id).values(proposed_by=None))
        session.execute(update(Pause).where(Pause.called_by == partner_id).values(called_by=None))
        session.delete(partner)
        session.flush()
        alone = _partner_count(session, couple_id) == 0
        solo: List[str] = []
        if alone:
            solo = list(session.scalars(select(Conversation.id).where(Conversation.couple_id == couple_id)))
            session.execute(delete(Couple).where(Couple.id == couple_id))
        return solo


def first_time_update(key: str) -> bool:
    """Record a channel update key; False when it was handled before (a replay)."""
    try:
        with session_scope() as session:
            session.add(ProcessedUpdate(key=key[:200]))
        return True
    except IntegrityError:
        return False


def purge_processed_updates(older_than: timedelta = timedelta(days=2)) -> int:
    """Forget update keys older than ``older_than``; returns how many went."""
    with session_scope() as session:
        result = session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < utcnow() - older_than))
        return result.rowcount or 0


def now() -> datetime:
    """The storage clock (UTC); one place so tests can reason about it."""
    return utcnow()
