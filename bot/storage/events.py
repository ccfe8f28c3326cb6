"""The structured event log: what happened in a conversation, never what was said."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import select

from bot.storage.db import session_scope
from bot.storage.models import Conversation, Event

# One place for every event type the product writes.
FLOODING_REPORTED = "flooding_reported"
PAUSE_SUGGESTED = "pause_suggested"
PAUSE_ACCEPTED = "pause_accepted"
PAUSE_DECLINED = "pause_declined"
RESUME_SCHEDULED = "resume_scheduled"
RESUMED = "resumed"
QUESTION_STARTED = "question_started"
QUESTION_COACHED = "question_coached"
QUESTION_REWORDED = "question_reworded"
QUESTION_KEPT = "question_kept"
QUESTION_SCHEDULED = "question_scheduled"
QUESTION_READY_NOW = "question_ready_now"
RULE_PROPOSED = "rule_proposed"
RULE_CONFIRMED = "rule_confirmed"
RULES_SHOWN = "rules_shown"
CRISIS_ROUTED = "crisis_routed"
SAFETY_CHECK = "safety_check"
SAFETY_RESOLVED = "safety_resolved"
ESCALATION_NOTICED = "escalation_noticed"
FLOW_INTERRUPTED = "flow_interrupted"
APOLOGY_STARTED = "apology_started"
APOLOGY_COACHED = "apology_coached"
APOLOGY_SENT = "apology_sent"
APOLOGY_KEPT = "apology_kept"
EMPATHY_NUDGED = "empathy_nudged"

EVENT_TYPES = frozenset(v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str))


@dataclass(frozen=True)
class EventView:
    """One logged event as the product shows it."""

    id: int
    couple_id: Optional[int]
    conversation_id: str
    partner_id: Optional[int]
    type: str
    at: datetime
    details: Dict[str, Any]


def log_event(
    conversation_id: str,
    type: str,
    *,
    partner_id: Optional[int] = None,
    couple_id: Optional[int] = None,
    details: Optional[Dict[str, Any]] = None,
) -> int:
    """Write one event; the couple is looked up from the conversation when not given."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    with session_scope() as session:
        if couple_id is None:
            conversation = session.get(Conversation, conversation_id)
            couple_id = conversation.couple_id if conversation else None
        event = Event(conversation_id=conversation_id[:255], type=type, partner_id=partner_id,
                      couple_id=couple_id, details=details or {})
        session.add(event)
        session.flush()
        return event.id


def events_for(
    *,
    couple_id: Optional[int] = None,
    conversation_id: Optional[str] = None,
    types: Optional[Iterable[str]] = None,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
) -> List[EventView]:
    """Events of a couple or a conversation, oldest first."""
    if couple_id is None and conversation_id is None:
        raise ValueError("give a couple_id or a conversation_id")
    query = select(Event).order_by(Event.at, Event.id)
    if couple_id is not None:
        query = query.where(Event.couple_id == couple_id)
    if conversation_id is not None:
        query = query.where(Event.conversation_id == conversation_id)
    if types:
        query = query.where(Event.type.in_(list(types)))
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at <= until)
    with session_scope() as session:
        return [EventView(e.id, e.couple_id, e.conversation_id, e.partner_id, e.type, e.at, e.details or {})
                for e in session.scalars(query)]
