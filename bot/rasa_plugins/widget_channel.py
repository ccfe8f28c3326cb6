"""Rasa socket.io input channel for the widget, with three fixes over rasa's own.

Use it in ``credentials.yml`` instead of ``socketio:`` (same settings)::

    bot.rasa_plugins.widget_channel.WidgetSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: metadata

Why not the stock channel (rasa 3.6.21 with python-socketio 5.18):

1. ``session_request`` calls ``sio.enter_room(...)`` without ``await``. In
   python-socketio 5.x that is a coroutine, so the socket never joins the
   session's room and, with ``session_persistence: true``, no reply ever
   reaches the browser (rasa issue 13027).
2. ``send_custom_json`` passes the custom payload as keyword arguments to
   ``sio.emit``; ``{"kintsugi": {...}}`` raises ``TypeError`` and the crisis
   reply is lost. Here a custom payload is emitted as ``{"custom": ...}``
   together with the text and quick replies of the same message.
3. A message resent after a dropped connection (same ``client_message_id``)
   is not processed twice: the resend is acknowledged once the first handling
   has finished.
4. Replies are not lost when the connection drops while rasa is answering:
   each carries a ``reply_id`` (and ``in_reply_to``, the client message id) and
   is kept (``bot.rasa_plugins.widget_replies.ReplyBook``, in the database) until
   the widget confirms it with ``reply_ack``; a socket that sends ``session_request``
   again first gets every reply still unconfirmed, in order, from whichever rasa
   process (or restart) answers it.

The channel keeps the name ``socketio``, so trackers look the same.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.rasa_plugins import first_words
from bot.rasa_plugins.widget_replies import ReplyBook

log = logging.getLogger(__name__)

# The widget confirms the replies it has shown with this event: {session_id, reply_ids: [...]}.
REPLY_ACK_EVT = "reply_ack"


def _quick_replies(buttons: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Rasa buttons in the socket.io channel's quick-reply shape."""
    return [{"content_type": "text", "title": b.get("title", ""), "payload": b.get("payload", "")}
            for b in buttons]


class WidgetSocketIOOutput(SocketIOOutput):
    """Socket.io output that keeps every reply until the widget confirms it, custom payloads included."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, book: Optional[ReplyBook] = None,
                 in_reply_to: Optional[Text] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.book = book
        self.in_reply_to = in_reply_to

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        """Emit one reply to the conversation's room, numbered and kept when there is a book."""
        if self.book is None:
            await super()._send_message(socket_id, response)
            return

        async def emit(message: Dict[Text, Any]) -> None:
            await self.sio.emit(self.bot_message_evt, message, room=socket_id)

        await self.book.deliver(socket_id, response, self.in_reply_to, emit)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send one bot message; a custom payload travels with its text and buttons."""
        custom = message.pop("custom", None)
        if custom is None:
            await super().send_response(recipient_id, message)
            return
        payload: Dict[Text, Any] = {"custom": custom}
        text = message.pop("text", None)
        buttons = message.pop("quick_replies", None) or message.pop("buttons", None)
        if text:
            payload["text"] = text
        if buttons:
            payload["quick_replies"] = _quick_replies(buttons)
        await self._send_message(recipient_id, payload)
        if any(message.get(key) for key in ("image", "attachment", "elements")):
            await super().send_response(recipient_id, message)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        """Emit a custom payload as data (rasa's version passes it as emit() keywords)."""
        await self._send_message(recipient_id, {"custom": json_message})


class WidgetSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel: room join awaited, resends handled once, replies kept until confirmed."""

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        """Output channel for messages sent outside a user turn (e.g. reminders)."""
        if self.sio is None:
            return super().get_output_channel()
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt, getattr(self, "book", None))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Sanic blueprint serving the socket.io endpoint (the AI disclosure follows replies when due)."""
        from bot.disclosure import wrap

        on_new_message = wrap(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        book = self.book = ReplyBook()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token")
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                async def join() -> None:
                    await sio.enter_room(sid, session_id, namespace=self.namespace)

                async def emit(message: Dict[Text, Any]) -> None:
                    await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

                replayed = await book.rejoin(str(session_id), join, emit)
                if replayed:
                    log.info("%d unconfirmed widget replies sent again", replayed)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(REPLY_ACK_EVT, namespace=self.namespace)
        async def reply_ack(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            ids = data.get("reply_ids")
            if data.get("session_id") and isinstance(ids, list):
                await book.acknowledge(str(data["session_id"]), ids[:200])

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> Optional[Dict]:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not sender_id:
                    log.warning("socket.io message without session_id ignored")
                    return {"status": "ignored"}
            else:
                sender_id = sid
            client_id = data.get("client_message_id")
            client_id = str(client_id)[:100] if client_id else None
            if client_id and not await book.claim(sender_id, client_id):
                # Handled already (here, in another replica or before a restart): its replies are kept.
                log.info("duplicate widget message not handled again (session %s)", sender_id)
                return {"status": "duplicate"}
            try:
                metadata = data.get(self.metadata_key) or {}
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                metadata = first_words.flag(data.get("message"), metadata)
                output = WidgetSocketIOOutput(sio, self.bot_message_evt, book, client_id)
                await on_new_message(UserMessage(data.get("message", ""), output, sender_id,
                                                 input_channel=self.name(), metadata=metadata))
            finally:
                if client_id:
                    await book.finished(sender_id, client_id)
            return {"status": "ok"}

        return bp
