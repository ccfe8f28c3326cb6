"""Daily check-ins: the couple's time, each partner's private prompt, what each chooses to share.

The couple agrees one local time of day and weekdays (``set_daily_checkin``). Every
partner then gets a prompt at that time in *their own* zone, in their own private chat:
``plan_checkin_prompts`` (run by the reminder loop on every tick, and right after a
change) gives each partner one planned prompt ahead, as a row in ``checkin_prompts``
(unique per partner and local date, so two gateways planning at once plan it once)
and a reminder of kind ``checkin`` that the ordinary reminder claims deliver once.
A pause or a crisis hold at delivery time skips the prompt (``checkin_on_hold``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import clock, content
from bot.config import get_settings
from bot.storage.db import session_scope
from bot.storage.events import CRISIS_ROUTED, SAFETY_RESOLVED
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
SHARE_CHOICES = ("nothing", "mood", "note", "both")
MOODS = (1, 2, 3, 4, 5)
# A prompt missed while every gateway was down is still sent this long after its time.
LATE_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class CheckinView:
    """A couple's check-in as the product talks about it."""

    couple_id: int
    hour: int
    minute: int
    weekdays: str
    status: str
    said: Optional[str]


@dataclass(frozen=True)
class CheckinAnswer:
    """One partner's answer on one day."""

    partner_id: int
    local_date: str
    status: str
    mood: Optional[int]
    note: Optional[str]


def _zone(name: Optional[str]) -> ZoneInfo:
    try:
        return ZoneInfo(name or get_settings().default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _view(row: DailyCheckin) -> CheckinView:
    return CheckinView(row.couple_id, row.hour, row.minute, row.weekdays, row.status, row.said)


def _side(session, couple_id: int, partner_id: int) -> CheckinPartner:
    side = session.get(CheckinPartner, partner_id)
    if side is None:
        side = CheckinPartner(partner_id=partner_id, couple_id=couple_id, share="nothing")
        session.add(side)
        session.flush()
    elif side.couple_id != couple_id:
        side.couple_id = couple_id
    return side


def note_checkin_partner(couple_id: int, partner_id: int, *, conversation_id: Optional[str] = None,
                         private: bool = False, timezone: Optional[str] = None) -> None:
    """Remember where a partner's private prompt goes and which zone they live in."""
    with session_scope() as session:
        side = _side(session, couple_id, partner_id)
        if private and conversation_id:
            side.conversation_id = conversation_id[:255]
        if timezone:
            side.timezone = timezone[:64]


def _cancel_planned(session, couple_id: int, partner_id: Optional[int] = None, *,
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
        _cancel_planned(session, couple_id)
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
        _cancel_planned(session, couple_id)
        return True


def _today_of(side: Optional[CheckinPartner], now: datetime) -> date:
    return now.astimezone(_zone(side.timezone if side else None)).date()


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


def _private_chat(session, couple_id: int, partner: Partner, side: Optional[CheckinPartner]) -> Optional[str]:
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


def appreciation_day(day: date) -> bool:
    """On a few local weekdays (``content/rituals.yml``) the check-in also asks for one appreciation."""
    return str(day.weekday()) in str(content.load("rituals")["checkin"]["appreciation_weekdays"])


def set_quiet_hours(couple_id: int, partner_id: int, quiet: Optional[QuietHours]) -> Optional[QuietHours]:
    """Keep (or with None, drop) a partner's quiet hours; their prompts not sent yet follow."""
    with session_scope() as session:
        side = _side(session, couple_id, partner_id)
        side.quiet_start, side.quiet_end = (quiet.start, quiet.end) if quiet else (None, None)
        _cancel_planned(session, couple_id, partner_id)
    plan_checkin_prompts(couple_id=couple_id)
    return quiet


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
                chat = _private_chat(session, row.couple_id, partner, side)
                if chat is None:
                    continue
                zone = _zone(side.timezone if side and side.timezone else None)
                taken = dict(session.execute(select(CheckinPrompt.local_date, CheckinPrompt.status).where(
                    CheckinPrompt.partner_id == partner.id,
                    CheckinPrompt.local_date >= (now.astimezone(zone).date() - timedelta(days=1)).isoformat())).all())
                found = _next_moment(row, zone, now, taken, window_of(side))
                if found is not None:
                    work.append((row.couple_id, partner.id, chat, zone.key, *found))
    for couple, partner_id, chat, zone_name, day, moment in work:
        try:
            with session_scope() as session:
                due = moment.astimezone(ZoneInfo("UTC"))
                kind = "appreciation" if appreciation_day(day) else "daily"
                reminder = Reminder(couple_id=couple, conversation_id=chat, kind=CHECKIN_KIND, due_at=due,
                                    details={"partner_id": partner_id, "local_date": day.isoformat(),
                                             "timezone": zone_name, "variant": kind})
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


def _answering_prompt(session, partner_id: int, now: datetime) -> Optional[CheckinPrompt]:
    """The prompt a partner is answering: the latest one already due, within a day."""
    return session.scalar(select(CheckinPrompt).where(
        CheckinPrompt.partner_id == partner_id, CheckinPrompt.status.in_(("planned", "answered")),
        CheckinPrompt.due_at <= now + timedelta(minutes=1), CheckinPrompt.due_at > now - timedelta(hours=24))
        .order_by(CheckinPrompt.due_at.desc()).limit(1))


def record_checkin_mood(couple_id: int, partner_id: int, mood: int, *,
                        now: Optional[datetime] = None) -> Optional[CheckinAnswer]:
    """Keep a partner's mood (1-5) for today's prompt; None when no prompt is open."""
    if mood not in MOODS:
        raise ValueError("a mood is 1 to 5")
    now = now or utcnow()
    with session_scope() as session:
        prompt = _answering_prompt(session, partner_id, now)
        if prompt is None:
            return None
        prompt.mood, prompt.status, prompt.answered_at = mood, "answered", now
        return CheckinAnswer(partner_id, prompt.local_date, prompt.status, prompt.mood, prompt.note)


def record_checkin_note(couple_id: int, partner_id: int, note: str, *,
                        now: Optional[datetime] = None) -> Optional[CheckinAnswer]:
    """Keep a partner's word or sentence for today's prompt; None when no prompt is open."""
    now = now or utcnow()
    with session_scope() as session:
        prompt = _answering_prompt(session, partner_id, now)
        if prompt is None:
            return None
        prompt.note, prompt.status, prompt.answered_at = (note or "").strip()[:500] or None, "answered", now
        return CheckinAnswer(partner_id, prompt.local_date, prompt.status, prompt.mood, prompt.note)


def choose_checkin_sharing(couple_id: int, partner_id: int, share: str) -> str:
    """What this partner's partner may see of their check-ins: nothing, mood, note or both."""
    if share not in SHARE_CHOICES:
        raise ValueError(f"share is one of {SHARE_CHOICES}")
    with session_scope() as session:
        _side(session, couple_id, partner_id).share = share
        return share


def checkin_sharing(partner_id: int) -> str:
    """What this partner shares (``nothing`` until they choose)."""
    with session_scope() as session:
        side = session.get(CheckinPartner, partner_id)
        return side.share if side is not None else "nothing"


def partner_checkins_shared_with(partner_id: int, *, now: Optional[datetime] = None) -> List[CheckinAnswer]:
    """What the *other* partners of the couple answered in the last day, cut to what each chose to share."""
    now = now or utcnow()
    with session_scope() as session:
        me = session.get(Partner, partner_id)
        if me is None:
            return []
        shown: List[CheckinAnswer] = []
        others = session.scalars(select(Partner.id).where(Partner.couple_id == me.couple_id,
                                                          Partner.id != partner_id)).all()
        for other in others:
            side = session.get(CheckinPartner, other)
            share = side.share if side is not None else "nothing"
            if share == "nothing":
                continue
            prompt = session.scalar(select(CheckinPrompt).where(
                CheckinPrompt.partner_id == other, CheckinPrompt.status == "answered",
                CheckinPrompt.answered_at > now - timedelta(hours=24)).order_by(CheckinPrompt.answered_at.desc())
                .limit(1))
            if prompt is None:
                continue
            shown.append(CheckinAnswer(other, prompt.local_date, prompt.status,
                                       prompt.mood if share in ("mood", "both") else None,
                                       prompt.note if share in ("note", "both") else None))
        return shown


def checkin_prompts_of(couple_id: int) -> List[Dict]:
    """Every prompt of a couple, oldest first (for tests and the therapist's view)."""
    with session_scope() as session:
        return [{"partner_id": p.partner_id, "local_date": p.local_date, "due_at": clock.as_utc(p.due_at),
                 "status": p.status, "mood": p.mood, "note": p.note, "reminder_id": p.reminder_id,
                 "kind": p.kind, "snoozes": p.snoozes}
                for p in session.scalars(select(CheckinPrompt).where(CheckinPrompt.couple_id == couple_id)
                                         .order_by(CheckinPrompt.due_at, CheckinPrompt.partner_id))]
