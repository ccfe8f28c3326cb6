"""The replica comparison's load driver: messages go to the replicas in turn, whatever the conversation."""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List

from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.load import run_level
from bench.scripts import kintsugi_scripts


async def test_several_replicas_take_the_messages_in_turn() -> None:
    seen: Dict[str, List[str]] = defaultdict(list)  # replica -> senders it answered

    def replica(name: str) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            body = await request.json()
            seen[name].append(body["sender"])
            return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        return app

    servers = [TestServer(replica(name), host="127.0.0.1") for name in ("a", "b")]
    for server in servers:
        await server.start_server()
    try:
        urls = [str(server.make_url("")) for server in servers]
        result = await run_level(urls, kintsugi_scripts(), 4, max_messages=40, max_seconds=30, prefix="t")
    finally:
        for server in servers:
            await server.close()
    assert result.messages == 40 and result.errors == 0 and result.wrong_recipient == 0
    assert len(seen["a"]) + len(seen["b"]) == 40 and abs(len(seen["a"]) - len(seen["b"])) <= 4
    both = set(seen["a"]) & set(seen["b"])
    assert both, "one conversation's turns should reach both replicas"
