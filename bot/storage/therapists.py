"""Therapist accounts: creating them, passwords (Argon2id), set-password links and signing in.

Signing in slows down after a few failures and then locks for a while, per
email and (more leniently) per address; unknown emails are throttled the same
way and cost the same time, so the answer never tells whether an account exists.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import LoginThrottle, PasswordToken, Therapist, TherapistSession, utcnow

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing a megabyte on every try would be a cheap denial of service
PASSWORD_LINK_TTL = timedelta(hours=48)


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
class TherapistView:
    """A therapist account as the product shows it (never the hash)."""

    id: int
    email: str
    display_name: Optional[str]
    disabled: bool
    has_password: bool
    created_at: datetime
    last_seen_at: Optional[datetime]

    @property
    def name(self) -> str:
        """The name to show: the display name, or the email."""
        return self.display_name or self.email


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in attempt came to: ``ok``, ``wrong``, ``wait`` or ``locked``."""

    status: str
    therapist: Optional[TherapistView] = None
    retry_after: int = 0  # seconds

    @property
    def ok(self) -> bool:
        """True when the therapist is signed in."""
        return self.status == "ok"


@lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))




def token_hash(token: str) -> str:
    """The stored form of a secret token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalize_email(email: str) -> str:
    """Emails compare without case or surrounding spaces."""
    return (email or "").strip().lower()


def _view(t: Therapist) -> TherapistView:
    return TherapistView(t.id, t.email, t.display_name, bool(t.disabled), bool(t.password_hash),
                         clock.as_utc(t.created_at), clock.as_utc(t.last_seen_at))


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"Please choose a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise ValueError("That password is too long.")


def check_place(timezone_name: Optional[str] = None, locale: Optional[str] = None) -> None:
    """Raise ValueError with a readable reason when a time zone or locale is not one we know."""
    if timezone_name:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(timezone_name)
        except Exception as exc:  # noqa: BLE001 - any failure means "not a zone"
            raise ValueError(f"{timezone_name} is not a time zone I know (try Europe/London).") from exc
    if locale:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(locale.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError(f"{locale} is not a locale I know (try en_GB or de).") from exc


def set_place(therapist_id: int, *, timezone_name: Optional[str] = None, locale: Optional[str] = None) -> None:
    """Where a therapist reads times (IANA zone) and how dates are written for them (locale)."""
    check_place(timezone_name, locale)
    with session_scope() as session:
        therapist = session.get(Therapist, therapist_id)
        if therapist is None:
            raise LookupError(f"no therapist {therapist_id}")
        if timezone_name is not None:
            therapist.timezone = timezone_name or None
        if locale is not None:
            therapist.locale = locale.replace("-", "_") or None


def create_therapist(email: str, password: Optional[str] = None, display_name: Optional[str] = None,
                     *, timezone_name: Optional[str] = None, locale: Optional[str] = None) -> TherapistView:
    """A new account; without a password it waits for a set-password link."""
    check_place(timezone_name, locale)
    email = normalize_email(email)
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise ValueError("That does not look like an email address.")
    hashed = None
    if password is not None:
        _check_password(password)
        hashed = _hasher().hash(password)
    try:
        with session_scope() as session:
            therapist = Therapist(email=email, password_hash=hashed,
                                  display_name=(display_name or "").strip()[:200] or None, disabled=False,
                                  timezone=timezone_name or None,
                                  locale=locale.replace("-", "_") if locale else None)
            session.add(therapist)
            session.flush()
            return _view(therapist)
    except IntegrityError as exc:
        raise ValueError("A therapist with that email already exists.") from exc


def therapist_by_email(email: str) -> Optional[TherapistView]:
    """The account for ``email``, or None."""
    with session_scope() as session:
        t = session.scalar(select(Therapist).where(Therapist.email == normalize_email(email)))
        return _view(t) if t else None


def list_therapists() -> List[TherapistView]:
    """Every account, oldest first."""
    with session_scope() as session:
        return [_view(t) for t in session.scalars(select(Therapist).order_by(Therapist.id))]


def set_disabled(email: str, disabled: bool = True) -> bool:
    """Disable (or enable again) an account; disabling signs it out everywhere."""
    with session_scope() as session:
        t = session.scalar(select(Therapist).where(Therapist.email == normalize_email(email)))
        if t is None:
            return False
        t.disabled = disabled
        if disabled:
            session.execute(delete(TherapistSession).where(TherapistSession.therapist_id == t.id))
        return True


def disable_therapist(email: str) -> bool:
    """Disable an account and end its sessions; False when there is no such account."""
    return set_disabled(email, True)


def set_password(therapist_id: int, password: str) -> None:
    """Store a new password and end every session of the account."""
    _check_password(password)
    hashed = _hasher().hash(password)
    with session_scope() as session:
        t = session.get(Therapist, therapist_id)
        if t is None:
            raise LookupError(f"no therapist {therapist_id}")
        t.password_hash = hashed
        session.execute(delete(TherapistSession).where(TherapistSession.therapist_id == therapist_id))


def issue_password_token(email: str) -> str:
    """A one-time token for the set-password link of ``email``'s account."""
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        t = session.scalar(select(Therapist).where(Therapist.email == normalize_email(email)))
        if t is None:
            raise LookupError("no such therapist")
        session.add(PasswordToken(token_hash=token_hash(token), therapist_id=t.id,
                                  expires_at=utcnow() + PASSWORD_LINK_TTL))
    return token


def therapist_for_password_token(token: str) -> Optional[TherapistView]:
    """The account a set-password token still opens, or None."""
    with session_scope() as session:
        row = session.get(PasswordToken, token_hash(token or ""))
        if row is None or row.used_at is not None or clock.as_utc(row.expires_at) < utcnow():
            return None
        t = session.get(Therapist, row.therapist_id)
        return _view(t) if t is not None and not t.disabled else None


def set_password_with_token(token: str, password: str) -> TherapistView:
    """Use a set-password link once; raises ValueError with a readable reason."""
    _check_password(password)
    hashed = _hasher().hash(password)
    with session_scope() as session:
        row = session.get(PasswordToken, token_hash(token or ""))
        if row is None or row.used_at is not None or clock.as_utc(row.expires_at) < utcnow():
            raise ValueError("This link has expired or was already used. Please ask for a new one.")
        t = session.get(Therapist, row.therapist_id)
        if t is None or t.disabled:
            raise ValueError("This account is not active.")
        row.used_at = utcnow()
        t.password_hash = hashed
        session.execute(delete(TherapistSession).where(TherapistSession.therapist_id == t.id))
        return _view(t)


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
    email = normalize_email(email)[:320]
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

    hasher = _hasher()
    good = False
    try:
        good = hasher.verify(stored or _dummy_hash(), (password or "")[:MAX_PASSWORD]) and stored is not None
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
        return LoginResult("ok", therapist=_view(t))
