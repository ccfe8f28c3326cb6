"""Servers the widget tests run in background threads: the gateway and a socket.io stand-in.

The stand-in speaks the rasa socket.io channel's protocol (``session_request`` →
``session_confirm``, ``user_uttered`` → ``bot_uttered``, acknowledged) with
scripted replies, so the widget can be tested without a trained model; it can be
stopped and started again on the same port to cut the connection.
"""
from __future__ import annotations

import asyncio
import errno
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import socketio
from aiohttp import web

from bot.stack import free_port  # one set of handed-out ports per process; widget tests import it from here


class ThreadedApp:
    """An aiohttp application served from its own thread and event loop."""

    def __init__(self, make_app: Callable[[], web.Application], port: Optional[int] = None) -> None:
        self.make_app = make_app
        self.port = port or free_port()
        self.port_chosen = port is None  # ours to change if another process took it first
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.thread: Optional[threading.Thread] = None
        self.runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        """Base URL of the running app."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ThreadedApp":
        """Start serving; returns once the port accepts connections.

        A port this app chose itself and another process (a parallel test worker) took between
        ``free_port()`` and the bind is swapped for a new one, up to three times.
        """
        for attempt in range(3):
            try:
                return self._start()
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or not self.port_chosen or attempt == 2:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self) -> "ThreadedApp":
        ready = threading.Event()
        errors: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            self.runner = None
            asyncio.set_event_loop(loop)
            try:
                self.runner = web.AppRunner(self.make_app(), handle_signals=False, shutdown_timeout=0.5)
                loop.run_until_complete(self.runner.setup())
                site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
                loop.run_until_complete(site.start())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                errors.append(exc)
                if self.runner is not None:
                    loop.run_until_complete(self.runner.cleanup())
                loop.close()
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.runner.cleanup())
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    def call(self, coro: Any, timeout: float = 10) -> Any:
        """Run a coroutine on the app's loop and wait for its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop serving and close every connection."""
        if self.loop is None or self.thread is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(20)
        self.loop = None
        self.thread = None


@dataclass
class Received:
    """One user message as the stand-in got it."""

    session_id: str
    message: str
    metadata: Dict[str, Any]
    client_message_id: Optional[str]


@dataclass
class StandIn:
    """A socket.io server that answers like the rasa channel, with scripted replies."""

    port: int = field(default_factory=free_port)
    received: List[Received] = field(default_factory=list)
    reply_delay: float = 0.2
    app: Optional[ThreadedApp] = None
    dedupe: bool = True
    seen: set = field(default_factory=set)  # survives a restart, like a network drop would
    started: bool = False

    @property
    def url(self) -> str:
        """Base URL browsers connect to."""
        return f"http://127.0.0.1:{self.port}"

    def messages(self, session_id: Optional[str] = None) -> List[str]:
        """Texts received (for one session if given), in order."""
        return [r.message for r in self.received if session_id is None or r.session_id == session_id]

    def _build(self) -> web.Application:
        sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        app = web.Application()
        sio.attach(app)
        seen = self.seen

        @sio.on("session_request")
        async def session_request(sid: str, data: Optional[Dict[str, Any]]) -> None:
            session_id = (data or {}).get("session_id") or "web-standin"
            await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: Dict[str, Any]) -> Dict[str, str]:
            session_id = data.get("session_id")
            client_id = data.get("client_message_id")
            if self.dedupe and client_id and (session_id, client_id) in seen:
                return {"status": "duplicate"}
            seen.add((session_id, client_id))
            self.received.append(Received(session_id, data.get("message", ""), data.get("metadata") or {},
                                          client_id))
            for reply in script_reply(data.get("message", "")):
                await asyncio.sleep(self.reply_delay)
                await sio.emit("bot_uttered", reply, room=session_id)
            return {"status": "ok"}

        return app

    def start(self) -> "StandIn":
        """Start (or restart) listening on the same port (chosen anew only if taken at the first start)."""
        first = not self.started
        app = ThreadedApp(self._build, port=self.port)
        app.port_chosen = first
        self.app = app.start()
        self.port, self.started = app.port, True
        return self

    def stop(self) -> None:
        """Stop listening: every browser connection drops."""
        if self.app is not None:
            self.app.stop()
            self.app = None


CRISIS_RESOURCES = [
    {"name": "Samaritans", "phone": "116 123", "other_phones": [], "text": None, "web": "samaritans.org",
     "hours": "24/7", "kind": "helpline"},
    {"name": "Shout", "phone": None, "other_phones": [], "text": "Text SHOUT to 85258", "web": None,
     "hours": None, "kind": "helpline"},
    {"name": "Emergency services (999)", "phone": "999", "other_phones": [], "text": None, "web": None,
     "hours": "24/7", "kind": "emergency"},
]


def script_reply(message: str) -> List[Dict[str, Any]]:
    """The stand-in's scripted answer to one message."""
    lowered = message.lower()
    if message == "/im_flooded":
        return [{"text": "Let's stop here for now. Breathe out slowly.", "quick_replies": []},
                {"text": "When would you like to come back to this?",
                 "quick_replies": [{"content_type": "text", "title": "In 30 minutes", "payload": "in 30 minutes"},
                                   {"content_type": "text", "title": "Tomorrow", "payload": "tomorrow"}]}]
    if "crisis" in lowered:
        return [{"custom": {"kintsugi": {
            "kind": "crisis", "category": "suicide_self_harm", "country": "UK",
            "text": "I'm really glad you told me.\n\nIf you or someone else is in danger right now, please call 999."
                    "\nYou don't have to carry this alone. You can reach:\n• Samaritans: call 116 123\n"
                    "• Shout: Text SHOUT to 85258",
            "resources": CRISIS_RESOURCES, "emergency": "999"}}},
                {"text": "Are you somewhere safe right now?",
                 "quick_replies": [{"content_type": "text", "title": "I'm safe", "payload": "/im_safe"},
                                   {"content_type": "text", "title": "Not really", "payload": "/not_safe"}]}]
    if lowered == "choices please":
        titles = [f"{n}. About the bed: what did it mean to you then, and what does it mean now?" for n in range(1, 5)]
        return [{"text": "Which of these is closest?",
                 "quick_replies": [{"content_type": "text", "title": t, "payload": t} for t in titles]
                 + [{"content_type": "text", "title": "Keep my question", "payload": "keep my question"}]}]
    if lowered == "list please":
        return [{"text": "For the partner who answers:\n• Listen to the whole question.\n• Answer briefly."}]
    if lowered.startswith("in ") or lowered == "tomorrow":
        return [{"text": f"Okay. I'll remind you both {message}."}]
    return [{"text": "I hear you. That sounds hard.",
             "quick_replies": [{"content_type": "text", "title": "I need a pause", "payload": "/im_flooded"},
                               {"content_type": "text", "title": "I want to ask a question",
                                "payload": "/ask_a_question"}]}]
