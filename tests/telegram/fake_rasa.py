"""A tiny stand-in for rasa's REST channel, for gateway behaviour rasa cannot be made to show.

The real rasa server (``rasa_stack``) runs every product scenario; this one only
plays the awkward cases: an answer that comes too late, a reply longer than
Telegram allows, a private payload for someone who never opened a chat.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

Script = Callable[[Dict[str, Any]], List[Dict[str, Any]]]


class FakeRasa:
    """Answers ``POST /webhooks/rest/webhook`` from a script; records every request."""

    def __init__(self, script: Optional[Script] = None, *, delay: float = 0.0) -> None:
        self.script = script or (lambda body: [{"recipient_id": body["sender"], "text": "I'm here."}])
        self.delay = delay
        self.received: List[Dict[str, Any]] = []
        self.triggered: List[Dict[str, Any]] = []
        self._runner: Optional[web.AppRunner] = None
        self._stopping = asyncio.Event()
        self.url = ""

    async def start(self) -> "FakeRasa":
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_post("/conversations/{id}/trigger_intent", self._trigger)
        app.router.add_get("/", lambda _r: web.Response(text="Hello from fake Rasa"))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001
        return self

    async def stop(self) -> None:
        """Stop listening; slow answers in flight finish at once."""
        self._stopping.set()
        await asyncio.sleep(0.05)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.delay:
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.delay)
            except asyncio.TimeoutError:
                pass
        return web.json_response(self.script(body))

    async def _trigger(self, request: web.Request) -> web.Response:
        self.triggered.append({"conversation": request.match_info["id"], **await request.json(),
                               "query": dict(request.query)})
        return web.json_response({"tracker": {}, "messages": []})
