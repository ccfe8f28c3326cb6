"""Planning each partner's check-in prompt: one planned prompt ahead, in their own zone and private chat.

``plan_checkin_prompts`` (run by the reminder loop on every tick, and right after a change) gives
each partner one planned prompt ahead, as a row in ``checkin_prompts`` (unique per partner and
local date, so two gateways planning at once plan it once) and a reminder of kind ``checkin`` that
the ordinary reminder claims deliver once. A pause or a crisis hold at delivery time skips the
prompt (``checkin_on_hold``, ``skip_held_checkin``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Dict, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import clock, content, private_words
from bot.storage.db import session_scope
from bot.storage.events import CRISIS_ROUTED, SAFETY_RESOLVED
from bot.storage.local_zone import local_zone
from bot.storage.models import (
    CheckinPartner,
    CheckinPrompt,
    Conversation,
    DailyCheckin,
    Event,
    Partner,
    Pause,
    Reminder,
    utcnow,
)
from bot.storage.quiet_hours import QuietHours, after_quiet, window_of

CHECKIN_KIND = "checkin"
# A prompt missed while every gateway was down is still sent this long after its time.
LATE_GRACE = timedelta(hours=1)


def partner_side(session, couple_id: int, partner_id: int) -> CheckinPartner:
    """A partner's side of the check-in (their chat, zone, sharing, quiet hours), made when missing."""
    side = session.get(CheckinPartner, partner_id)
    if side is None:
        side = CheckinPartner(partner_id=partner_id, couple_id=couple_id, share="nothing")
        session.add(side)
        session.flush()
    elif side.couple_id != couple_id:
        side.couple_id = couple_id
    return side


def cancel_planned(session, couple_id: int, partner_id: Optional[int] = None, *,
                    after: Optional[datetime] = None) -> None:
    """Drop prompts not sent yet (their reminders cancelled), so they are planned afresh."""
    query = select(CheckinPrompt).where(CheckinPrompt.couple_id == couple_id, CheckinPrompt.status == "planned")
    if partner_id is not None:
        query = query.where(CheckinPrompt.partner_id == partner_id)
    for prompt in session.scalars(query).all():
        reminder = session.get(Reminder, prompt.reminder_id) if prompt.reminder_id else None
        if (reminder is not None and reminder.status != "pending") or prompt.snoozes:
            continue  # already on its way, sent or snoozed: it counts for its day
        if after is not None and clock.as_utc(prompt.due_at) < after:
            continue
        if reminder is not None:
            reminder.status = "cancelled"
        session.delete(prompt)


def private_chat(session, couple_id: int, partner: Partner, side: Optional[CheckinPartner]) -> Optional[str]:
    """Where a partner's own prompt can go: the chat they used privately, else one we can infer."""
    if side is not None and side.conversation_id:
        return side.conversation_id
    key = partner.external_id or ""
    candidates = []
    if key.startswith("tg:"):
        candidates.append("tg-" + key[3:])
    if ":" in key and not key.startswith(("tg:", "web:")):
        candidates.append(key.split(":", 1)[1])  # "rest:<conversation>": the conversation stands for them
    for candidate in candidates:
        chat = session.get(Conversation, candidate)
        if chat is not None and chat.couple_id == couple_id and chat.chat_type == "private":
            return candidate
    return None


def prompt_language(session, couple_id: int, partner: Partner) -> str:
    """The language a partner's own ritual prompt speaks (kept with its reminder): their client's, else the
    client's of whoever set up the check-in, else the language its set-up words are clearly in, else English."""
    row = session.scalar(select(DailyCheckin).where(DailyCheckin.couple_id == couple_id))
    setter = session.get(Partner, row.set_by) if row is not None and row.set_by else None
    return private_words.choose(partner.language, setter.language if setter is not None else None,
                                row.said if row is not None else None)


def appreciation_day(day: date) -> bool:
    """On a few local weekdays (``content/rituals.yml``) the check-in also asks for one appreciation."""
    return str(day.weekday()) in str(content.load("rituals")["checkin"]["appreciation_weekdays"])


def _next_moment(row: DailyCheckin, zone: ZoneInfo, now: datetime, taken: Dict[str, str],
                 quiet: Optional[QuietHours] = None) -> Optional[tuple]:
    local_today = now.astimezone(zone).date()
    for offset in range(-1, 9):
        day = local_today + timedelta(days=offset)
        if str(day.weekday()) not in row.weekdays:
            continue
        moment = datetime.combine(day, time(row.hour, row.minute), tzinfo=zone)
        # A time that does not exist on a spring-forward night is read as the moment after the jump.
        moment = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
        moment = after_quiet(moment, zone, quiet)  # inside the partner's quiet hours: at their end
        # A moment missed while every gateway was down is still sent a little late; a moment that
        # passed before the check-in was set up or moved is not (it would arrive straight away).
        changed = row.changed_at or row.created_at
        if moment < now - LATE_GRACE or (changed is not None and moment <= changed):
            continue
        if day.isoformat() in taken:
            if moment > now and taken[day.isoformat()] == "planned":
                return None  # the next one is planned already
            continue
        return day, moment
    return None


def plan_checkin_prompts(*, couple_id: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Give every partner of every active check-in (or of ``couple_id``) their next prompt; returns how many."""
    now = now or utcnow()
    planned = 0
    with session_scope() as session:
        query = select(DailyCheckin).where(DailyCheckin.status == "active")
        if couple_id is not None:
            query = query.where(DailyCheckin.couple_id == couple_id)
        rows = session.scalars(query).all()
        work = []
        for row in rows:
            for partner in session.scalars(select(Partner).where(Partner.couple_id == row.couple_id)).all():
                side = session.get(CheckinPartner, partner.id)
                chat = private_chat(session, row.couple_id, partner, side)
                if chat is None:
                    continue
                zone = local_zone(side.timezone if side and side.timezone else None)
                taken = dict(session.execute(select(CheckinPrompt.local_date, CheckinPrompt.status).where(
                    CheckinPrompt.partner_id == partner.id,
                    CheckinPrompt.local_date >= (now.astimezone(zone).date() - timedelta(days=1)).isoformat())).all())
                found = _next_moment(row, zone, now, taken, window_of(side))
                if found is not None:
                    work.append((row.couple_id, partner.id, chat, zone.key,
                                 prompt_language(session, row.couple_id, partner), *found))
    for couple, partner_id, chat, zone_name, language, day, moment in work:
        try:
            with session_scope() as session:
                due = moment.astimezone(ZoneInfo("UTC"))
                kind = "appreciation" if appreciation_day(day) else "daily"
                reminder = Reminder(couple_id=couple, conversation_id=chat, kind=CHECKIN_KIND, due_at=due,
                                    details={"partner_id": partner_id, "local_date": day.isoformat(),
                                             "timezone": zone_name, "variant": kind, "language": language})
                session.add(reminder)
                session.flush()
                session.add(CheckinPrompt(couple_id=couple, partner_id=partner_id, local_date=day.isoformat(),
                                          due_at=due, reminder_id=reminder.id, status="planned", kind=kind))
            planned += 1
        except IntegrityError:
            pass  # another gateway planned this partner's day a moment ago
    return planned


def checkin_on_hold(couple_id: int, *, now: Optional[datetime] = None) -> bool:
    """True while the couple is in a pause or a crisis hold (a crisis routed and not yet resolved)."""
    now = now or utcnow()
    with session_scope() as session:
        if session.scalar(select(Pause.id).where(Pause.couple_id == couple_id, Pause.status == "active",
                                                 Pause.resume_at > now).limit(1)) is not None:
            return True
        last = session.scalar(select(Event.type).where(Event.couple_id == couple_id,
                                                       Event.type.in_((CRISIS_ROUTED, SAFETY_RESOLVED)))
                              .order_by(Event.at.desc(), Event.id.desc()).limit(1))
        return last == CRISIS_ROUTED


def skip_held_checkin(reminder_id: int) -> None:
    """A prompt that came due during a pause or a hold is not sent, and its day counts as skipped."""
    with session_scope() as session:
        session.execute(update(Reminder).where(Reminder.id == reminder_id)
                        .values(status="cancelled", claimed_by=None, claimed_at=None))
        session.execute(update(CheckinPrompt).where(CheckinPrompt.reminder_id == reminder_id)
                        .values(status="skipped"))
