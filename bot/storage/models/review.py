"""The therapist's side: therapists, practice codes, the audit log, review-app sign-ins,
sign-in throttling, one-time password links."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String

from bot.storage.models.base import Base, UTCDateTime, utcnow


class Therapist(Base):
    __tablename__ = "therapists"
    id = Column(Integer, primary_key=True)
    email = Column(String(320), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=True)
    display_name = Column(String(200), nullable=True)
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime(), nullable=True)
    timezone = Column(String(64), nullable=True)  # where the review app shows times (None: the couple's)
    locale = Column(String(16), nullable=True)  # how it writes dates ("en_GB", "de"; None: the browser's)


class PracticeCode(Base):
    __tablename__ = "practice_codes"
    code = Column(String(32), primary_key=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="CASCADE"), nullable=False)
    label = Column(String(200), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    revoked_at = Column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """Who looked at which couple's data, and when."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="SET NULL"), nullable=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=True, index=True)
    action = Column(String(64), nullable=False)  # view_list|view_conversation|export|login|...
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    details = Column(JSON, nullable=True)
    ip = Column(String(64), nullable=True)


class TherapistSession(Base):
    """A signed-in browser of the review app; the cookie holds the token, we keep its hash."""

    __tablename__ = "therapist_sessions"
    token_hash = Column(String(64), primary_key=True)  # sha256 hex of the cookie value
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime(), nullable=False)
    ip = Column(String(64), nullable=True)


class LoginThrottle(Base):
    """Failed sign-ins per email or address, for slowing down and then locking."""

    __tablename__ = "login_throttle"
    key = Column(String(400), primary_key=True)  # "email:<lower email>" or "ip:<address>"
    failures = Column(Integer, nullable=False, default=0)
    first_failure_at = Column(UTCDateTime(), nullable=True)
    last_failure_at = Column(UTCDateTime(), nullable=True)
    locked_until = Column(UTCDateTime(), nullable=True)


class PasswordToken(Base):
    """A one-time link that lets a therapist choose a password."""

    __tablename__ = "password_tokens"
    token_hash = Column(String(64), primary_key=True)
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="CASCADE"), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime(), nullable=False)
    used_at = Column(UTCDateTime(), nullable=True)
