"""A check-in that came at a bad moment: "snooze" asks again a little later, the same day.

The prompt keeps its day and first time (so a mood tapped later still counts for it); a new
reminder of kind ``checkin`` is planned for the later moment, outside the partner's quiet hours,
and claimed once like any other. At most a few snoozes a day (``content/rituals.yml``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import clock, content
from bot.storage.checkin_plan import CHECKIN_KIND
from bot.storage.db import session_scope
from bot.storage.local_zone import local_zone
from bot.storage.models import CheckinPartner, CheckinPrompt, Reminder, utcnow
from bot.storage.quiet_hours import after_quiet, window_of


@dataclass(frozen=True)
class Snoozed:
    """What became of a snooze: ``status`` is snoozed, too_many or nothing_open."""

    status: str
    due_at: Optional[datetime] = None
    timezone: Optional[str] = None


def _settings() -> dict:
    return content.load("rituals")["checkin"]


def _open_prompt(session, partner_id: int, now: datetime) -> Optional[CheckinPrompt]:
    """The partner's prompt already sent (or on its way) today and not answered yet."""
    hours = int(_settings()["open_hours"])
    prompt = session.scalar(select(CheckinPrompt).where(
        CheckinPrompt.partner_id == partner_id, CheckinPrompt.status == "planned",
        CheckinPrompt.due_at <= now, CheckinPrompt.due_at > now - timedelta(hours=hours))
        .order_by(CheckinPrompt.due_at.desc()).limit(1))
    return prompt


def open_checkin_kind(partner_id: int, *, now: Optional[datetime] = None) -> Optional[str]:
    """``daily`` or ``appreciation`` for the prompt this partner is answering now, else None."""
    now = now or utcnow()
    with session_scope() as session:
        prompt = session.scalar(select(CheckinPrompt).where(
            CheckinPrompt.partner_id == partner_id, CheckinPrompt.status.in_(("planned", "answered")),
            CheckinPrompt.due_at <= now + timedelta(minutes=1), CheckinPrompt.due_at > now - timedelta(hours=24))
            .order_by(CheckinPrompt.due_at.desc()).limit(1))
        return prompt.kind if prompt is not None else None


def snooze_checkin(partner_id: int, delay: Optional[timedelta] = None, *,
                   now: Optional[datetime] = None) -> Snoozed:
    """Ask this partner again after ``delay`` (the default snooze when None, capped at the longest)."""
    now = clock.as_utc(now or utcnow())
    settings = _settings()
    longest = timedelta(minutes=int(settings["longest_snooze_minutes"]))
    delay = min(max(delay or timedelta(minutes=int(settings["snooze_minutes"])), timedelta(minutes=5)), longest)
    with session_scope() as session:
        prompt = _open_prompt(session, partner_id, now)
        if prompt is None:
            return Snoozed("nothing_open")
        if prompt.snoozes >= int(settings["snoozes_a_day"]):
            return Snoozed("too_many")
        side = session.get(CheckinPartner, partner_id)
        zone = local_zone(side.timezone if side else None)
        due = after_quiet(now + delay, zone, window_of(side)).astimezone(ZoneInfo("UTC"))
        previous = session.get(Reminder, prompt.reminder_id) if prompt.reminder_id else None
        if previous is not None and previous.status == "pending":
            previous.status = "cancelled"  # a second snooze replaces the first
        chat = previous.conversation_id if previous is not None else (side.conversation_id if side else None)
        if chat is None:
            return Snoozed("nothing_open")
        reminder = Reminder(couple_id=prompt.couple_id, conversation_id=chat, kind=CHECKIN_KIND, due_at=due,
                            details={"partner_id": partner_id, "local_date": prompt.local_date,
                                     "timezone": zone.key, "variant": prompt.kind, "snoozed": True})
        session.add(reminder)
        session.flush()
        prompt.reminder_id, prompt.snoozes = reminder.id, prompt.snoozes + 1
        return Snoozed("snoozed", due, zone.key)
