"""The widget's rasa socket.io channel: room joined, custom payloads delivered, resends deduplicated."""
from __future__ import annotations

import asyncio
import inspect
from typing import Any, Dict, List, Tuple

import pytest
import socketio

from bot.rasa_plugins.widget_channel import RecentIds, WidgetSocketIOInput, WidgetSocketIOOutput


class FakeServer:
    """Records what the channel emits and which rooms it joins."""

    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Dict[str, Any]]] = []
        self.rooms: List[Tuple[str, str]] = []

    async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
        """Record an emitted event."""
        self.emitted.append((event, data, kwargs))

    async def enter_room(self, sid: str, room: str, namespace: Any = None) -> None:
        """Record a room join."""
        self.rooms.append((sid, room))


def channel_handlers(monkeypatch: pytest.MonkeyPatch, **credentials: Any):
    """The channel's socket.io handlers, its fake server and the messages handed to rasa."""
    channel = WidgetSocketIOInput.from_credentials({"session_persistence": True, **credentials})
    received: List[Any] = []

    async def on_new_message(message: Any) -> None:
        received.append(message)

    channel.blueprint(on_new_message)
    fake = FakeServer()
    monkeypatch.setattr(channel.sio, "emit", fake.emit)
    monkeypatch.setattr(channel.sio, "enter_room", fake.enter_room)
    return channel.sio.handlers["/"], fake, received


def test_why_rasas_own_channel_is_not_enough() -> None:
    from rasa.core.channels import socketio as rasa_socketio

    source = inspect.getsource(rasa_socketio)
    assert asyncio.iscoroutinefunction(socketio.AsyncServer.enter_room)
    # If this fails, rasa awaits enter_room now and our subclass may be dropped (see channel.py).
    assert "await sio.enter_room" not in source and "sio.enter_room(" in source


async def test_session_request_joins_the_sessions_room(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers, fake, _ = channel_handlers(monkeypatch)
    await handlers["session_request"]("sid1", {"session_id": "web-abc"})
    assert fake.rooms == [("sid1", "web-abc")]
    assert fake.emitted == [("session_confirm", "web-abc", {"room": "sid1", "namespace": None})]


async def test_a_message_reaches_rasa_with_its_metadata_once(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers, _, received = channel_handlers(monkeypatch)
    data = {"message": "hello", "session_id": "web-abc", "client_message_id": "m1",
            "metadata": {"partner_id": "web:web-abc:A", "channel": "web"}}
    assert await handlers["user_uttered"]("sid1", data) == {"status": "ok"}
    assert await handlers["user_uttered"]("sid2", dict(data)) == {"status": "duplicate"}
    assert await handlers["user_uttered"]("sid2", {**data, "session_id": "web-other"}) == {"status": "ok"}
    assert [(m.text, m.sender_id) for m in received] == [("hello", "web-abc"), ("hello", "web-other")]
    assert received[0].metadata == {"partner_id": "web:web-abc:A", "channel": "web"}
    assert received[0].input_channel == "socketio"


async def test_a_message_without_session_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers, _, received = channel_handlers(monkeypatch)
    assert await handlers["user_uttered"]("sid1", {"message": "hello"}) == {"status": "ignored"}
    assert received == []


async def test_custom_payload_travels_with_its_text_and_buttons() -> None:
    fake = FakeServer()
    output = WidgetSocketIOOutput(fake, "bot_uttered")
    crisis = {"kintsugi": {"kind": "crisis", "text": "Please call 999.", "resources": []}}
    await output.send_response("web-abc", {"text": "Here for you.", "custom": crisis,
                                           "buttons": [{"title": "I'm safe", "payload": "/im_safe"}]})
    assert fake.emitted == [("bot_uttered", {
        "custom": crisis, "text": "Here for you.",
        "quick_replies": [{"content_type": "text", "title": "I'm safe", "payload": "/im_safe"}]},
        {"room": "web-abc"})]


async def test_plain_messages_are_unchanged() -> None:
    fake = FakeServer()
    output = WidgetSocketIOOutput(fake, "bot_uttered")
    await output.send_response("web-abc", {"text": "One.\n\nTwo."})
    assert [data for _, data, _ in fake.emitted] == [{"text": "One."}, {"text": "Two."}]
    await output.send_custom_json("web-abc", {"kintsugi": {"kind": "resources"}})
    assert fake.emitted[-1] == ("bot_uttered", {"custom": {"kintsugi": {"kind": "resources"}}},
                                {"room": "web-abc"})


def test_recent_ids_forget_the_oldest() -> None:
    seen = RecentIds(limit=2)
    assert seen.add("a") and seen.add("b") and not seen.add("a")
    assert seen.add("c")  # "b" is now the oldest and goes
    assert seen.add("b") and not seen.add("c")
