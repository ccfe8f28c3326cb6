"""A couple's ground rules, their pauses, the reminders the gateway delivers, and the event log."""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.storage.models.base import Base, UTCDateTime, utcnow


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
