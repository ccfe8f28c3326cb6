"""A local stand-in for Telegram's Bot API, spoken over real HTTP.

python-telegram-bot is pointed at it with ``base_url``; it serves queued updates
through ``getUpdates`` (or posts them to a webhook), answers the methods the
gateway uses, and records every call so tests can assert what a user would see.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from aiohttp import ClientSession, web

JSON_PARAMS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "reply_markup", "allowed_updates", "commands",
    "scope", "entities", "reply_parameters", "link_preview_options", "drop_pending_updates", "show_alert",
    "disable_notification", "max_connections", "cache_time", "protect_content",
}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: Dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Person:
    """A Telegram user in a test."""

    id: int
    first_name: str
    language_code: str = "en"

    def as_user(self) -> Dict[str, Any]:
        """The Bot API ``User`` object."""
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}


class FakeBotApi:
    """An aiohttp server on 127.0.0.1 speaking enough of the Bot API for the gateway."""

    def __init__(self, token: str = "123456:TEST-token", bot_id: int = 123456,
                 username: str = "kintsugi_test_bot") -> None:
        self.token = token
        self.me = {"id": bot_id, "is_bot": True, "first_name": "Kintsugi", "username": username,
                   "can_join_groups": True, "can_read_all_group_messages": False,
                   "supports_inline_queries": False}
        self.calls: List[Call] = []
        self.unreachable: Set[int] = set()  # chats that answer 403 (never started the bot)
        self.webhook: Dict[str, Any] = {}
        self._updates: List[Dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        # Update ids keep rising across a bot's life; tests share a database, so start anywhere.
        self._update_ids = itertools.count(random.randint(10**6, 10**9))
        self._message_ids = itertools.count(1)
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    # --- server -------------------------------------------------------------------------------
    async def start(self, port: int = 0) -> "FakeBotApi":
        """Listen on ``port`` of 127.0.0.1 (a free one by default)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the port we were given
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening (long polls in flight return at once)."""
        self._new_update.set()
        await asyncio.sleep(0.05)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What to give ptb as ``base_url`` (it appends the token)."""
        return f"{self.url}/bot"

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: Dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an uploaded file (sendDocument): its name and bytes
                params[key] = {"filename": value.filename, "content": value.file.read()}
                continue
            if key in JSON_PARAMS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params))
            self._new_call.set()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return await handler(params)

    @staticmethod
    def _bad_request(reason: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {reason}"}, status=400)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    # --- Bot API methods ----------------------------------------------------------------------
    async def _api_getMe(self, params: Dict[str, Any]) -> web.Response:
        return self._ok(self.me)

    async def _api_getUpdates(self, params: Dict[str, Any]) -> web.Response:
        if not self._updates:
            self._new_update.clear()
            try:  # a short long-poll keeps shutdown quick
                await asyncio.wait_for(self._new_update.wait(), timeout=min(float(params.get("timeout") or 0), 0.5))
            except asyncio.TimeoutError:
                pass
        updates, self._updates = self._updates, []
        return self._ok(updates)

    async def _api_setWebhook(self, params: Dict[str, Any]) -> web.Response:
        self.webhook = params
        return self._ok(True)

    async def _api_deleteWebhook(self, params: Dict[str, Any]) -> web.Response:
        self.webhook = {}
        return self._ok(True)

    async def _api_getWebhookInfo(self, params: Dict[str, Any]) -> web.Response:
        return self._ok({"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                         "pending_update_count": 0})

    async def _api_setMyCommands(self, params: Dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_sendChatAction(self, params: Dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_answerCallbackQuery(self, params: Dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_sendMessage(self, params: Dict[str, Any]) -> web.Response:
        chat_id = params["chat_id"]
        if chat_id in self.unreachable:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot can't initiate conversation with a user"},
                                     status=403)
        text = params.get("text") or ""
        if not text.strip():
            return self._bad_request("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return self._bad_request("message is too long")
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "text": text,
                   "chat": self._chat(chat_id), "from": self.me}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return self._ok(message)

    async def _api_sendDocument(self, params: Dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.unreachable:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot can't initiate conversation with a user"},
                                     status=403)
        document = params.get("document")
        if not isinstance(document, dict) or not document.get("content"):
            return self._bad_request("file must be non-empty")
        return self._ok({"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                         "from": self.me, "caption": params.get("caption") or "",
                         "document": {"file_id": f"doc{chat_id}", "file_unique_id": f"u{chat_id}",
                                      "file_name": document.get("filename"), "file_size": len(document["content"])}})

    def documents(self, chat_id: Optional[int] = None) -> List[Dict[str, Any]]:
        """Every sendDocument (``document``: its file name and bytes), optionally only to ``chat_id``."""
        return [c.params for c in self.calls if c.method == "sendDocument"
                and (chat_id is None or int(c.params.get("chat_id")) == chat_id)]

    async def _api_editMessageReplyMarkup(self, params: Dict[str, Any]) -> web.Response:
        return self._ok({"message_id": params.get("message_id"), "date": int(time.time()),
                         "chat": self._chat(params.get("chat_id")), "from": self.me, "text": "…"})

    @staticmethod
    def _chat(chat_id: Any) -> Dict[str, Any]:
        chat_id = int(chat_id)
        return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                **({"first_name": "Someone"} if chat_id > 0 else {"title": "Us"})}

    # --- updates ------------------------------------------------------------------------------
    def push(self, update: Dict[str, Any]) -> Dict[str, Any]:
        """Queue an update for the next ``getUpdates``."""
        self._updates.append(update)
        self._new_update.set()
        return update

    async def post_webhook(self, url: str, update: Dict[str, Any], secret: Optional[str]) -> int:
        """Deliver an update the way Telegram does to a webhook; returns the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as response:
                return response.status

    def _entities(self, text: str) -> List[Dict[str, Any]]:
        """Entities as Telegram marks them: a leading command, and @mentions of the bot."""
        entities = []
        command_end = 0
        if text.startswith("/"):
            command_end = len(text.split()[0])
            entities.append({"type": "bot_command", "offset": 0, "length": command_end})
        mention = f"@{self.me['username']}"
        at = text.find(mention, command_end)
        while at != -1:
            entities.append({"type": "mention", "offset": at, "length": len(mention)})
            at = text.find(mention, at + len(mention))
        return entities

    def message(self, person: Person, chat: Dict[str, Any], text: Optional[str] = None, *,
                reply_to_bot: bool = False, edited: bool = False, update_id: Optional[int] = None,
                **extra: Any) -> Dict[str, Any]:
        """Build an update for a message from ``person`` in ``chat`` (not yet queued)."""
        message: Dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat, "from": person.as_user(), **extra}
        if text is not None:
            message["text"] = text
            entities = self._entities(text)
            if entities:
                message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {"message_id": 1, "date": int(time.time()), "chat": chat,
                                           "from": self.me, "text": "…"}
        if edited:
            message["edit_date"] = int(time.time())
        key = "edited_message" if edited else "message"
        return {"update_id": update_id or next(self._update_ids), key: message}

    def callback(self, person: Person, chat: Dict[str, Any], data: str,
                 sent: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Build an update for a button press on a message the bot sent."""
        message = sent or {"message_id": 1, "date": int(time.time()), "chat": chat, "from": self.me, "text": "…"}
        message = {**message, "chat": chat}
        return {"update_id": next(self._update_ids),
                "callback_query": {"id": str(next(self._update_ids)), "from": person.as_user(),
                                   "chat_instance": str(chat["id"]), "data": data, "message": message}}

    # --- what the bot did ---------------------------------------------------------------------
    def sent(self, chat_id: Optional[int] = None) -> List[Dict[str, Any]]:
        """Every sendMessage, optionally only to ``chat_id``."""
        return [c.params for c in self.calls if c.method == "sendMessage"
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def texts(self, chat_id: int) -> List[str]:
        """The texts sent to a chat, in order."""
        return [p.get("text", "") for p in self.sent(chat_id)]

    def methods(self, name: str) -> List[Dict[str, Any]]:
        """The parameters of every call of one method."""
        return [c.params for c in self.calls if c.method == name]

    async def wait_for(self, predicate: Callable[["FakeBotApi"], Any], timeout: float = 30.0) -> Any:
        """Wait until ``predicate(self)`` is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; calls so far: {[(c.method, c.params) for c in self.calls]}")
            self._new_call.clear()
            try:
                await asyncio.wait_for(self._new_call.wait(), timeout=min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    async def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 30.0) -> List[str]:
        """Wait until at least ``count`` messages reached ``chat_id``; returns their texts."""
        await self.wait_for(lambda api: len(api.sent(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    async def replies(self, chat_id: int, before: int, *, at_least: int = 1, quiet: float = 2.5,
                      timeout: float = 60.0) -> List[str]:
        """Texts sent to ``chat_id`` after the first ``before``, once the bot has gone quiet."""
        await self.wait_for(lambda api: len(api.sent(chat_id)) >= before + at_least, timeout)
        while True:
            last = self.calls[-1].at if self.calls else 0.0
            idle = time.monotonic() - last
            if idle >= quiet:
                return self.texts(chat_id)[before:]
            await asyncio.sleep(quiet - idle)


def private_chat(person: Person) -> Dict[str, Any]:
    """The Bot API ``Chat`` of a person's private chat with the bot."""
    return {"id": person.id, "type": "private", "first_name": person.first_name}


def group_chat(chat_id: int, title: str = "Us") -> Dict[str, Any]:
    """The Bot API ``Chat`` of a group (negative id)."""
    return {"id": chat_id, "type": "supergroup" if str(chat_id).startswith("-100") else "group", "title": title}
