"""The tracker store's tables and statements: Rasa's ``events`` rows, and ``tracker_windows`` (one snapshot
per conversation), with the indexes the windowed reads use. Built once, run as plain Core statements.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, bindparam, func, or_, select

WINDOW_TABLE = "tracker_windows"

_METADATA = MetaData()
WINDOWS = Table(
    WINDOW_TABLE, _METADATA,
    Column("sender_id", String(255), primary_key=True),
    Column("session_start", Float),  # the session the snapshot belongs to (its session_started timestamp)
    Column("after_id", Integer, nullable=False),  # the snapshot is the state after this row of ``events``
    Column("data", Text, nullable=False),  # the snapshot's events, as JSON
)
# Reads by conversation and id, and the session's start by type: index lookups, not scans of the conversation.
EVENT_INDEXES = (("ix_events_kintsugi_sender_id", "sender_id, id"),
                 ("ix_events_kintsugi_sender_type", "sender_id, type_name, id"))


def prepare_window_tables(engine: Any) -> None:
    """``tracker_windows`` and the indexes on Rasa's ``events`` (made by Rasa's store just before)."""
    from sqlalchemy import exc, text

    for attempt in (1, 2, 3):  # replicas starting at once: PostgreSQL serialises them on a lock
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # "IF NOT EXISTS" does not see another replica's index still being made: wait for it.
                    connection.execute(text("SELECT pg_advisory_xact_lock(74125031)"))
                _METADATA.create_all(connection)
                for name, columns in EVENT_INDEXES:
                    connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})"))
            return
        except exc.DBAPIError:
            if attempt == 3:
                raise
            time.sleep(0.5 * attempt)


class EventStatements:
    """The tracker store's statements on Rasa's ``events`` table and ``tracker_windows``, built once."""

    def __init__(self, table: Table, windows: Table) -> None:
        sender = table.c.sender_id == bindparam("sender_id")
        is_start = table.c.type_name == SessionStarted.type_name
        session_start = select(func.max(table.c.timestamp)).where(sender, is_start).scalar_subquery()
        this_session = or_(table.c.timestamp >= session_start, session_start.is_(None))
        self.all_events = select(table.c.data).where(sender).order_by(table.c.id)
        self.session_events = select(table.c.data).where(sender, this_session).order_by(table.c.id)
        self.session_count = select(func.count()).select_from(table).where(sender, this_session)
        self.insert = table.insert()
        # The window: the session's start, then the rows after the cut (in this session).
        self.session_start = select(func.max(table.c.timestamp)).where(sender, is_start)
        after = table.c.id > bindparam("after_id")
        since = table.c.timestamp >= bindparam("since")
        self.tail_events = {True: select(table.c.data).where(sender, after, since).order_by(table.c.id),
                            False: select(table.c.data).where(sender, after).order_by(table.c.id)}
        self.tail_ids = {True: select(table.c.id).where(sender, after, since).order_by(table.c.id).limit(1),
                         False: select(table.c.id).where(sender, after).order_by(table.c.id).limit(1)}
        key = windows.c.sender_id == bindparam("sender_id")
        self.window_row = select(windows.c.session_start, windows.c.after_id, windows.c.data).where(key)
        self.window_delete = windows.delete().where(key)
        self.window_insert = windows.insert()


def event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """One row of Rasa's ``events`` table, filled as Rasa fills it."""
    data = event.as_dict()
    intent = ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY)
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)}
