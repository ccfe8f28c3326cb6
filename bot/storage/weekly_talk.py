"""The weekly "state of us": an agreed slot, two equal timed turns, one small action recalled next week.

``set_weekly_talk`` keeps the couple's slot (a weekday and a local time in the zone of whoever set it
up) and the chat it was agreed in. ``plan_weekly_talks`` (from ``plan_rituals``, on every reminder-loop
tick) plans the next opening once per week as reminders of kind ``weekly_talk``, one per person as a
pause's reminders go (``ritual_chats``: the couple's group when they have one, else each partner's own
chat); an opening nobody got yet follows the couple to a group made or a chat linked since
(``follow_couple``; ``share_pending_reminders`` at once on /link). ``start_talk`` opens a session and plans
both turn ends at once (reminders of kind ``talk_turn``, turn 1 and 2), so the turns are equal whichever
gateway sends them, in every chat the opening reaches (``talk_chats``: the group once, else each partner's
own chat, each in its reader's language; a partner elsewhere is told the first turn began, turn 0).
A turn end due during a pause or a crisis hold interrupts the talk (``interrupt_talk``):
its timers stop; after a pause the couple is offered to pick it up (``bot/storage/talk_steps.py``, which
also keeps the closing step only once both partners said yes). A step is recalled only once agreed (status ``closed``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import clock, content
from bot.storage.db import session_scope
from bot.storage.local_zone import local_zone
from bot.storage.models import (CheckinPartner, Conversation, Partner, Reminder, RitualDelivery, TalkSession,
                               WeeklyTalk, utcnow)
from bot.storage.pauses import GROUP_CHAT_TYPES, reminder_chats
from bot.storage.talk_steps import offer_resume, told_here

OPEN_KIND = "weekly_talk"
TURN_KIND = "talk_turn"


@dataclass(frozen=True)
class TalkSlot:
    """The couple's weekly slot."""

    couple_id: int
    weekday: int
    hour: int
    minute: int
    timezone: str
    conversation_id: str
    status: str


@dataclass(frozen=True)
class TalkView:
    """One talk."""

    id: int
    couple_id: int
    conversation_id: str
    status: str
    started_at: datetime
    action: Optional[str]


def turn_minutes() -> int:
    """How long each partner's turn is (``content/rituals.yml``)."""
    return int(content.load("rituals")["weekly_talk"]["turn_minutes"])


def language_code(language: Optional[str]) -> str:
    """A client's language tag as the two letters the talk's sentences are kept under ("de-AT" → "de")."""
    return (language or "en")[:2].lower()


def _language_of(session, partner_id: int) -> str:
    """The language a partner's client last told us (``identify`` keeps it), for a talk opened before anyone spoke."""
    partner = session.get(Partner, partner_id)
    return language_code(partner.language if partner is not None else None)


def _slot(row: WeeklyTalk) -> TalkSlot:
    return TalkSlot(row.couple_id, row.weekday, row.hour, row.minute, row.timezone or "UTC", row.conversation_id,
                    row.status)


def _talk(row: TalkSession) -> TalkView:
    return TalkView(row.id, row.couple_id, row.conversation_id, row.status, clock.as_utc(row.started_at), row.action)


def couple_chat(couple_id: int, fallback: str) -> str:
    """The chat both partners read: their newest group, else ``fallback``."""
    with session_scope() as session:
        group = session.scalar(select(Conversation.id).where(
            Conversation.couple_id == couple_id, Conversation.chat_type.in_(("group", "supergroup")))
            .order_by(Conversation.created_at.desc()).limit(1))
        return group or fallback


def ritual_chat(session, couple_id: int, conversation_id: str) -> Optional[str]:
    """Where a couple's shared ritual opens: its chat while that is still the couple's (a partner who used
    /forget took their private chat away), else the couple's group, else a remaining partner's own chat."""
    chat = session.get(Conversation, conversation_id)
    if chat is not None and chat.couple_id == couple_id:
        return conversation_id
    rows = session.execute(select(Conversation.id, Conversation.chat_type).where(Conversation.couple_id == couple_id)
                           .order_by(Conversation.created_at.desc())).all()
    groups = [c for c, kind in rows if kind in ("group", "supergroup")]
    return (groups or [c for c, _kind in rows] or [None])[0]


def ritual_chats(session, couple_id: int, conversation_id: str) -> List[str]:
    """Where a shared ritual's opening goes, one message per person (``reminder_chats``, as a pause's
    reminders): the couple's group when they have one and both partners are in the couple, else each
    partner's own chat, the chat it was set up in among them; [] when the couple has no chat left."""
    chat = ritual_chat(session, couple_id, conversation_id)
    return reminder_chats(session, couple_id, chat) if chat is not None else []


def chat_languages(session, couple_id: int, chats: List[str], fallback: str) -> Dict[str, str]:
    """The language each chat's opening speaks: a partner's own chat theirs, when their client told it
    (the partner who did not set the ritual up reads it in their own words too); the couple's group, or a
    chat whose partner's language is unknown, ``fallback`` (the ritual's own)."""
    from bot.storage.checkin_plan import private_chat

    own: Dict[str, str] = {}
    for partner in session.scalars(select(Partner).where(Partner.couple_id == couple_id)).all():
        if partner.language:
            chat = private_chat(session, couple_id, partner, session.get(CheckinPartner, partner.id))
            if chat is not None:
                own[chat] = language_code(partner.language)
    return {chat: own.get(chat, fallback) for chat in chats}


def talk_chats(session, couple_id: int, conversation_id: str, language: str) -> Dict[str, str]:
    """Where a talk's turn ends go, each chat with the language it speaks: ``ritual_chats`` (the couple's
    group once, else each partner's own chat, as the opening), every chat in its reader's language
    (``chat_languages``) and the chat the talk was started in with the talk's own ``language``. Started in
    one of the couple's groups, it stays there (the other partner may not have spoken in it yet)."""
    chat = session.get(Conversation, conversation_id)
    if chat is not None and chat.couple_id == couple_id and chat.chat_type in GROUP_CHAT_TYPES:
        return {conversation_id: language}
    chats = ritual_chats(session, couple_id, conversation_id) or [conversation_id]
    languages = chat_languages(session, couple_id, chats, language)
    if conversation_id in languages:
        languages[conversation_id] = language
    return languages


def _still_ours(session, couple_id: int, chats: Dict[str, Optional[str]]) -> Dict[str, str]:
    """Of the chats a talk reached (chat → its language), those still the couple's (not erased meanwhile)."""
    ours = set(session.scalars(select(Conversation.id).where(Conversation.couple_id == couple_id)))
    return {chat: language or "en" for chat, language in chats.items() if chat in ours}


def plan_turns(session, talk: TalkSession, languages: Dict[str, str], now: datetime, *, told: str,
               elapsed: timedelta = timedelta(0), resumed: Optional[dict] = None) -> None:
    """A talk's turn ends still ahead (``elapsed`` of it gone), one per chat of ``languages``, and a line due
    now for every chat but ``told`` (the one that pressed): the first turn began, or the talk was picked up
    (``resumed``). All are ``talk_turn`` reminders of the talk (``session_id``), so whatever stops it
    (a pause, a crisis hold, the closing step, /forget) stops them in every chat together."""
    minutes = timedelta(minutes=turn_minutes())
    for chat, language in languages.items():
        said = {"session_id": talk.id, "language": language}
        if chat != told:
            session.add(Reminder(couple_id=talk.couple_id, conversation_id=chat, kind=TURN_KIND, due_at=now,
                                 details={**said, "turn": 0, **({"resumed": resumed} if resumed else {})}))
        for turn in (1, 2):
            due = now - elapsed + turn * minutes
            if due > now:
                session.add(Reminder(couple_id=talk.couple_id, conversation_id=chat, kind=TURN_KIND, due_at=due,
                                     details={**said, "turn": turn}))


def period_reminders(session, couple_id: int, kind: str, key: str, *,
                     since: Optional[datetime] = None) -> List[Reminder]:
    """A period's reminders of ``kind`` (its week or month ``key`` in their details), one per chat."""
    query = select(Reminder).where(Reminder.couple_id == couple_id, Reminder.kind == kind)
    if since is not None:
        query = query.where(Reminder.due_at >= since)
    return [r for r in session.scalars(query.order_by(Reminder.id)).all()
            if key in ((r.details or {}).get("week"), (r.details or {}).get("month"))]


def set_weekly_talk(couple_id: int, partner_id: Optional[int], weekday: int, hour: int, minute: int,
                    timezone: Optional[str], conversation_id: str) -> TalkSlot:
    """Agree (or move) the weekly slot; an opening not sent yet follows the new slot."""
    if not (0 <= weekday <= 6 and 0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError("a weekly talk needs a weekday and a time of day")
    zone = local_zone(timezone).key
    with session_scope() as session:
        row = session.scalar(select(WeeklyTalk).where(WeeklyTalk.couple_id == couple_id))
        if row is None:
            row = WeeklyTalk(couple_id=couple_id)
            session.add(row)
        row.weekday, row.hour, row.minute, row.timezone = weekday, hour, minute, zone
        row.conversation_id, row.status, row.set_by, row.changed_at = conversation_id[:255], "active", partner_id, utcnow()
        cancel_planned(session, couple_id, OPEN_KIND)
        session.flush()
        return _slot(row)


def cancel_planned(session, couple_id: int, kind: str) -> None:
    """Drop a couple's deliveries of ``kind`` not sent yet (every chat's reminder cancelled): the slot moved
    or stopped. A period one chat already got stays planned, so it is not opened twice."""
    pending = session.scalars(select(Reminder).where(Reminder.couple_id == couple_id, Reminder.kind == kind,
                                                     Reminder.status == "pending")).all()
    for reminder in pending:
        reminder.status = "cancelled"
    session.flush()
    periods = {(r.details or {}).get("week") or (r.details or {}).get("month") for r in pending} - {None}
    for delivery in session.scalars(select(RitualDelivery).where(RitualDelivery.couple_id == couple_id,
                                                                 RitualDelivery.kind == kind,
                                                                 RitualDelivery.week.in_(periods))).all():
        if all(r.status == "cancelled" for r in period_reminders(session, couple_id, kind, delivery.week)):
            session.delete(delivery)


def weekly_talk(couple_id: int) -> Optional[TalkSlot]:
    """The couple's slot, or None."""
    with session_scope() as session:
        row = session.scalar(select(WeeklyTalk).where(WeeklyTalk.couple_id == couple_id))
        return _slot(row) if row is not None else None


def stop_weekly_talk(couple_id: int) -> bool:
    """No more weekly openings; False when none was running."""
    with session_scope() as session:
        row = session.scalar(select(WeeklyTalk).where(WeeklyTalk.couple_id == couple_id))
        if row is None or row.status != "active":
            return False
        row.status, row.changed_at = "stopped", utcnow()
        cancel_planned(session, couple_id, OPEN_KIND)
        return True


def _live(session, delivery: RitualDelivery) -> List[Reminder]:
    """A planned period's reminders not cancelled."""
    return [r for r in period_reminders(session, delivery.couple_id, delivery.kind, delivery.week,
                                        since=clock.as_utc(delivery.due_at) - timedelta(days=1))
            if r.status != "cancelled"]


def _elsewhere(live: List[Reminder], chats: List[str]) -> bool:
    """True when none of a period's reminders went out yet and they are not where the couple is now."""
    return bool(live) and all(r.status == "pending" for r in live) and \
        sorted(r.conversation_id for r in live) != sorted(chats)


def _still_planned(session, couple_id: int, kind: str, key: str, chats: Optional[List[str]] = None,
                   moves: Optional[list] = None) -> bool:
    """True when this period's opening is planned; one whose every reminder was cancelled (their chats
    were erased with a partner) is dropped, so it is planned again where the couple still is. A period
    whose other partner's reminder is still on stays planned (planned again, they would get it twice), even
    when its row went with the partner who left. With ``chats`` (where it goes now: ``ritual_chats``), an
    opening nobody got yet that is elsewhere is added to ``moves`` for ``follow_couple``."""
    delivery = session.scalar(select(RitualDelivery).where(RitualDelivery.couple_id == couple_id,
                                                           RitualDelivery.kind == kind, RitualDelivery.week == key))
    if delivery is None:  # its row left with the partner it was kept under (/forget): the other's may remain
        return any(r.status != "cancelled" for r in period_reminders(
            session, couple_id, kind, key, since=clock.as_utc(utcnow()) - timedelta(days=40)))
    live = _live(session, delivery)
    if not live:
        session.delete(delivery)
        session.flush()
        return False
    if delivery.reminder_id not in {r.id for r in live}:
        delivery.reminder_id = live[0].id
    if chats and moves is not None and _elsewhere(live, chats):
        moves.append((couple_id, kind, key, list(chats)))
    return True


class _Moved(Exception):
    """Another gateway moved the period's reminders a moment ago."""


def follow_couple(couple_id: int, kind: str, key: str, chats: List[str]) -> bool:
    """A planned opening nobody got yet follows the couple: a group they made since takes it instead of their
    own chats, a chat linked since gets one (same moment, same details), a chat gone loses it. Once across
    gateways: the period's delivery row is swapped to the new reminder only if nobody swapped it meanwhile."""
    try:
        with session_scope() as session:
            delivery = session.scalar(select(RitualDelivery).where(
                RitualDelivery.couple_id == couple_id, RitualDelivery.kind == kind, RitualDelivery.week == key))
            live = _live(session, delivery) if delivery is not None else []
            if not _elsewhere(live, chats):
                return False
            kept: List[Reminder] = []
            for reminder in live:
                taken = {k.conversation_id for k in kept}
                if reminder.conversation_id in chats and reminder.conversation_id not in taken:
                    kept.append(reminder)
            fallback = (live[0].details or {}).get("language")  # the weekly talk's; a new chat speaks its reader's
            languages = chat_languages(session, couple_id, chats, fallback) if fallback else {}
            said_in = {chat: {"language": languages[chat]} if fallback else {} for chat in chats}
            added = [Reminder(couple_id=couple_id, conversation_id=chat, kind=kind, due_at=live[0].due_at,
                              details={**(live[0].details or {}), **said_in[chat]})
                     for chat in chats if chat not in {k.conversation_id for k in kept}]
            session.add_all(added)
            session.flush()
            swapped = session.execute(update(RitualDelivery).where(
                RitualDelivery.id == delivery.id, RitualDelivery.reminder_id == delivery.reminder_id)
                .values(reminder_id=(added or kept)[0].id).execution_options(synchronize_session=False)).rowcount
            if swapped != 1:
                raise _Moved()
            for reminder in live:
                if reminder not in kept and session.execute(update(Reminder).where(
                        Reminder.id == reminder.id, Reminder.status == "pending").values(status="cancelled")
                        .execution_options(synchronize_session=False)).rowcount != 1:
                    raise _Moved()  # it went out meanwhile, or another gateway moved it
            return True
    except _Moved:
        return False


still_planned = _still_planned


def plan_weekly_talks(*, couple_id: Optional[int] = None, now: Optional[datetime] = None) -> int:
    """Plan each active slot's next opening (once per local week); returns how many were planned."""
    now = clock.as_utc(now or utcnow())
    work, moves = [], []
    with session_scope() as session:
        query = select(WeeklyTalk).where(WeeklyTalk.status == "active")
        if couple_id is not None:
            query = query.where(WeeklyTalk.couple_id == couple_id)
        for row in session.scalars(query).all():
            owner = row.set_by or session.scalar(select(Partner.id).where(Partner.couple_id == row.couple_id)
                                                 .order_by(Partner.id).limit(1))
            chats = ritual_chats(session, row.couple_id, row.conversation_id)
            if owner is None or not chats:
                continue
            languages = chat_languages(session, row.couple_id, chats, _language_of(session, owner))
            zone = local_zone(row.timezone)
            today = now.astimezone(zone).date()
            for weeks_ahead in (0, 1):
                monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
                moment = datetime.combine(monday + timedelta(days=row.weekday), time(row.hour, row.minute),
                                          tzinfo=zone).astimezone(ZoneInfo("UTC"))
                if moment <= now - timedelta(hours=1):
                    continue
                if not _still_planned(session, row.couple_id, OPEN_KIND, monday.isoformat(), chats, moves):
                    work.append((row.couple_id, owner, languages, zone.key, monday, moment))
                break
    for move in moves:
        follow_couple(*move)
    planned = 0
    for couple, owner, languages, zone_name, monday, moment in work:
        try:
            with session_scope() as session:  # every chat's reminder and the week's one delivery row, or none
                reminders = [Reminder(couple_id=couple, conversation_id=chat, kind=OPEN_KIND, due_at=moment,
                                      details={"week": monday.isoformat(), "timezone": zone_name, "language": language})
                             for chat, language in languages.items()]
                session.add_all(reminders)
                session.flush()
                session.add(RitualDelivery(couple_id=couple, partner_id=owner, kind=OPEN_KIND, week=monday.isoformat(),
                                           due_at=moment, reminder_id=reminders[0].id, status="planned"))
            planned += 1
        except IntegrityError:
            pass  # another gateway planned it a moment ago
    return planned


def start_talk(couple_id: int, conversation_id: str, *, language: Optional[str] = None,
               now: Optional[datetime] = None) -> TalkView:
    """Open a talk now (or return the one already open) and plan both turn ends, which keep the talk's
    ``language`` (the one it started in: its turn ends and the offer to pick it up after a pause speak it)."""
    now = clock.as_utc(now or utcnow())
    minutes = timedelta(minutes=turn_minutes())
    with session_scope() as session:
        open_row = session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.status == "open",
            TalkSession.started_at > now - 3 * minutes).order_by(TalkSession.id.desc()).limit(1))
        if open_row is not None:  # "we're ready" said twice, or by the other partner too: one talk
            told_here(session, conversation_id, open_row.id)  # told right now, by the one who pressed
            return _talk(open_row)
        row = TalkSession(couple_id=couple_id, conversation_id=conversation_id[:255], status="open", started_at=now)
        session.add(row)
        session.flush()
        plan_turns(session, row, talk_chats(session, couple_id, row.conversation_id, language_code(language)), now,
                   told=row.conversation_id)
        return _talk(row)


def interrupt_talk(reminder_id: int) -> None:
    """A turn end due during a pause or a crisis hold: the talk stops here, its timers with it."""
    with session_scope() as session:
        reminder = session.get(Reminder, reminder_id)
        if reminder is None:
            return
        session_id = (reminder.details or {}).get("session_id")
        reminder.status, reminder.claimed_by, reminder.claimed_at = "cancelled", None, None
        talk = session.get(TalkSession, session_id) if session_id else None
        turns = [r for r in session.scalars(select(Reminder).where(Reminder.couple_id == reminder.couple_id,
                                                                   Reminder.kind == TURN_KIND)).all()
                 if (r.details or {}).get("session_id") == session_id]
        stopped = talk is not None and session.execute(  # once, whichever chat's turn end came due first
            update(TalkSession).where(TalkSession.id == talk.id, TalkSession.status == "open")
            .values(status="interrupted", ended_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if stopped == 1:  # another gateway's interrupt of another chat's turn end finds it stopped: no 2nd offer
            session.refresh(talk)
            spoken = {r.conversation_id: (r.details or {}).get("language") for r in turns}  # every chat it reached
            offer_resume(session, talk, clock.as_utc(utcnow()),  # a pause: picked up at its end (talk_steps)
                         language=spoken.get(talk.conversation_id) or (reminder.details or {}).get("language"),
                         chats=_still_ours(session, talk.couple_id, spoken) or None)
        for other in turns:
            if other.status == "pending":
                other.status = "cancelled"  # every chat's timers


def record_talk_action(couple_id: int, partner_id: Optional[int], action: str, conversation_id: str, *,
                       now: Optional[datetime] = None) -> TalkView:
    """Keep the one small action agreed at the end of a talk (the latest talk of the last day, else a new one)."""
    words = content.load("rituals")["weekly_talk"]
    text = " ".join((action or "").split())[: int(words["longest"])]
    if len(text) < int(words["shortest"]):
        raise ValueError("an action needs a few words")
    now = clock.as_utc(now or utcnow())
    with session_scope() as session:
        row = session.scalar(select(TalkSession).where(
            TalkSession.couple_id == couple_id, TalkSession.started_at > now - timedelta(days=1))
            .order_by(TalkSession.id.desc()).limit(1))
        if row is None:
            row = TalkSession(couple_id=couple_id, conversation_id=conversation_id[:255], started_at=now)
            session.add(row)
        row.action, row.action_by, row.status, row.ended_at = text, partner_id, "closed", now
        for other in session.scalars(select(Reminder).where(Reminder.couple_id == couple_id, Reminder.kind == TURN_KIND,
                                                            Reminder.status == "pending")).all():
            if (other.details or {}).get("session_id") == row.id:
                other.status = "cancelled"  # they closed early: no more timers
        session.flush()
        return _talk(row)


def last_agreed_action(couple_id: int, *, before: Optional[datetime] = None) -> Optional[str]:
    """The action agreed at the couple's latest talk before ``before`` (now), to recall it."""
    before = clock.as_utc(before or utcnow())
    with session_scope() as session:
        return session.scalar(select(TalkSession.action).where(
            TalkSession.couple_id == couple_id, TalkSession.action.isnot(None), TalkSession.status == "closed",
            TalkSession.ended_at < before)
            .order_by(TalkSession.ended_at.desc()).limit(1))


def talks_of(couple_id: int) -> List[TalkView]:
    """Every talk of a couple, oldest first."""
    with session_scope() as session:
        return [_talk(r) for r in session.scalars(select(TalkSession).where(TalkSession.couple_id == couple_id)
                                                  .order_by(TalkSession.id))]
