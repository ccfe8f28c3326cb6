"""All rituals' schedules together, for the reminder loop and the therapist.

``plan_rituals`` plans every ritual's next messages (daily check-in prompts, weekly promise
summaries); the reminder loop calls it on each tick, so schedules live only in the database and
survive restarts, and the unique rows behind each plan make several gateways plan once.
``hold_ritual_reminder`` is what happens to a ritual message that comes due during a pause or a
crisis hold: a check-in is skipped for that day, a weekly summary waits an hour and is tried again.
``ritual_week_counts`` counts, per week, what a therapist may see of the rituals.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Dict, List, Optional, Union
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot import clock
from bot.storage.checkin_plan import CHECKIN_KIND, plan_checkin_prompts, skip_held_checkin
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt, Partner, Promise, PromiseMark, Reminder, TalkSession
from bot.storage.promises import SUMMARY_KIND, plan_promise_summaries
from bot.storage.money_dates import MONEY_KIND, plan_money_dates
from bot.storage.talk_steps import RESUME_KIND
from bot.storage.weekly_talk import OPEN_KIND, TURN_KIND, interrupt_talk, plan_weekly_talks

HELD_KINDS = (CHECKIN_KIND, SUMMARY_KIND, OPEN_KIND, TURN_KIND, MONEY_KIND, RESUME_KIND)
HOLD_RETRY = timedelta(hours=1)


def plan_rituals(*, couple_id: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Plan every ritual's next messages; returns how many were planned."""
    return (plan_checkin_prompts(couple_id=couple_id, now=now)
            + plan_promise_summaries(couple_id=couple_id, now=now)
            + plan_weekly_talks(couple_id=couple_id, now=now)
            + plan_money_dates(couple_id=couple_id, now=now))


def hold_ritual_reminder(reminder_id: int, *, now: Optional[datetime] = None) -> str:
    """A ritual message due during a pause or a hold: ``skipped`` (check-in), ``interrupted`` (a talk's
    turn end: the talk stops there) or ``postponed`` (an hour: a weekly summary, a talk's opening, a money date)."""
    now = clock.as_utc(now or clock.now())
    with session_scope() as session:
        reminder = session.get(Reminder, reminder_id)
        kind = reminder.kind if reminder is not None else None
    if kind == CHECKIN_KIND or kind is None:
        skip_held_checkin(reminder_id)
        return "skipped"
    if kind == TURN_KIND:
        interrupt_talk(reminder_id)
        return "interrupted"
    with session_scope() as session:
        session.execute(update(Reminder).where(Reminder.id == reminder_id)
                        .values(status="pending", due_at=now + HOLD_RETRY, claimed_by=None, claimed_at=None))
    return "postponed"


def _week_of(moment: datetime, zone: ZoneInfo, first: int = 0) -> date:
    day = clock.as_utc(moment).astimezone(zone).date()
    return day - timedelta(days=(day.weekday() - first) % 7)


def ritual_week_counts(couple_id: int, *, weeks: int = 12, zone: Union[str, tzinfo] = "UTC", first_weekday: int = 0,
                       now: Optional[datetime] = None) -> List[Dict]:
    """Per week (starting on ``first_weekday``, 0 Monday, in ``zone``), oldest first: what the rituals saw,
    without any words. The review app's weeks (``bot/web/review/weeks.py``) can show these beside its
    chart: pass its zone and ``first_weekday(locale)``.

    ``checkins_answered`` and ``moods_shared`` count only partners who share with their therapist;
    ``talks`` counts weekly talks opened (when at least one partner shares); ``money_dates`` counts money
    dates held: the month's money date opened for the couple (its opening reached them; once a month,
    however many chats it reached), when at least one partner shares;
    ``appreciations`` counts appreciation-day answers with a word; ``promises_kept``,
    ``promises_not_kept``, ``promises_not_sure`` count marks only when both the promise's maker and
    the partner who marked it share (None in every week when nobody may be shown).
    """
    tz = zone if isinstance(zone, tzinfo) else ZoneInfo(zone)
    now = clock.as_utc(now or clock.now())
    last = _week_of(now, tz, first_weekday)
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = datetime.combine(starts[0], time.min, tz).astimezone(ZoneInfo("UTC"))
    rows = {s: {"week": s.isoformat(), "checkins_answered": 0, "moods_shared": 0, "appreciations": 0, "talks": 0,
                "money_dates": 0, "promises_kept": 0, "promises_not_kept": 0, "promises_not_sure": 0} for s in starts}
    with session_scope() as session:
        sharing = set(session.scalars(select(Partner.id).where(Partner.couple_id == couple_id,
                                                               Partner.consent_share.is_(True))))
        for prompt in session.scalars(select(CheckinPrompt).where(
                CheckinPrompt.couple_id == couple_id, CheckinPrompt.status == "answered",
                CheckinPrompt.answered_at >= since)):
            row = rows.get(_week_of(prompt.answered_at, tz, first_weekday))
            if row is None or prompt.partner_id not in sharing:
                continue
            row["checkins_answered"] += 1
            row["moods_shared"] += prompt.mood is not None
            row["appreciations"] += prompt.kind == "appreciation" and bool(prompt.note)
        for started in session.scalars(select(TalkSession.started_at).where(
                TalkSession.couple_id == couple_id, TalkSession.started_at >= since)):
            row = rows.get(_week_of(started, tz, first_weekday))
            if row is not None and sharing:
                row["talks"] += 1  # a talk both were in: counted when at least one partner shares
        held = {}  # the month's money date: the first moment its opening reached one of the couple's chats
        for details, sent_at in session.execute(select(Reminder.details, Reminder.sent_at).where(
                Reminder.couple_id == couple_id, Reminder.kind == MONEY_KIND, Reminder.status == "sent",
                Reminder.sent_at >= since)).all():
            month = (details or {}).get("month") or clock.as_utc(sent_at).date().isoformat()[:7]
            held[month] = min(held.get(month, clock.as_utc(sent_at)), clock.as_utc(sent_at))
        for sent_at in held.values():
            row = rows.get(_week_of(sent_at, tz, first_weekday))
            if row is not None and sharing:
                row["money_dates"] += 1
        marks = session.execute(select(PromiseMark.mark, PromiseMark.at, PromiseMark.marked_by, Promise.made_by)
                                .join(Promise, Promise.id == PromiseMark.promise_id)
                                .where(PromiseMark.couple_id == couple_id, PromiseMark.at >= since)).all()
        for mark, at, marked_by, made_by in marks:
            row = rows.get(_week_of(at, tz, first_weekday))
            if row is not None and marked_by in sharing and made_by in sharing:
                row[f"promises_{mark}"] += 1
    if len(sharing) < 2:
        for row in rows.values():
            row["promises_kept"] = row["promises_not_kept"] = row["promises_not_sure"] = None
    return [rows[s] for s in starts]
