"""The weekly talk's closing step, agreed by both partners, and picking a talk up again after a pause.

``propose_step``: a partner's words become the talk's proposed step (status ``proposed``, ``action_by``
the proposer); the other partner is asked where they read (a reminder of kind ``talk_step``, due at once,
in the couple's group or their own chat), or in the same chat when it is the couple's group. A couple
with one partner linked has nobody to ask: the step is kept at once. ``answer_step``: the other partner's
yes closes the talk with the step (status ``closed``, recalled next week) and tells the proposer; a
request for a change leaves it waiting for a new suggestion, which then goes to the first partner.

``offer_resume`` (from ``interrupt_talk``): when a pause stopped the talk, the talk keeps the moment
the pause began, and a ``talk_resume`` reminder at the pause's end offers to pick it up (whose turn,
minutes left) in every chat the talk reached, each in its language. ``resume_talk`` reopens it with the time it
had left and plans its remaining turn ends in every chat the talk reaches; the first answer decides for both
(``resume_talk`` and ``drop_resume`` change the talk's status only if nobody did meanwhile, and cancel the offers
not sent yet); a later press hears where the talk is (``running_talk``). ``end_open_talks`` (/forget) ends a couple's running talk in every chat at once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Optional, Tuple

from sqlalchemy import func, select, update

from bot import clock, content
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Partner, Pause, Reminder, TalkSession, utcnow
from bot.storage.pauses import GROUP_CHAT_TYPES, reminder_chats

STEP_KIND = "talk_step"
RESUME_KIND = "talk_resume"
TURN_KIND = "talk_turn"
PROPOSAL_DAYS = 7  # a suggested step waits this long for the other partner's yes
RESUME_HOURS = 24  # an interrupted talk can be picked up within a day


@dataclass(frozen=True)
class StepAnswer:
    """What happened to a suggested step: ``asked`` (the other partner, elsewhere), ``ask_here`` (the couple's
    group), ``agreed``, ``change``, ``own`` (the proposer's own yes) or ``none`` (nothing waiting)."""

    outcome: str
    action: Optional[str] = None
    chats: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted talk stopped: whose turn (1 or 2) and the whole minutes left in it."""

    talk_id: int
    turn: int
    minutes_left: int


def _minutes() -> timedelta:
    return timedelta(minutes=int(content.load("rituals")["weekly_talk"]["turn_minutes"]))


def _step_text(action: str) -> str:
    words = content.load("rituals")["weekly_talk"]
    text = " ".join((action or "").split())[: int(words["longest"])]
    if len(text) < int(words["shortest"]):
        raise ValueError("a step needs a few words")
    return text


def _cancel_turns(session, couple_id: int, talk_id: int) -> None:
    for other in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id, Reminder.kind == TURN_KIND,
                                                        Reminder.status == "pending")).all():
        if (other.details or {}).get("session_id") == talk_id:
            other.status = "cancelled"  # they are closing: no more timers


def _tell(session, couple_id: int, besides: str, now: datetime, details: dict) -> Tuple[str, ...]:
    """A ``talk_step`` message, due now, wherever the couple reads except ``besides`` (the chat that just spoke)."""
    chats = tuple(c for c in reminder_chats(session, couple_id) if c != besides)
    for chat in chats:
        session.add(Reminder(couple_id=couple_id, conversation_id=chat, kind=STEP_KIND, due_at=now, details=details))
    return chats


def propose_step(couple_id: int, partner_id: Optional[int], action: str, conversation_id: str, *,
                 language: str = "en", now: Optional[datetime] = None) -> StepAnswer:
    """A partner suggests the week's small step; it is kept only once the other partner says yes."""
    text = _step_text(action)
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.status == "proposed",
            TalkSession.ended_at > now - timedelta(days=PROPOSAL_DAYS)).order_by(TalkSession.id.desc()).limit(1))
        row = row or session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.started_at > now - timedelta(days=1))
            .order_by(TalkSession.id.desc()).limit(1))
        if row is None:
            row = TalkSession(couple_id=couple_id, conversation_id=conversation_id[:255], started_at=now)
            session.add(row)
            session.flush()
        _cancel_turns(session, couple_id, row.id)
        partners = session.scalar(select(func.count(Partner.id)).where(Partner.couple_id == couple_id)) or 0
        row.action, row.action_by, row.ended_at = text, partner_id, now
        if partners < 2 or partner_id is None:
            row.status = "closed"  # nobody else to ask yet
            return StepAnswer("agreed", text)
        row.status = "proposed"
        chat = session.get(Conversation, conversation_id)
        if chat is not None and chat.chat_type in GROUP_CHAT_TYPES:
            return StepAnswer("ask_here", text)
        chats = _tell(session, couple_id, conversation_id, now,
                      {"say": "ask", "action": text, "talk_id": row.id, "language": language})
        return StepAnswer("asked" if chats else "ask_here", text, chats)


def answer_step(couple_id: int, partner_id: Optional[int], agree: bool, conversation_id: str, *,
                language: str = "en", now: Optional[datetime] = None) -> StepAnswer:
    """The other partner's yes keeps the step (the proposer is told); "suggest a change" waits for new words."""
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.status == "proposed",
            TalkSession.ended_at > now - timedelta(days=PROPOSAL_DAYS)).order_by(TalkSession.id.desc()).limit(1))
        if row is None:
            return StepAnswer("none")
        if partner_id is not None and row.action_by == partner_id:
            return StepAnswer("own", row.action)
        if not agree:
            return StepAnswer("change", row.action)
        row.status, row.ended_at = "closed", now
        chat = session.get(Conversation, conversation_id)
        chats = () if chat is not None and chat.chat_type in GROUP_CHAT_TYPES else _tell(
            session, couple_id, conversation_id, now,
            {"say": "agreed", "action": row.action, "talk_id": row.id, "language": language})
        return StepAnswer("agreed", row.action, chats)


def offer_resume(session, talk: TalkSession, now: datetime, *, language: Optional[str] = None,
                 chats: Optional[Dict[str, str]] = None) -> None:
    """The talk stopped because of a pause: keep when the pause began, and offer to pick it up at its end in
    every chat the talk reached (``chats``: chat → the language it speaks; else the talk's own chat in
    ``language``). Whichever partner answers first decides for both (``resume_talk``, ``drop_resume``)."""
    pause = session.scalar(select(Pause).where(Pause.couple_id == talk.couple_id, Pause.status == "active")
                           .order_by(Pause.id.desc()).limit(1))
    if pause is None or clock.as_utc(pause.resume_at) <= now:
        return  # no pause running (a crisis hold): nothing is offered, the safety flow leads
    started = clock.as_utc(talk.started_at)
    talk.ended_at = max(started, min(clock.as_utc(pause.started_at), now))
    if talk.ended_at - started >= 2 * _minutes():
        return
    for chat, spoken in (chats or {talk.conversation_id: language or "en"}).items():
        session.add(Reminder(couple_id=talk.couple_id, conversation_id=chat, kind=RESUME_KIND,
                             due_at=max(clock.as_utc(pause.resume_at), now),
                             details={"talk_id": talk.id, "language": spoken or language or "en"}))


def _cancel_offers(session, couple_id: int, talk_id: int) -> None:
    """The offer to pick a talk up, answered in one chat: not sent anymore to the others."""
    for offer in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id, Reminder.kind == RESUME_KIND,
                                                        Reminder.status == "pending")).all():
        if (offer.details or {}).get("talk_id") == talk_id:
            offer.status = "cancelled"


def _resume_point(row: Optional[TalkSession]) -> Optional[ResumePoint]:
    if row is None or row.ended_at is None:
        return None
    elapsed, minutes = clock.as_utc(row.ended_at) - clock.as_utc(row.started_at), _minutes()
    if elapsed >= 2 * minutes:
        return None
    turn = 1 if elapsed < minutes else 2
    left = math.ceil((turn * minutes - elapsed).total_seconds() / 60)
    return ResumePoint(row.id, turn, max(1, left))


def _interrupted(session, couple_id: int, now: datetime) -> Optional[TalkSession]:
    return session.scalar(select(TalkSession).where(
        TalkSession.couple_id == couple_id, TalkSession.status == "interrupted",
        TalkSession.ended_at > now - timedelta(hours=RESUME_HOURS)).order_by(TalkSession.id.desc()).limit(1))


def resume_point(couple_id: int, *, now: Optional[datetime] = None) -> Optional[ResumePoint]:
    """Where the couple's interrupted talk stopped, or None."""
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        return _resume_point(_interrupted(session, couple_id, now))


def resume_talk(couple_id: int, *, language: Optional[str] = None, conversation_id: Optional[str] = None,
                now: Optional[datetime] = None) -> Optional[ResumePoint]:
    """Reopen the interrupted talk with the time it had left; its remaining turn ends are planned again in
    every chat its turn ends reach (``talk_chats``), the chat that picked it up (``conversation_id``, else the
    talk's own) in ``language`` (of whoever picked it up); the other chats are told it goes on. Once: when
    both partners press (or one presses twice, or two gateways handle it), only the first reopens it; the
    others get None (``running_talk`` then says where it is)."""
    from bot.storage.weekly_talk import plan_turns, talk_chats  # weekly_talk imports this module

    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = _interrupted(session, couple_id, now)
        point = _resume_point(row)
        if point is None:
            return None
        elapsed = clock.as_utc(row.ended_at) - clock.as_utc(row.started_at)
        reopened = session.execute(update(TalkSession).where(TalkSession.id == row.id,
                                                             TalkSession.status == "interrupted")
                                   .values(status="open", started_at=now - elapsed, ended_at=None)
                                   .execution_options(synchronize_session=False)).rowcount
        if reopened != 1:
            return None  # the other partner picked it up a moment ago
        session.refresh(row)
        here = (conversation_id or row.conversation_id)[:255]
        languages = talk_chats(session, couple_id, here, (language or "en")[:2].lower())
        for chat, spoken in _spoken(session, couple_id, row.id).items():  # the others keep what they read in
            if chat != here and chat in languages and spoken:
                languages[chat] = spoken
        plan_turns(session, row, languages, now, told=here, elapsed=elapsed,
                   resumed={"turn": point.turn, "left": point.minutes_left})
        _cancel_offers(session, couple_id, row.id)
        return point


def _spoken(session, couple_id: int, talk_id: int) -> Dict[str, str]:
    """The language a talk spoke in each chat it reached (its turn ends and its offers to pick it up)."""
    spoken: Dict[str, str] = {}
    for r in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id,
                                                    Reminder.kind.in_((TURN_KIND, RESUME_KIND)))
                             .order_by(Reminder.id)).all():
        details = r.details or {}
        if details.get("session_id", details.get("talk_id")) == talk_id and details.get("language"):
            spoken[r.conversation_id] = details["language"]
    return spoken


def running_talk(couple_id: int, conversation_id: Optional[str] = None, *,
                 now: Optional[datetime] = None) -> Optional[ResumePoint]:
    """The couple's talk going on right now (picked up by the other partner a moment ago): whose turn and the
    minutes left, or None. ``conversation_id``, told right now, is not told again that it goes on."""
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.status == "open",
            TalkSession.started_at > now - 2 * _minutes()).order_by(TalkSession.id.desc()).limit(1))
        if row is None:
            return None
        if conversation_id:
            told_here(session, conversation_id, row.id)
        elapsed, minutes = now - clock.as_utc(row.started_at), _minutes()
        turn = 1 if elapsed < minutes else 2
        left = math.ceil((turn * minutes - elapsed).total_seconds() / 60)
        return ResumePoint(row.id, turn, max(1, left))


def told_here(session, conversation_id: str, talk_id: int) -> None:
    """This chat is told right now that the talk goes on (by its own press): its pending "the talk began
    elsewhere" line (a turn-0 ``talk_turn`` reminder) is not sent as well."""
    for told in session.scalars(select(Reminder).where(
            Reminder.conversation_id == conversation_id[:255], Reminder.kind == TURN_KIND,
            Reminder.status == "pending")).all():
        if (told.details or {}).get("session_id") == talk_id and (told.details or {}).get("turn") == 0:
            told.status = "cancelled"


def end_open_talks(session, couple_id: int) -> int:
    """A partner left (/forget): the couple's running or interrupted talk ends, every chat's turn ends and its
    offer to pick it up with it (none half left in the other partner's chat). Returns how many talks ended."""
    talks = {t.id: t for t in session.scalars(select(TalkSession).where(
        TalkSession.couple_id == couple_id, TalkSession.status.in_(("open", "interrupted")))).all()}
    for talk in talks.values():
        talk.status, talk.ended_at = "stopped", talk.ended_at or utcnow()
    for reminder in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id,
                                                           Reminder.kind.in_((TURN_KIND, RESUME_KIND)),
                                                           Reminder.status == "pending")).all():
        details = reminder.details or {}
        if details.get("session_id", details.get("talk_id")) in talks:
            reminder.status = "cancelled"
    session.flush()
    return len(talks)


def drop_resume(couple_id: int, *, now: Optional[datetime] = None) -> bool:
    """ "Another time": the interrupted talk is left as it is, for both partners: its offer is not repeated and
    not sent anymore where it was not yet. False when there was nothing to leave (already left, or picked up)."""
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = _interrupted(session, couple_id, now)
        if row is None:
            return False
        _cancel_offers(session, couple_id, row.id)
        return session.execute(update(TalkSession).where(TalkSession.id == row.id,
                                                         TalkSession.status == "interrupted")
                               .values(status="stopped").execution_options(synchronize_session=False)).rowcount == 1
