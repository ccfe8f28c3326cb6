"""Check-in answers: each partner's mood and word for their day, and what each chooses to share.

A partner answers the latest prompt already due (within a day). What the other partner sees is cut
to that partner's choice: nothing (until they choose), their mood, their word, or both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import select

from bot import clock
from bot.storage.checkin_plan import partner_side
from bot.storage.db import session_scope
from bot.storage.models import CheckinPartner, CheckinPrompt, Partner, utcnow

SHARE_CHOICES = ("nothing", "mood", "note", "both")
MOODS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class CheckinAnswer:
    """One partner's answer on one day."""

    partner_id: int
    local_date: str
    status: str
    mood: Optional[int]
    note: Optional[str]


def _answering_prompt(session, partner_id: int, now: datetime) -> Optional[CheckinPrompt]:
    """The prompt a partner is answering: the latest one already due, within a day."""
    return session.scalar(select(CheckinPrompt).where(
        CheckinPrompt.partner_id == partner_id, CheckinPrompt.status.in_(("planned", "answered")),
        CheckinPrompt.due_at <= now + timedelta(minutes=1), CheckinPrompt.due_at > now - timedelta(hours=24))
        .order_by(CheckinPrompt.due_at.desc()).limit(1))


def record_checkin_mood(couple_id: int, partner_id: int, mood: int, *,
                        now: Optional[datetime] = None) -> Optional[CheckinAnswer]:
    """Keep a partner's mood (1-5) for today's prompt; None when no prompt is open."""
    if mood not in MOODS:
        raise ValueError("a mood is 1 to 5")
    now = now or utcnow()
    with session_scope() as session:
        prompt = _answering_prompt(session, partner_id, now)
        if prompt is None:
            return None
        prompt.mood, prompt.status, prompt.answered_at = mood, "answered", now
        return CheckinAnswer(partner_id, prompt.local_date, prompt.status, prompt.mood, prompt.note)


def record_checkin_note(couple_id: int, partner_id: int, note: str, *,
                        now: Optional[datetime] = None) -> Optional[CheckinAnswer]:
    """Keep a partner's word or sentence for today's prompt; None when no prompt is open."""
    now = now or utcnow()
    with session_scope() as session:
        prompt = _answering_prompt(session, partner_id, now)
        if prompt is None:
            return None
        prompt.note, prompt.status, prompt.answered_at = (note or "").strip()[:500] or None, "answered", now
        return CheckinAnswer(partner_id, prompt.local_date, prompt.status, prompt.mood, prompt.note)


def choose_checkin_sharing(couple_id: int, partner_id: int, share: str) -> str:
    """What this partner's partner may see of their check-ins: nothing, mood, note or both."""
    if share not in SHARE_CHOICES:
        raise ValueError(f"share is one of {SHARE_CHOICES}")
    with session_scope() as session:
        partner_side(session, couple_id, partner_id).share = share
        return share


def checkin_sharing(partner_id: int) -> str:
    """What this partner shares (``nothing`` until they choose)."""
    with session_scope() as session:
        side = session.get(CheckinPartner, partner_id)
        return side.share if side is not None else "nothing"


def partner_checkins_shared_with(partner_id: int, *, now: Optional[datetime] = None) -> List[CheckinAnswer]:
    """What the *other* partners of the couple answered in the last day, cut to what each chose to share."""
    now = now or utcnow()
    with session_scope() as session:
        me = session.get(Partner, partner_id)
        if me is None:
            return []
        shown: List[CheckinAnswer] = []
        others = session.scalars(select(Partner.id).where(Partner.couple_id == me.couple_id,
                                                          Partner.id != partner_id)).all()
        for other in others:
            side = session.get(CheckinPartner, other)
            share = side.share if side is not None else "nothing"
            if share == "nothing":
                continue
            prompt = session.scalar(select(CheckinPrompt).where(
                CheckinPrompt.partner_id == other, CheckinPrompt.status == "answered",
                CheckinPrompt.answered_at > now - timedelta(hours=24)).order_by(CheckinPrompt.answered_at.desc())
                .limit(1))
            if prompt is None:
                continue
            shown.append(CheckinAnswer(other, prompt.local_date, prompt.status,
                                       prompt.mood if share in ("mood", "both") else None,
                                       prompt.note if share in ("note", "both") else None))
        return shown


def checkin_prompts_of(couple_id: int) -> List[Dict]:
    """Every prompt of a couple, oldest first (for tests and the therapist's view)."""
    with session_scope() as session:
        return [{"partner_id": p.partner_id, "local_date": p.local_date, "due_at": clock.as_utc(p.due_at),
                 "status": p.status, "mood": p.mood, "note": p.note, "reminder_id": p.reminder_id,
                 "kind": p.kind, "snoozes": p.snoozes}
                for p in session.scalars(select(CheckinPrompt).where(CheckinPrompt.couple_id == couple_id)
                                         .order_by(CheckinPrompt.due_at, CheckinPrompt.partner_id))]
