"""Replies the widget has not confirmed yet, kept in the rasa process until it does.

The widget's connection can drop while rasa is answering. Every reply to a widget
conversation is therefore numbered and kept here before it is emitted; the widget
confirms each one it has shown (``reply_ack``), and a socket that joins the
conversation again (``session_request`` after a reconnect or a reload) is sent,
in order, everything still unconfirmed. A client message id handled once is never
handed to rasa again: a resend waits until the first handling has finished.

What is kept lives in this process only (a restart or another rasa replica starts
empty). Bounds: ``MAX_PER_SESSION`` replies per conversation, ``MAX_SESSIONS``
conversations, and nothing older than ``KEEP_SECONDS``.
"""
from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional

from bot import clock

MAX_PER_SESSION = 100
MAX_SESSIONS = 2000
KEEP_SECONDS = 24 * 3600
# How many client message ids are remembered per process for duplicate detection.
SEEN_LIMIT = 5000

Emit = Callable[[Dict[str, Any]], Awaitable[None]]


@dataclass
class Pending:
    """One reply not yet confirmed by the widget."""

    reply_id: str
    payload: Dict[str, Any]
    at: float


@dataclass
class SessionReplies:
    """A conversation's unconfirmed replies and the lock that keeps them in order."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: "OrderedDict[str, Pending]" = field(default_factory=OrderedDict)
    touched: float = 0.0


class ReplyBook:
    """Unconfirmed replies per widget conversation, and the client messages already handled."""

    def __init__(self, *, max_per_session: int = MAX_PER_SESSION, max_sessions: int = MAX_SESSIONS,
                 keep_seconds: float = KEEP_SECONDS, seen_limit: int = SEEN_LIMIT) -> None:
        self._sessions: "OrderedDict[str, SessionReplies]" = OrderedDict()
        self._handled: "OrderedDict[str, asyncio.Future]" = OrderedDict()
        self._boot = uuid.uuid4().hex[:8]  # reply ids never repeat across restarts
        self._counter = 0
        self.max_per_session = max_per_session
        self.max_sessions = max_sessions
        self.keep_seconds = keep_seconds
        self.seen_limit = seen_limit

    # ------------------------------------------------------------ replies

    def _session(self, session_id: str) -> SessionReplies:
        now = clock.timestamp()
        replies = self._sessions.get(session_id)
        if replies is None:
            replies = self._sessions[session_id] = SessionReplies()
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        self._sessions.move_to_end(session_id)
        replies.touched = now
        return replies

    def _forget_stale(self, replies: SessionReplies) -> None:
        oldest = clock.timestamp() - self.keep_seconds
        for reply_id in [r.reply_id for r in replies.pending.values() if r.at < oldest]:
            del replies.pending[reply_id]
        while len(replies.pending) > self.max_per_session:
            replies.pending.popitem(last=False)

    async def deliver(self, session_id: str, payload: Dict[str, Any], in_reply_to: Optional[str],
                      emit: Emit) -> str:
        """Number ``payload``, keep it until confirmed, and emit it to the conversation's room."""
        replies = self._session(session_id)
        async with replies.lock:
            self._counter += 1
            reply_id = f"{self._boot}.{self._counter}"
            message = {**payload, "reply_id": reply_id, "in_reply_to": in_reply_to}
            replies.pending[reply_id] = Pending(reply_id, message, clock.timestamp())
            self._forget_stale(replies)
            await emit(message)
        return reply_id

    async def rejoin(self, session_id: str, join: Callable[[], Awaitable[None]], emit: Emit) -> int:
        """Join the room and send this socket every unconfirmed reply, in order; returns how many."""
        replies = self._session(session_id)
        async with replies.lock:  # no new reply slips in between the join and the replay
            await join()
            self._forget_stale(replies)
            waiting = [r.payload for r in replies.pending.values()]
            for message in waiting:
                await emit(message)
        return len(waiting)

    def acknowledge(self, session_id: str, reply_ids: Iterable[Any]) -> int:
        """Forget replies the widget has shown; returns how many were forgotten."""
        replies = self._sessions.get(session_id)
        if replies is None:
            return 0
        forgotten = 0
        for reply_id in reply_ids:
            if isinstance(reply_id, str) and replies.pending.pop(reply_id, None) is not None:
                forgotten += 1
        return forgotten

    def unconfirmed(self, session_id: str) -> List[Dict[str, Any]]:
        """The replies of a conversation still waiting for the widget's confirmation."""
        replies = self._sessions.get(session_id)
        return [r.payload for r in replies.pending.values()] if replies else []

    # ------------------------------------------------------------ client messages

    def first_time(self, session_id: str, client_message_id: str) -> Optional[asyncio.Future]:
        """None the first time a client message is seen (it is then handled); else its handling."""
        key = f"{session_id}\x00{client_message_id}"
        earlier = self._handled.get(key)
        if earlier is not None:
            self._handled.move_to_end(key)
            return earlier
        self._handled[key] = asyncio.get_running_loop().create_future()
        while len(self._handled) > self.seen_limit:
            self._handled.popitem(last=False)
        return None

    def finished(self, session_id: str, client_message_id: str) -> None:
        """The first handling of a client message is over (its replies are kept or confirmed)."""
        future = self._handled.get(f"{session_id}\x00{client_message_id}")
        if future is not None and not future.done():
            future.set_result(None)
