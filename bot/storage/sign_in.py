"""Signing a therapist in: Argon2id checks that slow down after a few failures, then lock for a while.

Throttled per email and (more leniently) per address; unknown emails are throttled the same way
and cost the same time, so the answer never tells whether an account exists. The hasher is
looked up on ``bot.storage.therapists`` at each call, so a test can swap in cheap hashing there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

from sqlalchemy import delete, select

from bot import clock
from bot.storage import therapists
from bot.storage.db import session_scope
from bot.storage.models import LoginThrottle, Therapist, utcnow


@dataclass(frozen=True)
class LoginPolicy:
    """How quickly repeated failures slow down and then lock signing in."""

    free_failures: int = 3
    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(seconds=60)
    lock_after: int = 10
    lock_for: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(hours=1)
    ip_factor: int = 5  # one office network may hold several therapists

    def delay(self, failures: int) -> timedelta:
        """The wait before the next try after ``failures`` failures in a row."""
        if failures < self.free_failures:
            return timedelta(0)
        return min(self.base_delay * (2 ** (failures - self.free_failures)), self.max_delay)


DEFAULT_POLICY = LoginPolicy()


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in attempt came to: ``ok``, ``wrong``, ``wait`` or ``locked``."""

    status: str
    therapist: Optional[therapists.TherapistView] = None
    retry_after: int = 0  # seconds

    @property
    def ok(self) -> bool:
        """True when the therapist is signed in."""
        return self.status == "ok"


def _throttle_keys(email: str, ip: Optional[str], policy: LoginPolicy) -> List[Tuple[str, int]]:
    """Throttle keys with their leniency: an email counts every failure, an address fewer."""
    keys = [(f"email:{email}"[:400], 1)]
    if ip:
        keys.append((f"ip:{ip}"[:400], policy.ip_factor))
    return keys


def _blocked(row: Optional[LoginThrottle], now: datetime, policy: LoginPolicy, factor: int) -> Optional[LoginResult]:
    if row is None or not row.failures:
        return None
    locked = clock.as_utc(row.locked_until)
    if locked and locked > now:
        return LoginResult("locked", retry_after=int((locked - now).total_seconds()) + 1)
    if clock.as_utc(row.first_failure_at) and clock.as_utc(row.first_failure_at) < now - policy.window:
        return None
    due = clock.as_utc(row.last_failure_at) + policy.delay(row.failures // factor)
    if due > now:
        return LoginResult("wait", retry_after=max(int((due - now).total_seconds() + 0.999), 1))
    return None


def _record_failure(session, key: str, now: datetime, policy: LoginPolicy, factor: int) -> Optional[datetime]:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    stale = row.first_failure_at is None or clock.as_utc(row.first_failure_at) < now - policy.window
    if stale and not (clock.as_utc(row.locked_until) and clock.as_utc(row.locked_until) > now):
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    row.last_failure_at = now
    # Only an email locks: locking an address would let one person lock out a whole office.
    if factor == 1 and row.failures >= policy.lock_after:
        row.locked_until = now + policy.lock_for
    return clock.as_utc(row.locked_until)


def verify_login(email: str, password: str, *, ip: Optional[str] = None, now: Optional[datetime] = None,
                 policy: LoginPolicy = DEFAULT_POLICY) -> LoginResult:
    """Check a sign-in; slows down after ``free_failures`` and locks after ``lock_after`` failures."""
    now = now or utcnow()
    email = therapists.normalize_email(email)[:320]
    keys = _throttle_keys(email, ip, policy)
    with session_scope() as session:
        for key, factor in keys:
            blocked = _blocked(session.get(LoginThrottle, key), now, policy, factor)
            if blocked is not None:
                return blocked
        t = session.scalar(select(Therapist).where(Therapist.email == email))
        stored = t.password_hash if t is not None and not t.disabled and t.password_hash else None
        therapist_id = t.id if stored else None
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = therapists._hasher()
    good = False
    try:
        good = hasher.verify(stored or therapists._dummy_hash(), (password or "")[:therapists.MAX_PASSWORD]) and stored is not None
    except (VerificationError, InvalidHashError):
        good = False
    with session_scope() as session:
        if not good:
            locks = [_record_failure(session, key, now, policy, factor) for key, factor in keys]
            locked = [lock for lock in locks if lock and lock > now]
            if locked:
                return LoginResult("locked", retry_after=int((max(locked) - now).total_seconds()) + 1)
            return LoginResult("wrong")
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
        t = session.get(Therapist, therapist_id)
        if hasher.check_needs_rehash(stored):
            t.password_hash = hasher.hash(password)
        t.last_seen_at = now
        return LoginResult("ok", therapist=therapists.therapist_view(t))
