"""Joining a second chat to a couple: one-time link codes, and merging two couples into one.

``identify`` (``bot.storage.couples``) also merges, when a partner already known from another
chat writes in a chat whose couple has no one else in it.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Couple, Event, LinkCode, Partner, Pause, Reminder, RuleVersion, utcnow

LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LINK_CODE_TTL = timedelta(hours=48)


def merge_couples(session: Session, source_id: int, target_id: int) -> None:
    """Move everything of couple ``source_id`` into ``target_id`` and drop the source."""
    if source_id == target_id:
        return
    for model in (Partner, Conversation, Pause, Reminder, Event, LinkCode):
        session.execute(update(model).where(model.couple_id == source_id).values(couple_id=target_id))
    # Rules proposed by a partner alone stay history of the target; numbering continues.
    top = session.scalar(select(func.max(RuleVersion.version)).where(RuleVersion.couple_id == target_id)) or 0
    for rv in session.scalars(select(RuleVersion).where(RuleVersion.couple_id == source_id)
                              .order_by(RuleVersion.version)):
        top += 1
        rv.couple_id, rv.version = target_id, top
        if rv.status == "confirmed":
            rv.status = "superseded"
    source = session.get(Couple, source_id)
    target = session.get(Couple, target_id)
    if source is not None and target is not None:
        target.therapist_id = target.therapist_id or source.therapist_id
        target.practice_code = target.practice_code or source.practice_code
        target.country = target.country or source.country
        target.timezone = target.timezone or source.timezone
        session.flush()
        session.delete(source)


def create_link_code(couple_id: int, partner_id: Optional[int] = None) -> str:
    """A fresh one-time code the other partner can use to join this couple."""
    with session_scope() as session:
        while True:
            code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(8))
            if session.get(LinkCode, code) is None:
                break
        session.add(LinkCode(code=code, couple_id=couple_id, created_by=partner_id,
                             expires_at=utcnow() + LINK_CODE_TTL))
        return code


def redeem_link_code(code: str, conversation_id: str) -> int:
    """Join the couple behind ``code`` from ``conversation_id``; returns the couple id.

    Raises ``ValueError`` with a reason a person can read when the code cannot be used.
    """
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    with session_scope() as session:
        link = session.get(LinkCode, code) if code else None
        if link is None:
            raise ValueError("unknown code")
        if link.used_at is not None:
            raise ValueError("code already used")
        expires = clock.as_utc(link.expires_at)
        if expires < utcnow():
            raise ValueError("code expired")
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise ValueError("this chat has not started yet")
        if conversation.couple_id == link.couple_id:
            raise ValueError("already linked")
        merge_couples(session, conversation.couple_id, link.couple_id)
        link.used_at = utcnow()
        session.flush()
        from bot.storage.pauses import share_pending_reminders

        share_pending_reminders(session, link.couple_id, conversation_id)  # planned before they linked
        return link.couple_id
