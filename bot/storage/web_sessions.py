"""Signed-in browsers of the review app: opening, checking, expiring and ending sessions.

The cookie carries a random token; only its SHA-256 is stored, so a copy of
the database does not let anyone sign in. A session ends after a spell of
inactivity and, whatever happens, after an absolute lifetime.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import Therapist, TherapistSession, utcnow
from bot.storage.therapists import token_hash

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class NewSession:
    """The secrets handed to the browser when a therapist signs in."""

    token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ReviewSession:
    """A live session: who is signed in and the form token for this browser."""

    therapist_id: int
    email: str
    display_name: Optional[str]
    csrf_token: str
    expires_at: datetime
    timezone: Optional[str] = None  # the therapist's own zone and locale for dates and times
    locale: Optional[str] = None

    @property
    def name(self) -> str:
        """The therapist's name to show."""
        return self.display_name or self.email


def open_session(therapist_id: int, *, ip: Optional[str] = None, now: Optional[datetime] = None,
                 idle: timedelta = IDLE_TIMEOUT, lifetime: timedelta = ABSOLUTE_LIFETIME) -> NewSession:
    """Start a session for a therapist who just signed in."""
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + min(idle, lifetime)
    with session_scope() as session:
        # Tidy this therapist's expired sessions so the table does not grow forever.
        session.execute(delete(TherapistSession).where(TherapistSession.therapist_id == therapist_id,
                                                       TherapistSession.expires_at < now))
        session.add(TherapistSession(token_hash=token_hash(token), therapist_id=therapist_id, csrf_token=csrf,
                                     created_at=now, last_seen_at=now, expires_at=expires,
                                     ip=(ip or "")[:64] or None))
    return NewSession(token, csrf, expires)


def session_for(token: Optional[str], *, now: Optional[datetime] = None, idle: timedelta = IDLE_TIMEOUT,
                lifetime: timedelta = ABSOLUTE_LIFETIME, touch: bool = True) -> Optional[ReviewSession]:
    """The live session behind a cookie value, extended by this visit; None when gone."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    with session_scope() as session:
        row = session.get(TherapistSession, token_hash(token))
        if row is None:
            return None
        therapist = session.get(Therapist, row.therapist_id)
        if clock.as_utc(row.expires_at) <= now or therapist is None or therapist.disabled:
            session.delete(row)
            return None
        if touch:
            row.last_seen_at = now
            row.expires_at = min(now + idle, clock.as_utc(row.created_at) + lifetime)
        return ReviewSession(therapist.id, therapist.email, therapist.display_name, row.csrf_token,
                             clock.as_utc(row.expires_at), therapist.timezone, therapist.locale)


def close_session(token: Optional[str]) -> None:
    """Sign this browser out."""
    if not token:
        return
    with session_scope() as session:
        session.execute(delete(TherapistSession).where(TherapistSession.token_hash == token_hash(token)))


def close_all_sessions(therapist_id: int) -> int:
    """Sign a therapist out everywhere; returns how many sessions ended."""
    with session_scope() as session:
        result = session.execute(delete(TherapistSession).where(TherapistSession.therapist_id == therapist_id))
        return result.rowcount or 0


def live_session_count(therapist_id: int, *, now: Optional[datetime] = None) -> int:
    """How many browsers are signed in to this account."""
    now = now or utcnow()
    with session_scope() as session:
        return len(list(session.scalars(select(TherapistSession.token_hash).where(
            TherapistSession.therapist_id == therapist_id, TherapistSession.expires_at > now))))
