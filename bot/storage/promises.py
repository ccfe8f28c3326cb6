"""Promises kept: small concrete commitments, marked privately by the other partner.

The partner who made a promise cannot mark it; the other partner marks it ``kept``, ``not_kept`` or
``not_sure`` whenever they like, at most once per promise and local day (a second tap that day
replaces the first, so a double tap counts once). Once a week each partner gets a summary in
words (``plan_promise_summaries`` plans it once per partner and local week through the reminder
table, kind ``promise_summary``); what it says covers the seven days before its planned time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot import clock, content
from bot.storage.checkin_plan import private_chat, prompt_language
from bot.storage.db import session_scope
from bot.storage.local_zone import local_zone
from bot.storage.models import CheckinPartner, Partner, Promise, PromiseMark, Reminder, RitualDelivery, utcnow
from bot.storage.quiet_hours import after_quiet, minutes, window_of

MARKS = ("kept", "not_kept", "not_sure")
SUMMARY_KIND = "promise_summary"


@dataclass(frozen=True)
class PromiseView:
    """One promise as the product talks about it."""

    id: int
    couple_id: int
    made_by: int
    text: str
    status: str


@dataclass
class PromiseWeek:
    """How one promise was marked in a week: ``counts`` per mark."""

    promise: PromiseView
    counts: Dict[str, int] = field(default_factory=dict)


def _view(row: Promise) -> PromiseView:
    return PromiseView(row.id, row.couple_id, row.made_by, row.text, row.status)


def _settings() -> dict:
    return content.load("rituals")["promises"]


def add_promise(couple_id: int, partner_id: int, text: str) -> PromiseView:
    """Record a promise in its maker's words (cut to the longest allowed)."""
    words = " ".join((text or "").split())[: int(_settings()["longest"])]
    if len(words) < int(_settings()["shortest"]):
        raise ValueError("a promise needs a few words")
    with session_scope() as session:
        same = session.scalar(select(Promise).where(Promise.couple_id == couple_id, Promise.status == "active",
                                                    func.lower(Promise.text) == words.lower()))
        if same is not None:
            return _view(same)  # said twice (a double tap): kept once
        row = Promise(couple_id=couple_id, made_by=partner_id, text=words, status="active", created_at=utcnow())
        session.add(row)
        session.flush()
        return _view(row)


def promises_of(couple_id: int, *, active_only: bool = True) -> List[PromiseView]:
    """The couple's promises, oldest first."""
    with session_scope() as session:
        query = select(Promise).where(Promise.couple_id == couple_id)
        if active_only:
            query = query.where(Promise.status == "active")
        return [_view(p) for p in session.scalars(query.order_by(Promise.id))]


def promises_to_mark(couple_id: int, partner_id: int) -> List[PromiseView]:
    """The active promises this partner may mark: those the other partner made."""
    return [p for p in promises_of(couple_id) if p.made_by != partner_id]


def retire_promise(couple_id: int, promise_id: int) -> bool:
    """Take a promise off the list (its marks stay for the weeks they belong to)."""
    with session_scope() as session:
        row = session.get(Promise, promise_id)
        if row is None or row.couple_id != couple_id or row.status != "active":
            return False
        row.status, row.retired_at = "retired", utcnow()
        return True


def mark_promise(couple_id: int, partner_id: int, promise_id: int, mark: str, *,
                 now: Optional[datetime] = None) -> str:
    """Mark a promise for the marker's local today; returns ``marked``, ``own`` or ``unknown``."""
    if mark not in MARKS:
        raise ValueError(f"a mark is one of {MARKS}")
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = session.get(Promise, promise_id)
        if row is None or row.couple_id != couple_id or row.status != "active":
            return "unknown"
        if row.made_by == partner_id:
            return "own"
        side = session.get(CheckinPartner, partner_id)
        today = now.astimezone(local_zone(side.timezone if side else None)).date().isoformat()
        existing = session.scalar(select(PromiseMark).where(PromiseMark.promise_id == promise_id,
                                                            PromiseMark.marked_by == partner_id,
                                                            PromiseMark.local_date == today))
        if existing is not None:
            existing.mark, existing.at = mark, now
            return "marked"
        session.add(PromiseMark(promise_id=promise_id, couple_id=couple_id, marked_by=partner_id, mark=mark,
                                local_date=today, at=now))
    return "marked"


def promise_week(couple_id: int, until: datetime) -> List[PromiseWeek]:
    """Every promise that was active in the seven days before ``until``, with its marks then."""
    until = clock.as_utc(until)
    since = until - timedelta(days=7)
    with session_scope() as session:
        rows = session.scalars(select(Promise).where(Promise.couple_id == couple_id, Promise.created_at <= until)
                               .order_by(Promise.id)).all()
        weeks = []
        for row in rows:
            if row.status == "retired" and row.retired_at is not None and clock.as_utc(row.retired_at) <= since:
                continue
            counts = dict(session.execute(select(PromiseMark.mark, func.count(PromiseMark.id)).where(
                PromiseMark.promise_id == row.id, PromiseMark.at > since, PromiseMark.at <= until)
                .group_by(PromiseMark.mark)).all())
            weeks.append(PromiseWeek(_view(row), {m: int(counts.get(m, 0)) for m in MARKS}))
        return weeks


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def plan_promise_summaries(*, couple_id: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Plan each partner's next weekly summary (couples with at least one promise); returns how many."""
    now = clock.as_utc(now or utcnow())
    settings = _settings()
    weekday, at = int(settings["summary_weekday"]), minutes(settings["summary_time"])
    work = []
    with session_scope() as session:
        query = select(Promise.couple_id).distinct()
        if couple_id is not None:
            query = query.where(Promise.couple_id == couple_id)
        for couple in session.scalars(query).all():
            for partner in session.scalars(select(Partner).where(Partner.couple_id == couple)).all():
                side = session.get(CheckinPartner, partner.id)
                chat = private_chat(session, couple, partner, side)
                if chat is None:
                    continue
                zone = local_zone(side.timezone if side else None)
                local_today = now.astimezone(zone).date()
                for weeks_ahead in (0, 1):
                    start = _week_start(local_today) + timedelta(weeks=weeks_ahead)
                    day = start + timedelta(days=weekday)
                    moment = datetime.combine(day, time(at // 60, at % 60), tzinfo=zone)
                    moment = after_quiet(moment.astimezone(ZoneInfo("UTC")).astimezone(zone), zone, window_of(side))
                    if moment <= now - timedelta(hours=1):
                        continue
                    planned = session.scalar(select(RitualDelivery.id).where(
                        RitualDelivery.partner_id == partner.id, RitualDelivery.kind == SUMMARY_KIND,
                        RitualDelivery.week == start.isoformat()))
                    if planned is None:
                        work.append((couple, partner.id, chat, zone.key, start, moment,
                                     prompt_language(session, couple, partner)))
                    break
    planned_now = 0
    for couple, partner_id, chat, zone_name, start, moment, language in work:
        try:
            with session_scope() as session:
                due = moment.astimezone(ZoneInfo("UTC"))
                reminder = Reminder(couple_id=couple, conversation_id=chat, kind=SUMMARY_KIND, due_at=due,
                                    details={"partner_id": partner_id, "week": start.isoformat(),
                                             "timezone": zone_name, "until": due.isoformat(), "language": language})
                session.add(reminder)
                session.flush()
                session.add(RitualDelivery(couple_id=couple, partner_id=partner_id, kind=SUMMARY_KIND,
                                           week=start.isoformat(), due_at=due, reminder_id=reminder.id,
                                           status="planned"))
            planned_now += 1
        except IntegrityError:
            pass  # another gateway planned it a moment ago
    return planned_now


def summary_until(details: Optional[dict], fallback: Optional[datetime] = None) -> Optional[datetime]:
    """The end of the week a summary reminder covers: its planned time, even when it went out later."""
    try:
        return clock.as_utc(datetime.fromisoformat(str((details or {})["until"])))
    except (KeyError, ValueError, TypeError):
        return clock.as_utc(fallback)


def latest_summary_until(conversation_id: str) -> Optional[datetime]:
    """The week's end of the newest summary on its way to (or sent to) this chat."""
    with session_scope() as session:
        row = session.scalar(select(Reminder).where(
            Reminder.conversation_id == conversation_id, Reminder.kind == SUMMARY_KIND,
            Reminder.status.in_(("claimed", "sent"))).order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(1))
        return summary_until(row.details, row.due_at) if row is not None else None


def ritual_deliveries_of(couple_id: int) -> List[dict]:
    """Every weekly delivery of a couple (for tests and the therapist's view)."""
    with session_scope() as session:
        rows = session.execute(select(RitualDelivery, Reminder.status).outerjoin(
            Reminder, Reminder.id == RitualDelivery.reminder_id).where(RitualDelivery.couple_id == couple_id)
            .order_by(RitualDelivery.due_at, RitualDelivery.partner_id)).all()
        return [{"partner_id": d.partner_id, "kind": d.kind, "week": d.week, "due_at": clock.as_utc(d.due_at),
                 "status": reminder_status or d.status, "reminder_id": d.reminder_id} for d, reminder_status in rows]
