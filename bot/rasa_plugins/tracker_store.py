"""Rasa's tracker store on Kintsugi's database (``endpoints.yml``: ``tracker_store``).

Rasa's SQL tracker store on the same database URL as our tables
(``KINTSUGI_DATABASE_URL``). Building it is also where the rasa server process
installs the speed fixes of ``bot.rasa_plugins.tuning`` (see ``bot.rasa_plugins.install``).

A turn's work is bounded by a window, whatever the session's length (issue 21): a read
returns the session's last turns (at least ``KINTSUGI_TRACKER_WINDOW``, at most twice
that) after a *snapshot*, a few events that restore the state at the cut (every slot
that holds something, an open form, a paused conversation). See :class:`UrlTrackerStore`.
Where the window is cut and what the snapshot holds: ``tracker_window.py``; the tables and
statements: ``tracker_sql.py``.
"""
from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.config import get_settings
from bot.rasa_plugins import install
from bot.rasa_plugins.private_turns import scrub_events
from bot.rasa_plugins.tracker_sql import WINDOWS, EventStatements, event_row, prepare_window_tables
from bot.rasa_plugins.tracker_window import cut_position, snapshot_events, typed_messages
from bot.storage.db import build_engine

log = logging.getLogger(__name__)


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

    The window (issue 21). Rasa reads every event of the session for every turn, replays
    them, featurizes them for the policies and sends them all to the action server with
    each action call, so a turn costs more the longer the session. With a window of
    ``window`` turns (``KINTSUGI_TRACKER_WINDOW``; 0 reads whole sessions as Rasa does), a
    save that leaves ``2 * window`` user messages after the last cut makes a new cut at the
    ``action_listen`` before the ``window``-th last user message (or earlier, never inside a
    form's run of answers, which Rasa folds together for the policies). The state at the cut is
    kept as a *snapshot* in ``tracker_windows`` (one row per conversation): the session's
    last ``ESCALATION_TEXTS`` typed messages before the cut (text and intent: the
    escalation check reads both partners' last six), a ``slot`` event for every slot that
    has been set, ``active_loop`` for an open form (and its rejection), ``pause`` for a
    paused conversation. A read returns the snapshot and the session's rows after the
    cut: the same slots, form and pause as the whole session, the same last turns for
    the policies (rules and memoization look a few turns back), bounded work. The rows
    themselves are never changed: transcripts, exports and ``retrieve_full_tracker``
    (the HTTP API's full tracker) still see every event. A snapshot of an older session
    is ignored.
    """

    DATABASE_THREADS = 4
    ESCALATION_TEXTS = 6  # typed messages before the cut the snapshot keeps: actions.feelings.RECENT_TURNS

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Any = None, window: Optional[int] = None, **kwargs: Any) -> None:
        install()  # the rasa server builds its tracker store before it loads the model
        url = host or get_settings().database_url
        engine = build_engine(url)  # makes the SQLite folder; pooled, with our SQLite settings
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # Rasa's own engine opens a new SQLite connection per query (NullPool) and skips
        # WAL; ours keeps connections and shares the settings of Kintsugi's tables.
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine)
        self.window = max(0, int(get_settings().tracker_window if window is None else window))
        prepare_window_tables(engine)
        self._statements = EventStatements(self.SQLEvent.__table__, WINDOWS)
        self._threads = ThreadPoolExecutor(self.DATABASE_THREADS, thread_name_prefix="tracker-store")

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        return await asyncio.get_running_loop().run_in_executor(
            self._threads, self._read, sender_id, fetch_events_from_all_sessions)

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions or not self.window:
            query = self._statements.all_events if fetch_events_from_all_sessions else self._statements.session_events
            with self.engine.connect() as connection:
                events = [json.loads(data) for data in connection.execute(query, {"sender_id": sender_id}).scalars()]
            if self.domain and events:
                return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return None
        st = self._statements
        with self.engine.connect() as connection:
            since = connection.execute(st.session_start, {"sender_id": sender_id}).scalar()
            snapshot = connection.execute(st.window_row, {"sender_id": sender_id}).first()
            base: List[Dict[str, Any]] = []
            after = 0
            if snapshot is not None and snapshot.session_start == since:
                base, after = json.loads(snapshot.data), snapshot.after_id
            rows = connection.execute(st.tail_events[since is not None],
                                      {"sender_id": sender_id, "after_id": after, "since": since}).scalars()
            events = base + [json.loads(data) for data in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        tracker._kintsugi_window = _Window(since=since, after_id=after, base=len(base), saved=len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet, and cut the window when it has grown."""
        await self.stream_events(tracker)
        await asyncio.get_running_loop().run_in_executor(self._threads, self._write, tracker)

    def _write(self, tracker: DialogueStateTracker) -> None:
        st = self._statements
        window: Optional[_Window] = getattr(tracker, "_kintsugi_window", None)
        with self.engine.begin() as connection:
            if window is None:  # not read through the window: Rasa's rule, the rows past the session's count
                saved = connection.execute(st.session_count, {"sender_id": tracker.sender_id}).scalar_one()
            else:
                saved = window.saved
            stored = scrub_events(tracker.events)  # private turns lose their words (private_turns.py)
            new = stored[saved:]
            if new:
                connection.execute(st.insert, [event_row(tracker.sender_id, event) for event in new])
            if window is not None:
                window.saved = len(tracker.events)
                if self.window and new and not any(isinstance(event, SessionStarted) for event in new):
                    self._cut(connection, tracker, window, stored)

    def _cut(self, connection: Any, tracker: DialogueStateTracker, window: "_Window", events: List[Event]) -> None:
        """Move the cut forward when ``2 * window`` user messages follow it (``events``: as stored)."""
        users = [i for i in range(window.base, len(events)) if isinstance(events[i], UserUttered)]
        if len(users) < 2 * self.window:
            return
        position = cut_position(events, users, self.window, self.domain.slots)
        if position is None or position <= window.base:
            return
        state = DialogueStateTracker.from_events(tracker.sender_id, events[:position], self.domain.slots)
        snapshot = snapshot_events(state, events[position - 1].timestamp,
                                   typed_messages(events[:position], self.ESCALATION_TEXTS))
        st = self._statements
        after_id = connection.execute(
            st.tail_ids[window.since is not None].offset(position - 1 - window.base),
            {"sender_id": tracker.sender_id, "after_id": window.after_id, "since": window.since}).scalar()
        if after_id is None:  # the rows are not where the tracker says: keep the old cut
            log.warning("tracker window of %s not moved: row %s missing", tracker.sender_id, position)
            return
        connection.execute(st.window_delete, {"sender_id": tracker.sender_id})
        connection.execute(st.window_insert, {"sender_id": tracker.sender_id, "session_start": window.since,
                                              "after_id": after_id,
                                              "data": json.dumps([event.as_dict() for event in snapshot])})


@dataclass
class _Window:
    """What a windowed read gave: the session, the snapshot's cut, and how many events are stored."""

    since: Optional[float]  # timestamp of the session's session_started row (None: there is none)
    after_id: int  # the snapshot is the state after this row (0: no snapshot)
    base: int  # the snapshot's events at the start of tracker.events (not rows)
    saved: int  # tracker.events[:saved] are stored (or are the snapshot)
