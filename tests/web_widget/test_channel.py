"""The widget's rasa socket.io channel: room joined, custom payloads delivered, resends handled once,
replies kept until the widget confirms them and sent again to a socket that comes back."""
from __future__ import annotations

import asyncio
import inspect
from typing import Any, Dict, List, Tuple

import pytest
import socketio

from bot.rasa_plugins.widget_channel import WidgetSocketIOInput, WidgetSocketIOOutput
from bot.rasa_plugins.widget_replies import ReplyBook


@pytest.fixture(autouse=True)
def _database(sqlite_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The channel keeps unconfirmed replies in the database: each test gets its own.

    The AI disclosure (tested in tests/test_disclosure_memory.py) stays out of these replies."""
    import bot.disclosure

    from bot import sealed

    monkeypatch.setattr(bot.disclosure, "wrap", lambda handler: handler)
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", sealed.new_key())
    return sqlite_database


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


def bot_uttered(fake: FakeServer) -> List[Tuple[Any, Dict[str, Any]]]:
    """(payload, emit keywords) of every reply emitted."""
    return [(data, kwargs) for event, data, kwargs in fake.emitted if event == "bot_uttered"]


def answering(received: List[Any], texts: List[str], gate: "asyncio.Event | None" = None):
    """An on_new_message that answers each message with ``texts`` (after ``gate`` opens)."""

    async def on_new_message(message: Any) -> None:
        received.append(message)
        if gate is not None:
            await gate.wait()
        for text in texts:
            await message.output_channel.send_response(message.sender_id, {"text": text})

    return on_new_message


def channel_answering(monkeypatch: pytest.MonkeyPatch, texts: List[str], gate: "asyncio.Event | None" = None):
    """The channel's handlers wired to ``answering``; also its fake server and received messages."""
    channel = WidgetSocketIOInput.from_credentials({"session_persistence": True})
    received: List[Any] = []
    channel.blueprint(answering(received, texts, gate))
    fake = FakeServer()
    monkeypatch.setattr(channel.sio, "emit", fake.emit)
    monkeypatch.setattr(channel.sio, "enter_room", fake.enter_room)
    return channel, channel.sio.handlers["/"], fake, received


async def test_replies_carry_ids_and_are_sent_again_to_a_socket_that_comes_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    channel, handlers, fake, received = channel_answering(monkeypatch, ["One.", "Two."])
    await handlers["session_request"]("sid1", {"session_id": "web-abc"})
    data = {"message": "hello", "session_id": "web-abc", "client_message_id": "m1"}
    assert await handlers["user_uttered"]("sid1", data) == {"status": "ok"}
    sent = bot_uttered(fake)
    assert [(p["text"], p["in_reply_to"], kw["room"]) for p, kw in sent] == \
        [("One.", "m1", "web-abc"), ("Two.", "m1", "web-abc")]
    first, second = (p["reply_id"] for p, _ in sent)
    assert first != second
    # the socket dropped before it could confirm: the new socket gets both, in order, before the confirm
    fake.emitted.clear()
    await handlers["session_request"]("sid2", {"session_id": "web-abc"})
    assert [(e, d["reply_id"] if e == "bot_uttered" else d, kw["room"]) for e, d, kw in fake.emitted] == \
        [("bot_uttered", first, "sid2"), ("bot_uttered", second, "sid2"), ("session_confirm", "web-abc", "sid2")]
    # confirmed replies are not sent again; confirming twice or a stranger's ids change nothing
    await handlers["reply_ack"]("sid2", {"session_id": "web-abc", "reply_ids": [first, "nope", 7]})
    await handlers["reply_ack"]("sid2", {"session_id": "web-other", "reply_ids": [second]})
    await handlers["reply_ack"]("sid2", "garbage")
    assert [p["reply_id"] for p in (await channel.book.unconfirmed("web-abc"))] == [second]
    await handlers["reply_ack"]("sid2", {"session_id": "web-abc", "reply_ids": [second]})
    fake.emitted.clear()
    await handlers["session_request"]("sid3", {"session_id": "web-abc"})
    assert [e for e, _, _ in fake.emitted] == ["session_confirm"]
    assert len(received) == 1


async def test_a_resend_while_rasa_is_still_answering_waits_and_is_handled_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    gate = asyncio.Event()
    channel, handlers, fake, received = channel_answering(monkeypatch, ["Here."], gate)
    await handlers["session_request"]("sid1", {"session_id": "web-abc"})
    data = {"message": "are you there", "session_id": "web-abc", "client_message_id": "m1"}
    first = asyncio.ensure_future(handlers["user_uttered"]("sid1", data))
    await asyncio.sleep(0.01)
    # the connection dropped; the widget comes back and sends the same message again
    await handlers["session_request"]("sid2", {"session_id": "web-abc"})
    resend = asyncio.ensure_future(handlers["user_uttered"]("sid2", dict(data)))
    await asyncio.sleep(0.01)
    assert not resend.done(), "the resend is acknowledged only once the first handling is over"
    gate.set()
    assert await resend == {"status": "duplicate"}
    assert await first == {"status": "ok"}
    assert [m.text for m in received] == ["are you there"]
    assert [p["text"] for p, _ in bot_uttered(fake)] == ["Here."]  # once, to the room the new socket joined


async def test_replies_outside_a_user_turn_are_kept_too(monkeypatch: pytest.MonkeyPatch) -> None:
    channel, handlers, fake, _ = channel_answering(monkeypatch, [])
    output = channel.get_output_channel()
    await output.send_response("web-abc", {"text": "It's time to come back to your talk."})
    [(payload, _)] = bot_uttered(fake)
    assert payload["in_reply_to"] is None and (await channel.book.unconfirmed("web-abc")) == [payload]


async def test_the_book_keeps_its_bounds(test_clock) -> None:
    test_clock.at("12:00")
    book = ReplyBook(max_per_session=2, max_sessions=2, keep_seconds=60, use_database=False)  # the memory that stands in
    emitted: List[Dict[str, Any]] = []

    async def emit(message: Dict[str, Any]) -> None:
        emitted.append(message)

    for text in ("a", "b", "c"):
        await book.deliver("s1", {"text": text}, None, emit)
    assert [p["text"] for p in (await book.unconfirmed("s1"))] == ["b", "c"]  # the oldest goes first
    await book.deliver("s2", {"text": "x"}, None, emit)
    await book.deliver("s3", {"text": "y"}, None, emit)
    assert (await book.unconfirmed("s1")) == []  # the least recent conversation goes
    test_clock.advance(seconds=61)

    async def join() -> None:
        return None

    assert await book.rejoin("s3", join, emit) == 0  # too old to be sent again
    assert len({m["reply_id"] for m in emitted}) == len(emitted)
    assert await book.claim("s1", "m1") is True
    await book.finished("s1", "m1")
    assert await book.claim("s1", "m1") is False
