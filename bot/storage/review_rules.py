"""The ground rules as the couple's therapist sees them: every version, words nobody shared hidden."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from bot import clock
from bot.storage.db import session_scope
from bot.storage.practice import PartnerLabel, labels_of
from bot.storage.rules import rules_history


@dataclass(frozen=True)
class RuleVersionView:
    """One version of the ground rules as the therapist sees it."""

    version: int
    status: str  # proposed | confirmed | superseded
    rules: Dict[str, str]
    proposed_by: Optional[PartnerLabel]
    proposed_at: datetime
    confirmed_by: Tuple[PartnerLabel, ...]
    confirmed_at: Optional[datetime]
    withheld: bool  # a proposal only a non-sharing partner stands behind


def rules_for_review(couple_id: int) -> List[RuleVersionView]:
    """Every version of the couple's rules, newest first; words nobody shared stay hidden.

    A version both partners confirmed is a joint agreement and is shown; a
    proposal is hidden unless someone behind it shares.
    """
    with session_scope() as session:
        labels = labels_of(session, couple_id)
    views = []
    for rs in rules_history(couple_id):
        backers = [labels[p] for p in (rs.proposed_by, *rs.confirmed_by) if p in labels]
        withheld = rs.confirmed_at is None and not any(p.consent_share for p in backers)
        views.append(RuleVersionView(rs.version, rs.status, {} if withheld else dict(rs.rules),
                                     labels.get(rs.proposed_by), clock.as_utc(rs.proposed_at),
                                     tuple(labels[p] for p in rs.confirmed_by if p in labels),
                                     clock.as_utc(rs.confirmed_at), withheld))
    return views
