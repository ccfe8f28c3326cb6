"""Rituals of connection: the daily check-in, promises and their marks, weekly deliveries,
the weekly "state of us" talk, money dates."""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, UniqueConstraint

from bot.storage.models.base import Base, UTCDateTime, utcnow


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
