"""Rasa's tracker store on Kintsugi's database (``endpoints.yml``: ``tracker_store``).

Rasa's SQL tracker store on the same database URL as our tables
(``KINTSUGI_DATABASE_URL``). Building it is also where the rasa server process
installs the speed fixes of ``bot.rasa_plugins.tuning`` (see ``bot.rasa_plugins.install``).
"""
from __future__ import annotations

import asyncio
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.orm import sessionmaker

from bot.config import get_settings
from bot.rasa_plugins import install
from bot.storage.db import build_engine


class UrlTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on ``KINTSUGI_DATABASE_URL`` (or the ``url`` given).

    Same table, same rows and same reading rule as Rasa's (the events since the latest
    ``session_started``, in id order), with leaner statements: Rasa rebuilds an ORM query
    with a subquery for every read and every write (SQLAlchemy then spends more time
    computing its cache key than the database spends answering) and adds each new event
    as an ORM object. These are built once and run as plain Core statements.

    Rasa calls the store from its event loop, and a database call that waits (a SQLite
    write lock held by the action server, a PostgreSQL commit waiting for the disk)
    would stall every other conversation of the process meanwhile. The database work
    runs in a few threads instead; the lock store still lets one message of a
    conversation through at a time, so its reads and writes keep their order.
    """

    DATABASE_THREADS = 4

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Any = None, **kwargs: Any) -> None:
        install()  # the rasa server builds its tracker store before it loads the model
        url = host or get_settings().database_url
        engine = build_engine(url)  # makes the SQLite folder; pooled, with our SQLite settings
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # Rasa's own engine opens a new SQLite connection per query (NullPool) and skips
        # WAL; ours keeps connections and shares the settings of Kintsugi's tables.
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine)
        self._statements = _EventStatements(self.SQLEvent.__table__)
        self._threads = ThreadPoolExecutor(self.DATABASE_THREADS, thread_name_prefix="tracker-store")

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        return await asyncio.get_running_loop().run_in_executor(
            self._threads, self._read, sender_id, fetch_events_from_all_sessions)

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        query = self._statements.all_events if fetch_events_from_all_sessions else self._statements.session_events
        with self.engine.connect() as connection:
            events = [json.loads(data) for data in connection.execute(query, {"sender_id": sender_id}).scalars()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet (those past the stored count of this session)."""
        await self.stream_events(tracker)
        await asyncio.get_running_loop().run_in_executor(self._threads, self._write, tracker)

    def _write(self, tracker: DialogueStateTracker) -> None:
        with self.engine.begin() as connection:
            stored = connection.execute(self._statements.session_count, {"sender_id": tracker.sender_id}).scalar_one()
            rows = [_event_row(tracker.sender_id, event) for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                connection.execute(self._statements.insert, rows)


class _EventStatements:
    """The tracker store's statements on Rasa's ``events`` table, built once."""

    def __init__(self, table: Table) -> None:
        sender = table.c.sender_id == bindparam("sender_id")
        session_start = (select(func.max(table.c.timestamp))
                         .where(sender, table.c.type_name == SessionStarted.type_name).scalar_subquery())
        this_session = or_(table.c.timestamp >= session_start, session_start.is_(None))
        self.all_events = select(table.c.data).where(sender).order_by(table.c.id)
        self.session_events = select(table.c.data).where(sender, this_session).order_by(table.c.id)
        self.session_count = select(func.count()).select_from(table).where(sender, this_session)
        self.insert = table.insert()


def _event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """One row of Rasa's ``events`` table, filled as Rasa fills it."""
    data = event.as_dict()
    intent = ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY)
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)}
