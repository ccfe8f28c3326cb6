"""Therapist accounts: creating them, their place and locale, passwords (Argon2id), set-password links.

Signing in (throttled, then locked) is in ``bot.storage.sign_in``.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import PasswordToken, Therapist, TherapistSession, utcnow

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing a megabyte on every try would be a cheap denial of service
PASSWORD_LINK_TTL = timedelta(hours=48)


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


def therapist_view(t: Therapist) -> TherapistView:
    """An account as the product shows it."""
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
            return therapist_view(therapist)
    except IntegrityError as exc:
        raise ValueError("A therapist with that email already exists.") from exc


def therapist_by_email(email: str) -> Optional[TherapistView]:
    """The account for ``email``, or None."""
    with session_scope() as session:
        t = session.scalar(select(Therapist).where(Therapist.email == normalize_email(email)))
        return therapist_view(t) if t else None


def list_therapists() -> List[TherapistView]:
    """Every account, oldest first."""
    with session_scope() as session:
        return [therapist_view(t) for t in session.scalars(select(Therapist).order_by(Therapist.id))]


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
        return therapist_view(t) if t is not None and not t.disabled else None


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
        return therapist_view(t)
