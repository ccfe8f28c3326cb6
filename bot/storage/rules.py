"""Ground rules: versioned agreements that both partners confirm."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from sqlalchemy import func, select

from bot.storage.db import session_scope
from bot.storage.models import Partner, RuleConfirmation, RuleVersion, utcnow


@dataclass(frozen=True)
class RuleSet:
    """One version of a couple's rules and who stands behind it."""

    couple_id: int
    version: int
    rules: Dict[str, str]
    status: str
    proposed_by: Optional[int]
    proposed_at: datetime
    confirmed_by: Tuple[int, ...]
    confirmed_at: Optional[datetime]
    partner_count: int

    @property
    def waiting_for(self) -> int:
        """How many partners still have to confirm: rules need two people, the couple."""
        return max(2 - len(self.confirmed_by), 0)


def _view(session, rv: RuleVersion) -> RuleSet:
    partners = session.scalar(select(func.count(Partner.id)).where(Partner.couple_id == rv.couple_id)) or 0
    confirmed = tuple(sorted(c.partner_id for c in rv.confirmations))
    return RuleSet(rv.couple_id, rv.version, dict(rv.rules or {}), rv.status, rv.proposed_by,
                   rv.proposed_at, confirmed, rv.confirmed_at, partners)


def _latest(session, couple_id: int, status: Optional[str] = None) -> Optional[RuleVersion]:
    query = select(RuleVersion).where(RuleVersion.couple_id == couple_id)
    if status:
        query = query.where(RuleVersion.status == status)
    return session.scalar(query.order_by(RuleVersion.version.desc()).limit(1))


def propose_rules(couple_id: int, partner_id: Optional[int], rules: Dict[str, str]) -> RuleSet:
    """Store a new proposed version; earlier unconfirmed proposals are superseded."""
    clean = {str(k): str(v).strip()[:500] for k, v in rules.items() if v is not None and str(v).strip()}
    if not clean:
        raise ValueError("no rules to store")
    with session_scope() as session:
        for old in session.scalars(select(RuleVersion).where(RuleVersion.couple_id == couple_id,
                                                             RuleVersion.status == "proposed")):
            old.status = "superseded"
        top = session.scalar(select(func.max(RuleVersion.version)).where(RuleVersion.couple_id == couple_id)) or 0
        rv = RuleVersion(couple_id=couple_id, version=top + 1, rules=clean, proposed_by=partner_id,
                         status="proposed")
        session.add(rv)
        session.flush()
        return _view(session, rv)


def change_rule(couple_id: int, partner_id: Optional[int], key: str, value: str) -> RuleSet:
    """Propose a new version that differs from the newest one in a single rule."""
    with session_scope() as session:
        base = _latest(session, couple_id, "proposed") or _latest(session, couple_id, "confirmed")
        rules = dict(base.rules) if base else {}
    rules[key] = value
    return propose_rules(couple_id, partner_id, rules)


def confirm_rules(couple_id: int, partner_id: int) -> Optional[RuleSet]:
    """One partner confirms the pending proposal; it takes effect when both have."""
    with session_scope() as session:
        rv = _latest(session, couple_id, "proposed")
        if rv is None:
            return None
        if partner_id not in {c.partner_id for c in rv.confirmations}:
            rv.confirmations.append(RuleConfirmation(partner_id=partner_id))
            session.flush()
        view = _view(session, rv)
        if view.waiting_for == 0:
            for old in session.scalars(select(RuleVersion).where(RuleVersion.couple_id == couple_id,
                                                                 RuleVersion.status == "confirmed")):
                old.status = "superseded"
            rv.status, rv.confirmed_at = "confirmed", utcnow()
            session.flush()
            view = _view(session, rv)
        return view


def current_rules(couple_id: int) -> Optional[RuleSet]:
    """The rules both partners confirmed most recently, or None."""
    with session_scope() as session:
        rv = _latest(session, couple_id, "confirmed")
        return _view(session, rv) if rv else None


def pending_rules(couple_id: int) -> Optional[RuleSet]:
    """A proposal still waiting for a confirmation, or None."""
    with session_scope() as session:
        rv = _latest(session, couple_id, "proposed")
        return _view(session, rv) if rv else None


def rules_history(couple_id: int) -> List[RuleSet]:
    """Every version, newest first."""
    with session_scope() as session:
        return [_view(session, rv) for rv in session.scalars(
            select(RuleVersion).where(RuleVersion.couple_id == couple_id).order_by(RuleVersion.version.desc()))]
