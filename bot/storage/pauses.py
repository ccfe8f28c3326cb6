"""Pauses and the reminders that bring a couple back to the conversation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, func, or_, select, update

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Partner, Pause, Reminder, utcnow

GROUP_CHAT_TYPES = ("group", "supergroup")
# Kinds that belong to a pause, a planned talk or a shared ritual's opening (the weekly "state of us", the
# money date: bot/storage/weekly_talk.py, money_dates.py): a partner who links later gets them too.
SHARED_KINDS = ("resume", "question", "weekly_talk", "money_date")
# A running weekly talk's turn ends and its offer to pick it up: a chat linked mid-talk gets them once
# (``_share_talk``: one per talk and turn, in its reader's language, never beside a group that has them).
TALK_KINDS = ("talk_turn", "talk_resume")
PAUSE_STARTED = "pause_started"  # the other partner, told once that a pause began and when it ends
MIN_PAUSE = timedelta(minutes=20)
MAX_PAUSE = timedelta(hours=24)
CLAIM_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class PauseView:
    """A pause as the product talks about it."""

    id: int
    couple_id: int
    conversation_id: str
    called_by: Optional[int]
    started_at: datetime
    resume_at: datetime
    resume_text: Optional[str]
    status: str
    reminder_conversations: tuple
    told: tuple = ()  # the other partner's chats, told once that the pause began


@dataclass(frozen=True)
class DueReminder:
    """A reminder this process has claimed and must now deliver."""

    id: int
    couple_id: int
    conversation_id: str
    kind: str
    due_at: datetime
    details: Dict[str, Any]




def schedule_resume(
    couple_id: int,
    conversation_id: str,
    partner_id: Optional[int],
    resume_at: datetime,
    resume_text: Optional[str] = None,
    *,
    started_at: Optional[datetime] = None,
) -> PauseView:
    """Record a pause and a reminder at ``resume_at`` for every chat of the couple.

    A pause is at least 20 minutes and less than 24 hours; an earlier active pause
    of the couple is replaced (its reminders cancelled).
    """
    started_at = clock.as_utc(started_at or utcnow())
    resume_at = clock.as_utc(resume_at)
    length = resume_at - started_at
    if length < MIN_PAUSE - timedelta(seconds=1) or length >= MAX_PAUSE:
        raise ValueError("a pause lasts at least 20 minutes and less than 24 hours")
    with session_scope() as session:
        _cancel_active(session, couple_id)
        pause = Pause(couple_id=couple_id, conversation_id=conversation_id, called_by=partner_id,
                      started_at=started_at, resume_at=resume_at,
                      resume_text=(resume_text or "")[:200] or None)
        session.add(pause)
        session.flush()
        chats = reminder_chats(session, couple_id, conversation_id)
        details = {"called_by": partner_id, "from_conversation": conversation_id, "resume_at": resume_at.isoformat()}
        for chat in chats:
            session.add(Reminder(couple_id=couple_id, conversation_id=chat, pause_id=pause.id, kind="resume",
                                 due_at=resume_at, details=dict(details)))
        told = tuple(chat for chat in chats if chat != conversation_id)
        for chat in told:  # the partner who did not call it hears of it now, once
            session.add(Reminder(couple_id=couple_id, conversation_id=chat, pause_id=pause.id, kind=PAUSE_STARTED,
                                 due_at=started_at, details=dict(details)))
        return PauseView(pause.id, couple_id, conversation_id, partner_id, started_at, resume_at,
                         pause.resume_text, pause.status, tuple(chats), told)


def reminder_chats(session, couple_id: int, conversation_id: Optional[str] = None) -> List[str]:
    """Where a couple's reminder goes, one message per person: their shared group when they have one
    (the most recently active) and both partners are still linked, otherwise every private chat of
    the couple. After one partner used /forget the group is no longer the couple's place: the one
    who left may still read it, so the other partner's reminders go to their own chat."""
    rows = session.execute(select(Conversation.id, Conversation.chat_type, Conversation.last_active_at)
                           .where(Conversation.couple_id == couple_id)).all()
    groups = sorted((r for r in rows if r.chat_type in GROUP_CHAT_TYPES),
                    key=lambda r: (clock.as_utc(r.last_active_at) or datetime.min.replace(tzinfo=timezone.utc), r.id),
                    reverse=True)
    private = sorted(r.id for r in rows if r.chat_type not in GROUP_CHAT_TYPES)
    both = (session.scalar(select(func.count(Partner.id)).where(Partner.couple_id == couple_id)) or 0) >= 2
    if groups and (both or not private):
        return [groups[0].id]
    chats = private
    if conversation_id and conversation_id not in chats and conversation_id not in {g.id for g in groups}:
        chats.append(conversation_id)
    return chats


def reminder_conversations(couple_id: int, conversation_id: Optional[str] = None) -> List[str]:
    """``reminder_chats`` in its own session: where a couple's reminder goes, one message per person."""
    with session_scope() as session:
        return reminder_chats(session, couple_id, conversation_id)


def share_pending_reminders(session, couple_id: int, conversation_id: str) -> List[int]:
    """A chat that joined the couple (``/link``) gets the couple's reminders already planned, and is told
    once about a running pause; a weekly talk running gets its remaining turn ends there too (``_share_talk``).
    Returns the new reminder ids."""
    now = utcnow()
    talk = _share_talk(session, couple_id, conversation_id, now)
    if conversation_id not in reminder_chats(session, couple_id):
        return talk  # the couple's group carries them
    pending = list(session.scalars(select(Reminder).where(Reminder.couple_id == couple_id,
                                                          Reminder.status == "pending",
                                                          Reminder.kind.in_(SHARED_KINDS),
                                                          Reminder.due_at > now)))
    have = {(r.kind, r.pause_id, clock.as_utc(r.due_at)) for r in pending if r.conversation_id == conversation_id}
    added: List[Reminder] = []
    seen = set(have)
    for r in pending:
        key = (r.kind, r.pause_id, clock.as_utc(r.due_at))
        if key in seen:
            continue
        seen.add(key)
        added.append(Reminder(couple_id=couple_id, conversation_id=conversation_id, pause_id=r.pause_id,
                              kind=r.kind, due_at=r.due_at, details=dict(r.details or {})))
        if r.kind == "resume" and r.pause_id is not None:
            added.append(Reminder(couple_id=couple_id, conversation_id=conversation_id, pause_id=r.pause_id,
                                  kind=PAUSE_STARTED, due_at=now, details=dict(r.details or {})))
    session.add_all(added)
    session.flush()
    return talk + [r.id for r in added]


def _share_talk(session, couple_id: int, conversation_id: str, now: datetime) -> List[int]:
    """A chat joined while a weekly talk runs (or waits to be picked up after a pause): it gets that talk's
    turn ends still ahead and its offer to pick it up, once each, in its reader's language. Not when it has
    them already, nor when one of the couple's groups has them (the group carries them); a group joining
    mid-talk gets none while any chat has them (the partners already read them in their own chats)."""
    from bot.storage.weekly_talk import chat_languages  # weekly_talk imports this module

    pending = list(session.scalars(select(Reminder).where(Reminder.couple_id == couple_id,
                                                          Reminder.status == "pending",
                                                          Reminder.kind.in_(TALK_KINDS),
                                                          Reminder.due_at > now).order_by(Reminder.id)))
    rows = session.execute(select(Conversation.id, Conversation.chat_type)
                           .where(Conversation.couple_id == couple_id)).all()
    groups = {c for c, kind in rows if kind in GROUP_CHAT_TYPES}
    carried: Dict[tuple, set] = {}
    first: Dict[tuple, Reminder] = {}
    for r in pending:
        details = r.details or {}
        if r.kind == "talk_turn" and not details.get("turn"):
            continue  # "the first turn begins now": a moment, not a turn end
        key = (r.kind, details.get("session_id", details.get("talk_id")), details.get("turn"))
        carried.setdefault(key, set()).add(r.conversation_id)
        first.setdefault(key, r)
    added: List[Reminder] = []
    for key, chats in carried.items():
        if conversation_id in chats or chats & groups or conversation_id in groups:
            continue
        model = first[key]
        language = chat_languages(session, couple_id, [conversation_id],
                                  (model.details or {}).get("language") or "en")[conversation_id]
        added.append(Reminder(couple_id=couple_id, conversation_id=conversation_id, kind=model.kind,
                              due_at=model.due_at, details={**(model.details or {}), "language": language}))
    session.add_all(added)
    session.flush()
    return [r.id for r in added]


def schedule_reminder(couple_id: int, conversation_id: str, due_at: datetime, kind: str,
                      details: Optional[Dict[str, Any]] = None) -> int:
    """A one-off reminder (e.g. a question the couple agreed to talk about later)."""
    with session_scope() as session:
        reminder = Reminder(couple_id=couple_id, conversation_id=conversation_id, kind=kind,
                            due_at=clock.as_utc(due_at), details=details or {})
        session.add(reminder)
        session.flush()
        return reminder.id


def _cancel_active(session, couple_id: int) -> None:
    active = list(session.scalars(select(Pause.id).where(Pause.couple_id == couple_id, Pause.status == "active")))
    if not active:
        return
    session.execute(update(Pause).where(Pause.id.in_(active)).values(status="cancelled"))
    session.execute(update(Reminder).where(Reminder.pause_id.in_(active), Reminder.status == "pending")
                    .values(status="cancelled"))


def active_pause(couple_id: int) -> Optional[PauseView]:
    """The couple's running pause, or None."""
    with session_scope() as session:
        pause = session.scalar(select(Pause).where(Pause.couple_id == couple_id, Pause.status == "active")
                               .order_by(Pause.id.desc()).limit(1))
        if pause is None:
            return None
        return PauseView(pause.id, pause.couple_id, pause.conversation_id, pause.called_by,
                         clock.as_utc(pause.started_at), clock.as_utc(pause.resume_at), pause.resume_text, pause.status, ())


def end_pause(couple_id: int) -> Optional[int]:
    """Mark the running pause as resumed; pending reminders for it are dropped."""
    with session_scope() as session:
        pause = session.scalar(select(Pause).where(Pause.couple_id == couple_id, Pause.status == "active")
                               .order_by(Pause.id.desc()).limit(1))
        if pause is None:
            return None
        pause.status = "resumed"
        session.execute(update(Reminder).where(Reminder.pause_id == pause.id, Reminder.status == "pending")
                        .values(status="cancelled"))
        return pause.id


def claim_due_reminders(worker: str, *, now: Optional[datetime] = None, limit: int = 20) -> List[DueReminder]:
    """Claim due reminders for ``worker``; each reminder is claimed by one worker only.

    A claim that was never marked sent within the lease (its worker died) can be
    claimed again, so a restart still delivers it.
    """
    now = clock.as_utc(now or utcnow())
    due = or_(and_(Reminder.status == "pending", Reminder.due_at <= now),
              and_(Reminder.status == "claimed", Reminder.claimed_at < now - CLAIM_LEASE))
    claimed: List[DueReminder] = []
    with session_scope() as session:
        query = select(Reminder).where(due).order_by(Reminder.due_at, Reminder.id).limit(limit)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for reminder in session.scalars(query).all():
            # Conditional update: the row is ours only if nobody changed it meanwhile.
            result = session.execute(
                update(Reminder)
                .where(Reminder.id == reminder.id, Reminder.status == reminder.status,
                       Reminder.attempts == reminder.attempts)
                .values(status="claimed", claimed_by=worker[:100], claimed_at=now,
                        attempts=reminder.attempts + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(DueReminder(reminder.id, reminder.couple_id, reminder.conversation_id,
                                           reminder.kind, clock.as_utc(reminder.due_at), dict(reminder.details or {})))
    return claimed


def mark_reminder_sent(reminder_id: int) -> None:
    """The reminder reached its chat."""
    with session_scope() as session:
        session.execute(update(Reminder).where(Reminder.id == reminder_id)
                        .values(status="sent", sent_at=utcnow()))


def release_reminder(reminder_id: int, *, give_up: bool = False) -> None:
    """Delivery failed: try again later, or stop after too many attempts."""
    with session_scope() as session:
        session.execute(update(Reminder).where(Reminder.id == reminder_id)
                        .values(status="failed" if give_up else "pending", claimed_by=None, claimed_at=None))


def latest_reminder(conversation_id: str, kind: str) -> Optional[DueReminder]:
    """The newest reminder of ``kind`` for a conversation that is being or has been delivered."""
    with session_scope() as session:
        r = session.scalar(select(Reminder).where(Reminder.conversation_id == conversation_id, Reminder.kind == kind,
                                                  Reminder.status.in_(("claimed", "sent")))
                           .order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(1))
        if r is None:
            return None
        return DueReminder(r.id, r.couple_id, r.conversation_id, r.kind, clock.as_utc(r.due_at), dict(r.details or {}))


def pending_reminders(couple_id: int) -> List[DueReminder]:
    """Reminders of a couple that have not fired yet, soonest first."""
    with session_scope() as session:
        return [DueReminder(r.id, r.couple_id, r.conversation_id, r.kind, clock.as_utc(r.due_at), dict(r.details or {}))
                for r in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id,
                                                                Reminder.status == "pending")
                                         .order_by(Reminder.due_at))]
