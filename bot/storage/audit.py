"""The access audit log: every look at a couple's data, and who a partner can see looked.

Entries name the therapist, the couple, what was opened and when; never what
the conversation said.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import AuditEntry, Partner, Therapist, utcnow

# Actions a partner is shown: opening their conversation, their rules, or exporting.
VIEW_COUPLES = "view_couples"
VIEW_CONVERSATION = "view_conversation"
VIEW_RULES = "view_rules"
VIEW_WEEKS = "view_weeks"
EXPORT = "export"
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
PARTNER_VISIBLE = (VIEW_CONVERSATION, VIEW_RULES, VIEW_WEEKS, EXPORT)


@dataclass(frozen=True)
class ViewRecord:
    """One time a therapist looked at a couple's data."""

    at: datetime
    therapist: str  # the name the therapist chose, or their email
    action: str
    details: Dict[str, Any]

    @property
    def what(self) -> str:
        """The action in plain words, for partners."""
        return {VIEW_CONVERSATION: "read your conversation", VIEW_RULES: "looked at your ground rules",
                VIEW_WEEKS: "looked at your weeks over time", EXPORT: "saved a copy of your conversation"}.get(self.action, self.action)


def record_view(therapist_id: Optional[int], couple_id: Optional[int], action: str, *,
                details: Optional[Dict[str, Any]] = None, ip: Optional[str] = None) -> int:
    """Write one audit entry; returns its id."""
    with session_scope() as session:
        entry = AuditEntry(therapist_id=therapist_id, couple_id=couple_id, action=action[:64], at=utcnow(),
                           details=details or {}, ip=(ip or "")[:64] or None)
        session.add(entry)
        session.flush()
        return entry.id


def views_of_couple(couple_id: int, *, since: Optional[datetime] = None, limit: int = 50) -> List[ViewRecord]:
    """Who opened this couple's conversation, rules or exports, newest first."""
    query = (select(AuditEntry, Therapist).outerjoin(Therapist, Therapist.id == AuditEntry.therapist_id)
             .where(AuditEntry.couple_id == couple_id, AuditEntry.action.in_(PARTNER_VISIBLE))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    if since is not None:
        query = query.where(AuditEntry.at >= clock.as_utc(since))
    with session_scope() as session:
        return [ViewRecord(clock.as_utc(entry.at),
                           (therapist.display_name or therapist.email) if therapist else "a former therapist",
                           entry.action, dict(entry.details or {}))
                for entry, therapist in session.execute(query).all()]


def views_for_partner(partner_key: str, *, limit: int = 20) -> List[ViewRecord]:
    """What ``/consent`` shows a partner: who viewed their couple's data, newest first."""
    with session_scope() as session:
        couple_id = session.scalar(select(Partner.couple_id).where(Partner.external_id == partner_key))
    return views_of_couple(couple_id, limit=limit) if couple_id is not None else []


def last_visit(therapist_id: int, couple_id: int) -> Optional[datetime]:
    """When this therapist last opened this couple's conversation."""
    with session_scope() as session:
        return clock.as_utc(session.scalar(select(AuditEntry.at).where(
            AuditEntry.therapist_id == therapist_id, AuditEntry.couple_id == couple_id,
            AuditEntry.action == VIEW_CONVERSATION).order_by(AuditEntry.at.desc()).limit(1)))


def audit_trail(*, therapist_id: Optional[int] = None, couple_id: Optional[int] = None,
                limit: int = 200) -> List[Dict[str, Any]]:
    """Raw entries for operators and tests, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if therapist_id is not None:
        query = query.where(AuditEntry.therapist_id == therapist_id)
    if couple_id is not None:
        query = query.where(AuditEntry.couple_id == couple_id)
    with session_scope() as session:
        return [{"id": e.id, "therapist_id": e.therapist_id, "couple_id": e.couple_id, "action": e.action,
                 "at": clock.as_utc(e.at), "details": dict(e.details or {}), "ip": e.ip} for e in session.scalars(query)]
