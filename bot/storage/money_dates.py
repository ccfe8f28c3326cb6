"""Money dates (for financial betrayal): an optional monthly ritual with a short checklist the couple edits.

One per couple: the nth weekday of each month (first..fourth, or the last) at a local time, in the zone
of whoever set it up. ``plan_money_dates`` (from ``plan_rituals``) plans the next one once per month as
reminders of kind ``money_date``, one per person as the weekly talk's (``ritual_chats``: the couple's
group when they have one, else each partner's own chat), each in its reader's language when known
(``chat_languages``; else the first partner's), kept in the reminder's details.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import clock, content
from bot.storage.db import session_scope
from bot.storage.local_zone import local_zone
from bot.storage.models import MoneyDate, Partner, Reminder, RitualDelivery, utcnow
from bot.storage.weekly_talk import (cancel_planned, chat_languages, follow_couple, language_code, ritual_chats,
                                     still_planned)

MONEY_KIND = "money_date"


@dataclass(frozen=True)
class MoneyDateView:
    """A couple's money date."""

    couple_id: int
    nth: int
    weekday: int
    hour: int
    minute: int
    timezone: str
    conversation_id: str
    checklist: Tuple[str, ...]
    status: str


def _words() -> dict:
    return content.load("rituals")["money_date"]


def _view(row: MoneyDate) -> MoneyDateView:
    return MoneyDateView(row.couple_id, row.nth, row.weekday, row.hour, row.minute, row.timezone or "UTC",
                         row.conversation_id, tuple(row.checklist or ()), row.status)


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    """The ``nth`` (1..4, -1 last) ``weekday`` of a month."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    return date(year, month, days[-1] if nth == -1 else days[min(nth, len(days)) - 1])


def set_money_date(couple_id: int, nth: int, weekday: int, hour: int, minute: int, timezone: Optional[str],
                   conversation_id: str) -> MoneyDateView:
    """Agree (or move) the monthly money date; a new one starts with the default checklist."""
    if nth not in (1, 2, 3, 4, -1) or not (0 <= weekday <= 6 and 0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError("a money date needs which weekday of the month and a time")
    with session_scope() as session:
        row = session.scalar(select(MoneyDate).where(MoneyDate.couple_id == couple_id))
        if row is None:
            row = MoneyDate(couple_id=couple_id, checklist=list(_words()["default_checklist"]))
            session.add(row)
        row.nth, row.weekday, row.hour, row.minute = nth, weekday, hour, minute
        row.timezone, row.conversation_id = local_zone(timezone).key, conversation_id[:255]
        row.status, row.changed_at = "active", utcnow()
        cancel_planned(session, couple_id, MONEY_KIND)
        session.flush()
        return _view(row)


def money_date(couple_id: int) -> Optional[MoneyDateView]:
    """The couple's money date, or None."""
    with session_scope() as session:
        row = session.scalar(select(MoneyDate).where(MoneyDate.couple_id == couple_id))
        return _view(row) if row is not None else None


def stop_money_date(couple_id: int) -> bool:
    """No more money dates (the checklist is kept); False when none was running."""
    with session_scope() as session:
        row = session.scalar(select(MoneyDate).where(MoneyDate.couple_id == couple_id))
        if row is None or row.status != "active":
            return False
        row.status, row.changed_at = "stopped", utcnow()
        cancel_planned(session, couple_id, MONEY_KIND)
        return True


def money_checklist(couple_id: int) -> List[str]:
    """The couple's checklist (the default one before they set up a money date)."""
    view = money_date(couple_id)
    return list(view.checklist) if view is not None else list(_words()["default_checklist"])


def edit_money_checklist(couple_id: int, conversation_id: str, *, add: Optional[str] = None,
                         remove: Optional[str] = None) -> Tuple[str, List[str]]:
    """Add an item or remove one (by its number or its words); returns (what happened, the checklist).

    What happened is ``added``, ``removed``, ``full``, ``same`` (already there) or ``unknown``.
    """
    words = _words()
    with session_scope() as session:
        row = session.scalar(select(MoneyDate).where(MoneyDate.couple_id == couple_id))
        if row is None:  # a checklist before any date: kept, with no date planned
            row = MoneyDate(couple_id=couple_id, nth=1, weekday=6, hour=19, minute=0, timezone=None,
                            conversation_id=conversation_id[:255], checklist=list(words["default_checklist"]),
                            status="stopped")
            session.add(row)
        items = list(row.checklist or [])
        outcome = "unknown"
        if add:
            item = " ".join(add.split())[: int(words["longest_item"])]
            if any(item.lower() == i.lower() for i in items):
                outcome = "same"
            elif len(items) >= int(words["longest_checklist"]):
                outcome = "full"
            else:
                items.append(item)
                outcome = "added"
        elif remove:
            target = remove.strip().lower()
            index = int(target) - 1 if target.isdigit() else next(
                (n for n, i in enumerate(items) if target in i.lower()), -1)
            if 0 <= index < len(items):
                items.pop(index)
                outcome = "removed"
        row.checklist, row.changed_at = items, utcnow()
        return outcome, items


def plan_money_dates(*, couple_id: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Plan each active money date's next month once; returns how many were planned."""
    now = clock.as_utc(now or utcnow())
    work, moves = [], []
    with session_scope() as session:
        query = select(MoneyDate).where(MoneyDate.status == "active")
        if couple_id is not None:
            query = query.where(MoneyDate.couple_id == couple_id)
        for row in session.scalars(query).all():
            owner = session.scalar(select(Partner.id).where(Partner.couple_id == row.couple_id).order_by(Partner.id)
                                   .limit(1))
            chats = ritual_chats(session, row.couple_id, row.conversation_id)
            if owner is None or not chats:
                continue
            zone = local_zone(row.timezone)
            today = now.astimezone(zone).date()
            for month_ahead in (0, 1):
                year, month = (today.year, today.month + month_ahead) if today.month + month_ahead <= 12 \
                    else (today.year + 1, 1)
                day = nth_weekday(year, month, row.nth, row.weekday)
                moment = datetime.combine(day, time(row.hour, row.minute), tzinfo=zone).astimezone(ZoneInfo("UTC"))
                if moment <= now - timedelta(hours=1):
                    continue
                key = date(year, month, 1).isoformat()
                if not still_planned(session, row.couple_id, MONEY_KIND, key, chats, moves):
                    setter = session.get(Partner, owner)
                    work.append((row.couple_id, owner, key, moment,
                                 chat_languages(session, row.couple_id, chats, language_code(setter.language))))
                break
    for move in moves:  # a group made or a chat linked since it was planned
        follow_couple(*move)
    planned = 0
    for couple, owner, key, moment, languages in work:
        try:
            with session_scope() as session:  # every chat's reminder and the month's one delivery row, or none
                reminders = [Reminder(couple_id=couple, conversation_id=chat, kind=MONEY_KIND, due_at=moment,
                                      details={"month": key, "language": language})
                             for chat, language in languages.items()]
                session.add_all(reminders)
                session.flush()
                session.add(RitualDelivery(couple_id=couple, partner_id=owner, kind=MONEY_KIND, week=key,
                                           due_at=moment, reminder_id=reminders[0].id, status="planned"))
            planned += 1
        except IntegrityError:
            pass  # another gateway planned it a moment ago
    return planned
