"""Activity a therapist may count over time that the event log does not hold: answered check-ins.

Only the moment of an answer is read, never the mood or the note, and only for
partners who share with their therapist (the caller passes them).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, List, Optional, Tuple

from sqlalchemy import select

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt


def answered_checkins(couple_id: int, partner_ids: Iterable[int], *, since: Optional[datetime] = None,
                      until: Optional[datetime] = None) -> List[Tuple[int, datetime]]:
    """(partner id, when answered) of each check-in these partners of the couple answered, oldest first."""
    wanted = list(partner_ids)
    if not wanted:
        return []
    query = (select(CheckinPrompt.partner_id, CheckinPrompt.answered_at)
             .where(CheckinPrompt.couple_id == couple_id, CheckinPrompt.partner_id.in_(wanted),
                    CheckinPrompt.status == "answered", CheckinPrompt.answered_at.isnot(None))
             .order_by(CheckinPrompt.answered_at))
    if since is not None:
        query = query.where(CheckinPrompt.answered_at >= clock.as_utc(since))
    if until is not None:
        query = query.where(CheckinPrompt.answered_at < clock.as_utc(until))
    with session_scope() as session:
        return [(pid, clock.as_utc(at)) for pid, at in session.execute(query).all()]
