"""Replies the widget has not confirmed yet, kept in the database until it does.

The widget's connection can drop while rasa is answering, and rasa itself can restart or
run as several replicas. Every reply to a widget conversation is therefore numbered and
kept (``bot.storage.widget_outbox``, table ``widget_replies``) before it is emitted; the
widget confirms each one it has shown (``reply_ack``), and a socket that joins the
conversation again (``session_request`` after a reconnect, a reload or a restarted rasa) is
sent, in order, everything still unconfirmed. A client message id handled once, by any
process, is never handed to rasa again: a resend waits until the first handling has finished.

When the database cannot be reached, this process's memory stands in (bounded:
``MAX_PER_SESSION`` replies per conversation, ``MAX_SESSIONS`` conversations, nothing older
than ``KEEP_SECONDS``). Logs carry counts and kinds of failure, never a reply's words.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional

from bot import clock
from bot.storage import widget_outbox

log = logging.getLogger(__name__)

MAX_PER_SESSION = 100
MAX_SESSIONS = 2000
KEEP_SECONDS = 24 * 3600
# How many client message ids are remembered per process (the database remembers the rest).
SEEN_LIMIT = 5000
# How long a resend waits for a handling started by another process (or a rasa that died meanwhile).
OTHER_PROCESS_WAIT = 60.0
POLL_SECONDS = 0.5

Emit = Callable[[Dict[str, Any]], Awaitable[None]]


@dataclass
class Pending:
    """One reply not yet confirmed by the widget (kept here only while the database is away)."""

    reply_id: str
    payload: Dict[str, Any]
    at: float


@dataclass
class SessionReplies:
    """A conversation's lock (keeps its replies in order) and replies the database could not take."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: "OrderedDict[str, Pending]" = field(default_factory=OrderedDict)
    touched: float = 0.0


class ReplyBook:
    """Unconfirmed replies per widget conversation, and the client messages already handled."""

    def __init__(self, *, max_per_session: int = MAX_PER_SESSION, max_sessions: int = MAX_SESSIONS,
                 keep_seconds: float = KEEP_SECONDS, seen_limit: int = SEEN_LIMIT,
                 use_database: bool = True, other_process_wait: float = OTHER_PROCESS_WAIT) -> None:
        self._sessions: "OrderedDict[str, SessionReplies]" = OrderedDict()
        self._handled: "OrderedDict[str, asyncio.Future]" = OrderedDict()
        self._boot = uuid.uuid4().hex[:8]  # reply ids never repeat across restarts and replicas
        self._counter = 0
        self.max_per_session = max_per_session
        self.max_sessions = max_sessions
        self.keep_seconds = keep_seconds
        self.seen_limit = seen_limit
        self.use_database = use_database
        self.other_process_wait = other_process_wait

    # ------------------------------------------------------------ replies

    def _session(self, session_id: str) -> SessionReplies:
        replies = self._sessions.get(session_id)
        if replies is None:
            replies = self._sessions[session_id] = SessionReplies()
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        self._sessions.move_to_end(session_id)
        replies.touched = clock.timestamp()
        return replies

    def _forget_stale(self, replies: SessionReplies) -> None:
        oldest = clock.timestamp() - self.keep_seconds
        for reply_id in [r.reply_id for r in replies.pending.values() if r.at < oldest]:
            del replies.pending[reply_id]
        while len(replies.pending) > self.max_per_session:
            replies.pending.popitem(last=False)

    async def _db(self, what: str, call: Callable[..., Any], *args: Any) -> Any:
        """Run a storage call in a thread; None (and a log line without words) when the database fails."""
        if not self.use_database:
            return None
        try:
            return await asyncio.to_thread(call, *args)
        except Exception as exc:  # noqa: BLE001 - the database is away: this process's memory stands in
            log.warning("widget replies: %s failed (%s); this process remembers meanwhile", what, type(exc).__name__)
            return None

    async def deliver(self, session_id: str, payload: Dict[str, Any], in_reply_to: Optional[str],
                      emit: Emit) -> str:
        """Number ``payload``, keep it until confirmed, and emit it to the conversation's room."""
        replies = self._session(session_id)
        async with replies.lock:
            self._counter += 1
            reply_id = f"{self._boot}.{self._counter}"
            message = {**payload, "reply_id": reply_id, "in_reply_to": in_reply_to}
            kept = await self._db("keep", widget_outbox.keep, session_id, reply_id, message)
            if not kept:
                replies.pending[reply_id] = Pending(reply_id, message, clock.timestamp())
                self._forget_stale(replies)
            await emit(message)
        return reply_id

    async def _waiting(self, session_id: str, replies: SessionReplies) -> List[Dict[str, Any]]:
        self._forget_stale(replies)
        stored = await self._db("read", widget_outbox.unconfirmed, session_id) or []
        ids = {m.get("reply_id") for m in stored}
        return stored + [r.payload for r in replies.pending.values() if r.reply_id not in ids]

    async def rejoin(self, session_id: str, join: Callable[[], Awaitable[None]], emit: Emit) -> int:
        """Join the room and send this socket every unconfirmed reply, in order; returns how many."""
        replies = self._session(session_id)
        async with replies.lock:  # no new reply slips in between the join and the replay
            await join()
            waiting = await self._waiting(session_id, replies)
            for message in waiting:
                await emit(message)
        return len(waiting)

    async def acknowledge(self, session_id: str, reply_ids: Iterable[Any]) -> int:
        """Forget replies the widget has shown; returns how many were forgotten."""
        ids = [r for r in reply_ids if isinstance(r, str)]
        forgotten = await self._db("confirm", widget_outbox.confirm, session_id, ids) or 0
        replies = self._sessions.get(session_id)
        if replies is not None:
            forgotten += sum(1 for r in ids if replies.pending.pop(r, None) is not None)
        return forgotten

    async def unconfirmed(self, session_id: str) -> List[Dict[str, Any]]:
        """The replies of a conversation still waiting for the widget's confirmation."""
        return await self._waiting(session_id, self._session(session_id))

    # ------------------------------------------------------------ client messages

    async def claim(self, session_id: str, client_message_id: str) -> bool:
        """True when this process is to hand the client message to rasa; False once an earlier handling is over."""
        key = f"{session_id}\x00{client_message_id}"
        earlier = self._handled.get(key)
        if earlier is not None:
            self._handled.move_to_end(key)
            await asyncio.shield(earlier)
            return False
        future = self._handled[key] = asyncio.get_running_loop().create_future()
        while len(self._handled) > self.seen_limit:
            self._handled.popitem(last=False)
        first = await self._db("claim", widget_outbox.start_handling, session_id, client_message_id)
        if first is None or first:
            return True
        deadline = clock.timestamp() + self.other_process_wait
        while True:  # another process (or one that died since) took it: wait for its end
            if await self._db("read", widget_outbox.handled, session_id, client_message_id):
                if not future.done():
                    future.set_result(None)
                return False
            if clock.timestamp() >= deadline:
                log.warning("a widget message's first handling never finished; handled here")
                return True
            await asyncio.sleep(POLL_SECONDS)

    async def finished(self, session_id: str, client_message_id: str) -> None:
        """The handling of a client message is over (its replies are kept or confirmed)."""
        future = self._handled.get(f"{session_id}\x00{client_message_id}")
        if future is not None and not future.done():
            future.set_result(None)
        await self._db("finish", widget_outbox.finish_handling, session_id, client_message_id)
