"""Daily check-ins: the couple's time of day and weekdays, moving, skipping today, stopping, quiet hours.

The couple agrees one local time of day and weekdays (``set_daily_checkin``). Every
partner then gets a prompt at that time in *their own* zone, in their own private chat,
planned by ``bot.storage.checkin_plan``; their answers and what each shares are in
``bot.storage.checkin_answers``. A change here drops the prompts not sent yet, so they
are planned afresh at the new time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select

from bot.storage.checkin_plan import cancel_planned, partner_side, plan_checkin_prompts
from bot.storage.db import session_scope
from bot.storage.local_zone import local_zone
from bot.storage.models import CheckinPartner, CheckinPrompt, DailyCheckin, Partner, Reminder, utcnow
from bot.storage.quiet_hours import QuietHours


@dataclass(frozen=True)
class CheckinView:
    """A couple's check-in as the product talks about it."""

    couple_id: int
    hour: int
    minute: int
    weekdays: str
    status: str
    said: Optional[str]


def _view(row: DailyCheckin) -> CheckinView:
    return CheckinView(row.couple_id, row.hour, row.minute, row.weekdays, row.status, row.said)


def note_checkin_partner(couple_id: int, partner_id: int, *, conversation_id: Optional[str] = None,
                         private: bool = False, timezone: Optional[str] = None) -> None:
    """Remember where a partner's private prompt goes and which zone they live in."""
    with session_scope() as session:
        side = partner_side(session, couple_id, partner_id)
        if private and conversation_id:
            side.conversation_id = conversation_id[:255]
        if timezone:
            side.timezone = timezone[:64]


def set_daily_checkin(couple_id: int, partner_id: Optional[int], hour: int, minute: int,
                      weekdays: str = "0123456", said: Optional[str] = None) -> CheckinView:
    """Set up (or move) the couple's daily check-in; prompts not sent yet follow the new time."""
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or not weekdays or set(weekdays) - set("0123456"):
        raise ValueError("a check-in needs a time of day and at least one weekday")
    weekdays = "".join(sorted(set(weekdays)))
    with session_scope() as session:
        row = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id))
        if row is None:
            row = DailyCheckin(couple_id=couple_id, created_at=utcnow())
            session.add(row)
        row.hour, row.minute, row.weekdays, row.status = hour, minute, weekdays, "active"
        row.said, row.set_by, row.changed_at = (said or "")[:200] or None, partner_id, utcnow()
        session.flush()
        cancel_planned(session, couple_id)
        return _view(row)


def daily_checkin(couple_id: int) -> Optional[CheckinView]:
    """The couple's check-in (active or stopped), or None."""
    with session_scope() as session:
        row = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id))
        return _view(row) if row is not None else None


def stop_daily_checkin(couple_id: int) -> bool:
    """Stop the check-ins; False when there were none running."""
    with session_scope() as session:
        row = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id))
        if row is None or row.status != "active":
            return False
        row.status, row.changed_at = "stopped", utcnow()
        cancel_planned(session, couple_id)
        return True


def _today_of(side: Optional[CheckinPartner], now: datetime) -> date:
    return now.astimezone(local_zone(side.timezone if side else None)).date()


def skip_checkin_today(couple_id: int, *, now: Optional[datetime] = None) -> int:
    """No prompt today, for either partner (each partner's own today); returns how many were skipped."""
    now = now or utcnow()
    plan_checkin_prompts(couple_id=couple_id, now=now)
    skipped = 0
    with session_scope() as session:
        row = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id,
                                                        DailyCheckin.status == "active"))
        if row is None:
            return 0
        for partner_id in session.scalars(select(Partner.id).where(Partner.couple_id == couple_id)):
            side = session.get(CheckinPartner, partner_id)
            today = _today_of(side, now).isoformat()
            prompt = session.scalar(select(CheckinPrompt).where(CheckinPrompt.partner_id == partner_id,
                                                                CheckinPrompt.local_date == today))
            if prompt is None:
                session.add(CheckinPrompt(couple_id=couple_id, partner_id=partner_id, local_date=today,
                                          due_at=now, status="skipped"))
                skipped += 1
                continue
            reminder = session.get(Reminder, prompt.reminder_id) if prompt.reminder_id else None
            if prompt.status == "planned" and (reminder is None or reminder.status == "pending"):
                prompt.status = "skipped"
                if reminder is not None:
                    reminder.status = "cancelled"
                skipped += 1
    return skipped


def set_quiet_hours(couple_id: int, partner_id: int, quiet: Optional[QuietHours]) -> Optional[QuietHours]:
    """Keep (or with None, drop) a partner's quiet hours; their prompts not sent yet follow."""
    with session_scope() as session:
        side = partner_side(session, couple_id, partner_id)
        side.quiet_start, side.quiet_end = (quiet.start, quiet.end) if quiet else (None, None)
        cancel_planned(session, couple_id, partner_id)
    plan_checkin_prompts(couple_id=couple_id)
    return quiet
