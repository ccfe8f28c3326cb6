"""A therapist's practice: the codes couples join with, and the couples who joined.

Practice codes are ten characters (shown as ``ABCDE-FGHJK``) so that ``/link CODE``
in Telegram can tell them from the eight-character codes that join two partners.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import clock
from bot.storage.linking import LINK_CODE_ALPHABET
from bot.storage.db import session_scope
from bot.storage.events import CRISIS_ROUTED, QUESTION_COACHED
from bot.storage.models import (
    AuditEntry,
    Conversation,
    Couple,
    Event,
    Partner,
    Pause,
    PracticeCode,
    RuleVersion,
    Therapist,
    utcnow,
)

PRACTICE_CODE_LENGTH = 10
VISIT_ACTION = "view_conversation"  # what counts as the therapist's last visit to a couple


@dataclass(frozen=True)
class PracticeCodeView:
    """A practice code and how many couples joined with it."""

    code: str
    label: Optional[str]
    created_at: datetime
    revoked_at: Optional[datetime]
    couples: int

    @property
    def shown(self) -> str:
        """The code as people read and type it."""
        return f"{self.code[:5]}-{self.code[5:]}"


@dataclass(frozen=True)
class PracticeLink:
    """The outcome of a couple joining a practice."""

    couple_id: int
    therapist_name: str
    changed_therapist: bool
    practice_name: Optional[str] = None  # the name couples see: never the therapist's email


@dataclass(frozen=True)
class PartnerLabel:
    """How a partner is named in the review app: a letter and the name they gave."""

    id: int
    letter: str
    name: Optional[str]
    consent_share: bool
    consent_changed_at: Optional[datetime]

    @property
    def label(self) -> str:
        """``Ana (Partner A)`` or ``Partner A``."""
        return f"{self.name} (Partner {self.letter})" if self.name else f"Partner {self.letter}"


@dataclass(frozen=True)
class CoupleSummary:
    """One row of a therapist's couple list."""

    id: int
    partners: Tuple[PartnerLabel, ...]
    last_activity: Optional[datetime]
    pauses: int
    questions: int
    rule_changes: int
    crises_since_visit: int
    last_visit: Optional[datetime]
    timezone: Optional[str]

    @property
    def title(self) -> str:
        """The partners' labels joined, for headings."""
        return " & ".join(p.label for p in self.partners) or f"Couple {self.id}"


def normalize_code(code: str) -> str:
    """Codes compare without dashes, spaces or case."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:32]


def create_practice_code(therapist_id: int, label: Optional[str] = None) -> PracticeCodeView:
    """A new code the therapist can hand to a couple."""
    with session_scope() as session:
        while True:
            code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(PRACTICE_CODE_LENGTH))
            if session.get(PracticeCode, code) is None:
                break
        row = PracticeCode(code=code, therapist_id=therapist_id, label=(label or "").strip()[:200] or None,
                           created_at=utcnow())
        session.add(row)
        session.flush()
        return PracticeCodeView(code, row.label, clock.as_utc(row.created_at), None, 0)


def practice_codes_of(therapist_id: int) -> List[PracticeCodeView]:
    """A therapist's codes, newest first."""
    with session_scope() as session:
        counts = dict(session.execute(
            select(Couple.practice_code, func.count(Couple.id)).where(Couple.therapist_id == therapist_id)
            .group_by(Couple.practice_code)).all())
        rows = session.scalars(select(PracticeCode).where(PracticeCode.therapist_id == therapist_id)
                               .order_by(PracticeCode.created_at.desc(), PracticeCode.code))
        return [PracticeCodeView(r.code, r.label, clock.as_utc(r.created_at), clock.as_utc(r.revoked_at), counts.get(r.code, 0))
                for r in rows]


def revoke_practice_code(therapist_id: int, code: str) -> bool:
    """Stop a code from linking new couples (couples already linked stay)."""
    with session_scope() as session:
        result = session.execute(update(PracticeCode).where(
            PracticeCode.code == normalize_code(code), PracticeCode.therapist_id == therapist_id,
            PracticeCode.revoked_at.is_(None)).values(revoked_at=utcnow()))
        return bool(result.rowcount)


def is_practice_code(code: str) -> bool:
    """True when ``code`` is a practice code (used or not), so ``/link`` knows which kind it got."""
    code = normalize_code(code)
    if len(code) != PRACTICE_CODE_LENGTH:
        return False
    with session_scope() as session:
        return session.get(PracticeCode, code) is not None


def join_practice(couple_id: int, code: str) -> PracticeLink:
    """Link a couple to the therapist behind ``code``; raises ValueError with a readable reason.

    Moving to a different therapist turns every partner's sharing off: each
    partner agreed to share with one therapist, not with whoever comes next.
    """
    code = normalize_code(code)
    with session_scope() as session:
        row = session.get(PracticeCode, code) if code else None
        if row is None:
            raise ValueError("unknown code")
        if row.revoked_at is not None:
            raise ValueError("code no longer in use")
        couple = session.get(Couple, couple_id)
        therapist = session.get(Therapist, row.therapist_id)
        if couple is None:
            raise LookupError(f"no couple {couple_id}")
        if therapist is None or therapist.disabled:
            raise ValueError("code no longer in use")
        changed = couple.therapist_id is not None and couple.therapist_id != therapist.id
        if changed:
            session.execute(update(Partner).where(Partner.couple_id == couple_id, Partner.consent_share.is_(True))
                            .values(consent_share=False, consent_changed_at=utcnow()))
        couple.therapist_id, couple.practice_code = therapist.id, code
        return PracticeLink(couple_id, therapist.display_name or therapist.email, changed,
                            therapist.display_name or None)


def looks_like_practice_code(code: str) -> bool:
    """True when ``code`` has the shape of a practice code (ten letters and digits of the code alphabet)."""
    code = normalize_code(code)
    return len(code) == PRACTICE_CODE_LENGTH and all(ch in LINK_CODE_ALPHABET for ch in code)


@dataclass(frozen=True)
class CouplePractice:
    """The practice a couple has joined, as couples see it."""

    couple_id: int
    name: Optional[str]  # the therapist's display name; None when they gave none (never their email)


def practice_of_couple(couple_id: int) -> Optional[CouplePractice]:
    """The practice of a couple, or None when it has joined none (or its therapist is disabled)."""
    with session_scope() as session:
        couple = session.get(Couple, couple_id)
        if couple is None or couple.therapist_id is None:
            return None
        therapist = session.get(Therapist, couple.therapist_id)
        if therapist is None or therapist.disabled:
            return None
        return CouplePractice(couple_id, therapist.display_name or None)


def leave_practice(couple_id: int) -> bool:
    """Unlink a couple from its therapist and stop sharing; False when it had none."""
    with session_scope() as session:
        couple = session.get(Couple, couple_id)
        if couple is None or couple.therapist_id is None:
            return False
        couple.therapist_id, couple.practice_code = None, None
        session.execute(update(Partner).where(Partner.couple_id == couple_id, Partner.consent_share.is_(True))
                        .values(consent_share=False, consent_changed_at=utcnow()))
        return True


def labels_of(session: Session, couple_id: int) -> Dict[int, PartnerLabel]:
    """Partners of a couple lettered A, B, … in the order they joined."""
    partners = session.scalars(select(Partner).where(Partner.couple_id == couple_id)
                               .order_by(Partner.created_at, Partner.id))
    return {p.id: PartnerLabel(p.id, chr(ord("A") + i) if i < 26 else str(i + 1), p.display_name,
                               bool(p.consent_share), clock.as_utc(p.consent_changed_at))
            for i, p in enumerate(partners)}


def _counts(session: Session, model, column, couple_ids: List[int], *where) -> Dict[int, int]:
    query = select(column, func.count()).select_from(model).where(column.in_(couple_ids), *where).group_by(column)
    return dict(session.execute(query).all())


def _summaries(session: Session, therapist_id: int, couple_ids: List[int]) -> List[CoupleSummary]:
    if not couple_ids:
        return []
    couples = {c.id: c for c in session.scalars(select(Couple).where(Couple.id.in_(couple_ids)))}
    pauses = _counts(session, Pause, Pause.couple_id, couple_ids)
    questions = _counts(session, Event, Event.couple_id, couple_ids, Event.type == QUESTION_COACHED)
    rules = _counts(session, RuleVersion, RuleVersion.couple_id, couple_ids, RuleVersion.confirmed_at.isnot(None))
    visits = dict(session.execute(
        select(AuditEntry.couple_id, func.max(AuditEntry.at)).where(
            AuditEntry.therapist_id == therapist_id, AuditEntry.couple_id.in_(couple_ids),
            AuditEntry.action == VISIT_ACTION).group_by(AuditEntry.couple_id)).all())
    active = dict(session.execute(select(Conversation.couple_id, func.max(Conversation.last_active_at))
                                  .where(Conversation.couple_id.in_(couple_ids)).group_by(Conversation.couple_id)).all())
    logged = dict(session.execute(select(Event.couple_id, func.max(Event.at))
                                  .where(Event.couple_id.in_(couple_ids)).group_by(Event.couple_id)).all())
    result = []
    for cid in couple_ids:
        visit = clock.as_utc(visits.get(cid))
        crisis = select(func.count()).select_from(Event).where(Event.couple_id == cid, Event.type == CRISIS_ROUTED)
        if visit is not None:
            crisis = crisis.where(Event.at > visit)
        moments = [clock.as_utc(m) for m in (active.get(cid), logged.get(cid)) if m is not None]
        result.append(CoupleSummary(
            cid, tuple(labels_of(session, cid).values()), max(moments) if moments else None,
            pauses.get(cid, 0), questions.get(cid, 0), rules.get(cid, 0), session.scalar(crisis) or 0, visit,
            couples[cid].timezone))
    return result


def couples_for_therapist(therapist_id: int) -> List[CoupleSummary]:
    """The therapist's couples, most recently active first."""
    with session_scope() as session:
        ids = list(session.scalars(select(Couple.id).where(Couple.therapist_id == therapist_id)))
        rows = _summaries(session, therapist_id, ids)
    floor = datetime.min.replace(tzinfo=utcnow().tzinfo)
    return sorted(rows, key=lambda c: (c.crises_since_visit > 0, c.last_activity or floor), reverse=True)


def couple_for_therapist(therapist_id: int, couple_id: int) -> Optional[CoupleSummary]:
    """One couple, only when it belongs to this therapist (None otherwise, so callers answer 404)."""
    with session_scope() as session:
        couple = session.get(Couple, couple_id)
        if couple is None or couple.therapist_id != therapist_id:
            return None
        return _summaries(session, therapist_id, [couple_id])[0]
