"""The widget's "Download my data": a partner's own data as a JSON file (``POST /widget/mydata``).

The widget's conversation id is no secret (a therapist sees it in the review app), so it is not
enough. Each widget session also holds a random *data key* in the tab's storage and sends its
SHA-256 with every message (metadata ``data_key``, stored with the message). A download sends the
session id, which partner (A or B) and the key itself; the gateway answers only when that partner
wrote in that conversation with the key's hash. A guessed or known id without the key from that
tab gets the same 404 as an unknown chat. The key travels in a POST body, never in a URL.
Both partners on one device share the tab, and so its key: each can download A's or B's copy,
as each can already read the conversation on that screen.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re

from aiohttp import web

from bot import clock
from bot.storage import identify
from bot.storage.data_export import export_json
from bot.storage.tracker_rows import wrote_with_key

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^web-[0-9a-f-]{36}$")
PARTNERS = ("A", "B")
HEADERS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin",
           "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def key_hash(key: str) -> str:
    """What the widget sends with each message for its data key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _export(session_id: str, partner_key: str) -> "bytes | None":
    """The partner's data; someone who has only shared feelings so far (no action named them yet)
    wrote here all the same, so they are entered as this conversation's partner first."""
    raw = export_json(partner_key, "web")
    if raw is None:
        identify(session_id, partner_key, channel="web", chat_type="web")
        raw = export_json(partner_key, "web")
    return raw


def _no(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers=HEADERS)


async def download(request: web.Request) -> web.Response:
    """The asking partner's data (``bot.storage.data_export``) when the tab proves it is theirs."""
    if request.content_length is not None and request.content_length > 4096:
        return _no(413, "too large")
    form = await request.post()
    session_id, partner, key = (str(form.get(name) or "") for name in ("session_id", "partner", "key"))
    if not SESSION_ID.match(session_id) or partner not in PARTNERS or not 16 <= len(key) <= 200:
        return _no(400, "session_id, partner (A or B) and key are needed")
    partner_key = f"web:{session_id}:{partner}"
    if not await asyncio.to_thread(wrote_with_key, session_id, partner_key, key_hash(key)):
        return _no(404, "nothing stored for this chat")
    raw = await asyncio.to_thread(_export, session_id, partner_key)
    if raw is None:
        return _no(404, "nothing stored for this chat")
    log.info("partner data downloaded from the widget (%d bytes)", len(raw))
    name = f"kintsugi-my-data-{clock.now():%Y-%m-%d}.json"
    return web.Response(body=raw, content_type="application/json", charset="utf-8",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})
