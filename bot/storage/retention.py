"""Keeping messages no longer than ``KINTSUGI_RETENTION_DAYS`` (off by default).

Once a day (``RetentionJob``, run by the gateway's reminder loop) ``purge_messages`` removes
the words people wrote and the bot answered, older than N days, everywhere we keep them:

- Rasa's tracker rows (``events``): rows of earlier conversation sessions go whole (Rasa
  never reads them again to decide anything). In a conversation's current session the rows
  stay, so its state (an open form, a safety hold, the slots) is exactly what it was, but
  they lose their words: a user row keeps its intent and time and loses its text and entity
  values, a bot row loses its text, buttons and payload, and a slot row loses a text value
  that a later row of the session replaced. Slot values still in force in the current
  session (an unfinished form's answer) stay until the session ends. A conversation whose
  rows changed loses its window snapshot (``tracker_windows``, which keeps the last typed
  messages); the tracker store cuts a new one from what is left.
- Our tables: check-in notes, the words a pause's return time was given in, an apology's
  text or a shared reflection in its sent (or given up) reminder, the words a daily check-in
  was set up with.

Kept, as documented in README ("Your data"): ground-rule versions, promises and the actions a
weekly talk agreed on (standing agreements, not messages), private notes (sealed, each partner
keeps or deletes their own), the event log (types, times and counts, never words), the access
audit log (who looked at what, never what it said). Each purge adds one audit
entry (``retention_purge``) with the cut-off and the counts: no text, no conversation ids.
``/forget`` still removes a partner's data at once, whatever the retention.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import inspect, select, text, update

from bot import clock
from bot.storage.db import get_engine, session_scope
from bot.storage.models import AuditEntry, CheckinPrompt, DailyCheckin, Pause, Reminder
from bot.storage.tracker_rows import EXPIRED, row_data  # EXPIRED marks a tracker row whose words were removed

RETENTION_PURGE = "retention_purge"
PURGE_EVERY = timedelta(days=1)
CHECK_EVERY = timedelta(minutes=10)  # how often a running gateway asks whether a day has passed
TEXT_ENTITY_KEYS = ("value", "text")
BOT_PAYLOAD_KEYS = ("custom", "buttons", "attachment", "image", "elements", "quick_replies")
REMINDER_WORDS = ("text", "sealed")  # an apology's text, a shared reflection (sealed) in a reminder's details


@dataclass(frozen=True)
class Purged:
    """What one purge did: counts only."""

    cutoff: str
    tracker_rows_deleted: int = 0
    tracker_rows_emptied: int = 0
    snapshots_dropped: int = 0
    checkin_notes: int = 0
    pause_words: int = 0
    apology_texts: int = 0
    checkin_setup_words: int = 0


def _emptied(type_name: str, data: Dict[str, Any]) -> Dict[str, Any]:
    """A tracker row's data without its words (see the module's docstring)."""
    data = dict(data)
    if type_name == "user":
        data["text"] = None
        parse = data.get("parse_data")
        if isinstance(parse, dict):
            parse = dict(parse, text="")
            parse["entities"] = [dict(e, **{k: None for k in TEXT_ENTITY_KEYS if k in e})
                                 for e in parse.get("entities") or [] if isinstance(e, dict)]
            data["parse_data"] = parse
    elif type_name == "bot":
        data["text"] = None
        extra = data.get("data")
        if isinstance(extra, dict):
            data["data"] = {k: v for k, v in extra.items() if k not in BOT_PAYLOAD_KEYS}
    elif type_name == "slot":
        data["value"] = None
    data[EXPIRED] = True
    return data


def _has_words(type_name: str, data: Dict[str, Any]) -> bool:
    if data.get(EXPIRED):
        return False
    if type_name == "slot":
        return isinstance(data.get("value"), (str, list, dict))
    return True


def _purge_tracker(cut: float) -> Dict[str, int]:
    counts = {"tracker_rows_deleted": 0, "tracker_rows_emptied": 0, "snapshots_dropped": 0}
    engine = get_engine()
    if not inspect(engine).has_table("events"):
        return counts
    with engine.connect() as connection:
        senders = list(connection.execute(text('SELECT DISTINCT sender_id FROM events WHERE "timestamp" < :cut '
                                               "AND type_name IN ('user', 'bot', 'slot') AND data NOT LIKE :done"),
                                          {"cut": cut, "done": f'%"{EXPIRED}": true%'}).scalars())
    has_windows = inspect(engine).has_table("tracker_windows")
    for sender in senders:
        with engine.begin() as connection:  # one conversation at a time: short transactions
            changed = _purge_conversation(connection, sender, cut, counts)
            if changed and has_windows:
                counts["snapshots_dropped"] += connection.execute(
                    text("DELETE FROM tracker_windows WHERE sender_id = :s"), {"s": sender}).rowcount or 0
    return counts


def _purge_conversation(connection: Any, sender: str, cut: float, counts: Dict[str, int]) -> bool:
    """Delete the old rows of earlier sessions, empty the old words of the current one; True when anything changed."""
    start = connection.execute(text('SELECT MAX("timestamp") FROM events WHERE sender_id = :s '
                                    "AND type_name = 'session_started'"), {"s": sender}).scalar()
    deleted = 0
    if start is not None:
        deleted = connection.execute(text('DELETE FROM events WHERE sender_id = :s AND "timestamp" < :cut '
                                          'AND "timestamp" < :start'),
                                     {"s": sender, "cut": cut, "start": start}).rowcount or 0
    rows = connection.execute(text("SELECT id, type_name, data FROM events WHERE sender_id = :s "
                                   "AND type_name IN ('user', 'bot', 'slot') ORDER BY id"), {"s": sender}).all()
    last_set: Dict[str, int] = {}
    for row_id, type_name, raw in rows:
        if type_name == "slot":
            last_set[str(row_data(raw).get("name"))] = row_id
    emptied: List[Dict[str, Any]] = []
    for row_id, type_name, raw in rows:
        data = row_data(raw)
        old = float(data.get("timestamp") or 0) < cut
        if not old or not _has_words(type_name, data):
            continue
        if type_name == "slot" and last_set.get(str(data.get("name"))) == row_id:
            continue  # still in force in this session
        emptied.append({"row": row_id, "data": json.dumps(_emptied(type_name, data))})
    if emptied:
        connection.execute(text("UPDATE events SET data = :data WHERE id = :row"), emptied)
    counts["tracker_rows_deleted"] += deleted
    counts["tracker_rows_emptied"] += len(emptied)
    return bool(deleted or emptied)


def _purge_tables(cutoff: datetime) -> Dict[str, int]:
    with session_scope() as session:
        notes = session.execute(update(CheckinPrompt).where(CheckinPrompt.due_at < cutoff,
                                                            CheckinPrompt.note.isnot(None))
                                .values(note=None)).rowcount or 0
        pauses = session.execute(update(Pause).where(Pause.started_at < cutoff, Pause.resume_text.isnot(None))
                                 .values(resume_text=None)).rowcount or 0
        setup = session.execute(update(DailyCheckin).where(DailyCheckin.changed_at < cutoff,
                                                           DailyCheckin.said.isnot(None))
                                .values(said=None)).rowcount or 0
        apologies = 0
        for reminder in session.scalars(select(Reminder).where(Reminder.due_at < cutoff,
                                                               Reminder.status.notin_(("pending", "claimed")))):
            details = dict(reminder.details or {})
            if any(key in details for key in REMINDER_WORDS):
                reminder.details = {**{k: v for k, v in details.items() if k not in REMINDER_WORDS}, EXPIRED: True}
                apologies += 1
    return {"checkin_notes": notes, "pause_words": pauses, "checkin_setup_words": setup, "apology_texts": apologies}


def purge_messages(days: int, *, now: Optional[datetime] = None) -> Purged:
    """Remove the words older than ``days`` days (see the module's docstring) and audit it; returns the counts."""
    if days < 1:
        raise ValueError("retention needs at least one day")
    from bot.storage import widget_outbox
    from bot.storage.audit import record_view

    now = clock.as_utc(now) if now is not None else clock.now()
    cutoff = now - timedelta(days=days)
    purged = Purged(cutoff.isoformat(), **_purge_tracker(cutoff.timestamp()), **_purge_tables(cutoff))
    widget_outbox.purge(cutoff)  # replies the widget never confirmed (kept a day at most anyway)
    record_view(None, None, RETENTION_PURGE, details={"days": days, **asdict(purged)})
    return purged


def last_purge() -> Optional[datetime]:
    """When the last purge ran (on any gateway), or None."""
    with session_scope() as session:
        return clock.as_utc(session.scalar(select(AuditEntry.at).where(AuditEntry.action == RETENTION_PURGE)
                                           .order_by(AuditEntry.at.desc()).limit(1)))


class RetentionJob:
    """A purge once a day: asks every ``CHECK_EVERY`` whether the last one (on any gateway) is a day old."""

    def __init__(self, days: int) -> None:
        self.days = max(0, int(days))
        self._next_check: Optional[datetime] = None

    def run_if_due(self) -> Optional[Purged]:
        """Purge when a day has passed since the last purge; None when off or not yet due."""
        if not self.days:
            return None
        now = clock.now()
        if self._next_check is not None and now < self._next_check:
            return None
        self._next_check = now + CHECK_EVERY
        last = last_purge()
        if last is not None and now - last < PURGE_EVERY:
            return None
        return purge_messages(self.days, now=now)
