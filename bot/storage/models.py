"""SQLAlchemy tables for Kintsugi's own data (Rasa's tracker store has its own).

The schema itself is created by Alembic (``bot/storage/migrations``); these
classes are the single description both the migration and the code use.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot import clock

Base = declarative_base()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """The one datetime column type: written in UTC, always read back timezone-aware UTC.

    SQLite keeps no zone and compares datetimes as text, so every value is turned to UTC on
    the way in (queries too: ``Event.at >= since`` binds ``since`` through this type).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        return clock.as_utc(value)

    def process_result_value(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        return clock.as_utc(value)


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


class Couple(Base):
    __tablename__ = "couples"
    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="SET NULL"), nullable=True)
    practice_code = Column(String(32), nullable=True)
    country = Column(String(8), nullable=True)
    timezone = Column(String(64), nullable=True)
    partners = relationship("Partner", back_populates="couple")


class Partner(Base):
    __tablename__ = "partners"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    # e.g. "tg:12345" for a Telegram user, "web:<session>:A" for a widget partner
    external_id = Column(String(200), nullable=False, unique=True)
    display_name = Column(String(200), nullable=True)
    channel = Column(String(32), nullable=False, default="rest")
    language = Column(String(16), nullable=True)
    timezone = Column(String(64), nullable=True)  # their own IANA zone (None: the couple's)
    consent_store = Column(Boolean, nullable=False, default=True)
    consent_share = Column(Boolean, nullable=False, default=False)
    consent_changed_at = Column(UTCDateTime(), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    couple = relationship("Couple", back_populates="partners")


class Conversation(Base):
    """One chat: a Telegram private chat or group, a widget session, a REST sender."""

    __tablename__ = "conversations"
    id = Column(String(255), primary_key=True)  # Rasa sender id, e.g. "tg-12345"
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="rest")
    chat_type = Column(String(32), nullable=False, default="private")
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_active_at = Column(UTCDateTime(), nullable=True)


class RuleVersion(Base):
    """One version of a couple's ground rules; a new version for every change."""

    __tablename__ = "rule_versions"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False)
    version = Column(Integer, nullable=False)
    rules = Column(JSON, nullable=False)
    proposed_by = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    proposed_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    status = Column(String(16), nullable=False, default="proposed")  # proposed|confirmed|superseded
    confirmed_at = Column(UTCDateTime(), nullable=True)
    confirmations = relationship("RuleConfirmation", cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("couple_id", "version"),)


class RuleConfirmation(Base):
    __tablename__ = "rule_confirmations"
    id = Column(Integer, primary_key=True)
    rule_version_id = Column(Integer, ForeignKey("rule_versions.id", ondelete="CASCADE"), nullable=False)
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    confirmed_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    __table_args__ = (UniqueConstraint("rule_version_id", "partner_id"),)


class Pause(Base):
    __tablename__ = "pauses"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=False)
    called_by = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    started_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    resume_at = Column(UTCDateTime(), nullable=False)
    resume_text = Column(String(200), nullable=True)  # what the user said, e.g. "at 8pm"
    status = Column(String(16), nullable=False, default="active")  # active|resumed|cancelled


class Reminder(Base):
    """A message to deliver to a conversation at a time; claimed by one gateway."""

    __tablename__ = "reminders"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False)
    conversation_id = Column(String(255), nullable=False)
    pause_id = Column(Integer, ForeignKey("pauses.id", ondelete="CASCADE"), nullable=True)
    kind = Column(String(32), nullable=False, default="resume")  # resume|question
    due_at = Column(UTCDateTime(), nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending|claimed|sent|cancelled|failed
    claimed_by = Column(String(100), nullable=True)
    claimed_at = Column(UTCDateTime(), nullable=True)
    sent_at = Column(UTCDateTime(), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    details = Column(JSON, nullable=True)
    __table_args__ = (Index("ix_reminders_due", "status", "due_at"),)


class Event(Base):
    """The structured log of what happened: flooding, pauses, questions, rules, crises."""

    __tablename__ = "event_log"  # "events" is Rasa's tracker table
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=True, index=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    type = Column(String(64), nullable=False)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    details = Column(JSON, nullable=True)


class LinkCode(Base):
    """A short code that joins a second private chat to a couple."""

    __tablename__ = "link_codes"
    code = Column(String(16), primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False)
    created_by = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime(), nullable=False)
    used_at = Column(UTCDateTime(), nullable=True)


class ProcessedUpdate(Base):
    """Channel updates already handled, so a replayed update is handled once."""

    __tablename__ = "processed_updates"
    key = Column(String(200), primary_key=True)  # e.g. "tg:<bot id>:<update_id>"
    at = Column(UTCDateTime(), nullable=False, default=utcnow)


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


class DailyCheckin(Base):
    """A couple's daily check-in: the local time of day and the weekdays (one per couple)."""

    __tablename__ = "daily_checkins"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, unique=True)
    hour = Column(Integer, nullable=False)
    minute = Column(Integer, nullable=False, default=0)
    weekdays = Column(String(7), nullable=False, default="0123456")  # Monday is 0
    said = Column(String(200), nullable=True)  # the words it was set up with
    status = Column(String(16), nullable=False, default="active")  # active|stopped
    set_by = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    changed_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class CheckinPartner(Base):
    """One partner's side of the check-in: where their private prompt goes, their zone, what they share."""

    __tablename__ = "checkin_partners"
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=True)  # their private chat
    timezone = Column(String(64), nullable=True)
    share = Column(String(16), nullable=False, default="nothing")  # nothing|mood|note|both
    quiet_start = Column(Integer, nullable=True)  # quiet hours: minutes after local midnight (None: none)
    quiet_end = Column(Integer, nullable=True)


class CheckinPrompt(Base):
    """One partner's check-in on one local date: planned once, answered privately."""

    __tablename__ = "checkin_prompts"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    local_date = Column(String(10), nullable=False)  # YYYY-MM-DD in the partner's zone
    due_at = Column(UTCDateTime(), nullable=False)
    reminder_id = Column(Integer, ForeignKey("reminders.id", ondelete="SET NULL"), nullable=True)
    status = Column(String(16), nullable=False, default="planned")  # planned|skipped|answered
    mood = Column(Integer, nullable=True)  # 1 (heavy) .. 5 (good)
    note = Column(String(500), nullable=True)
    answered_at = Column(UTCDateTime(), nullable=True)
    kind = Column(String(16), nullable=False, default="daily", server_default="daily")  # daily|appreciation
    snoozes = Column(Integer, nullable=False, default=0, server_default="0")
    __table_args__ = (UniqueConstraint("partner_id", "local_date"),)


class Promise(Base):
    """A small concrete commitment one partner made; the other partner marks how it went."""

    __tablename__ = "promises"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    made_by = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    text = Column(String(300), nullable=False)
    status = Column(String(16), nullable=False, default="active")  # active|retired
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    retired_at = Column(UTCDateTime(), nullable=True)


class PromiseMark(Base):
    """One partner's private mark of a promise on one of their local days (the latest tap counts)."""

    __tablename__ = "promise_marks"
    id = Column(Integer, primary_key=True)
    promise_id = Column(Integer, ForeignKey("promises.id", ondelete="CASCADE"), nullable=False)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    marked_by = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    mark = Column(String(16), nullable=False)  # kept|not_kept|not_sure
    local_date = Column(String(10), nullable=False)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    __table_args__ = (UniqueConstraint("promise_id", "marked_by", "local_date"),)


class RitualDelivery(Base):
    """A weekly ritual message for one partner (e.g. the promises summary), planned once per week."""

    __tablename__ = "ritual_deliveries"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(32), nullable=False)  # promise_summary
    week = Column(String(10), nullable=False)  # the Monday of the partner's local week, YYYY-MM-DD
    due_at = Column(UTCDateTime(), nullable=False)
    reminder_id = Column(Integer, ForeignKey("reminders.id", ondelete="SET NULL"), nullable=True)
    status = Column(String(16), nullable=False, default="planned")  # planned|sent|skipped
    __table_args__ = (UniqueConstraint("partner_id", "kind", "week"),)


class PrivateNote(Base):
    """What one partner keeps only for themselves (yes/no/maybe list, reflection), sealed.

    ``sealed`` is ciphertext (``bot.sealed``): the database never holds the answers in plain text.
    Deleted with the partner (``/forget``), and by the partner at any time.
    """

    __tablename__ = "private_notes"
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    kind = Column(String(32), primary_key=True)  # closeness | reflection
    sealed = Column(Text, nullable=False)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class WeeklyTalk(Base):
    """A couple's agreed weekly slot for the "state of us" talk, in one zone, opened in one chat."""

    __tablename__ = "weekly_talks"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, unique=True)
    weekday = Column(Integer, nullable=False)  # Monday is 0
    hour = Column(Integer, nullable=False)
    minute = Column(Integer, nullable=False, default=0)
    timezone = Column(String(64), nullable=True)
    conversation_id = Column(String(255), nullable=False)  # the couple's chat (their group when they have one)
    status = Column(String(16), nullable=False, default="active")  # active|stopped
    set_by = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    changed_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class TalkSession(Base):
    """One "state of us" talk: two timed turns, then one small action both agree on."""

    __tablename__ = "talk_sessions"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=False)
    status = Column(String(16), nullable=False, default="open")  # open|closed|interrupted
    started_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    ended_at = Column(UTCDateTime(), nullable=True)
    action = Column(String(300), nullable=True)
    action_by = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)


class MoneyDate(Base):
    """A couple's optional monthly money date: the nth weekday of each month, and their own checklist."""

    __tablename__ = "money_dates"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, unique=True)
    nth = Column(Integer, nullable=False, default=1)  # 1..4, or -1 for the last one of the month
    weekday = Column(Integer, nullable=False)  # Monday is 0
    hour = Column(Integer, nullable=False)
    minute = Column(Integer, nullable=False, default=0)
    timezone = Column(String(64), nullable=True)
    conversation_id = Column(String(255), nullable=False)
    checklist = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default="active")  # active|stopped
    changed_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class DisclosureSeen(Base):
    """What the AI disclosure's triggers need about one conversation (``bot/disclosure.py``): times, no words.

    ``version`` grows with each change, so two rasa replicas deciding at once cannot both show the line.
    """

    __tablename__ = "disclosure_seen"
    conversation_id = Column(String(255), primary_key=True)  # the rasa sender id ("tg-12345", a widget session)
    last_seen_at = Column(UTCDateTime(), nullable=False)
    disclosed_at = Column(UTCDateTime(), nullable=True)
    run_started_at = Column(UTCDateTime(), nullable=False)  # when the current continuous conversation began
    language = Column(String(8), nullable=True)  # the last language the conversation clearly showed
    version = Column(Integer, nullable=False, default=1)
