"""The widget's unconfirmed replies and handled client messages, in the database.

Every reply to a widget conversation is kept (``widget_replies``) until the widget confirms it
(``reply_ack``), so a restarted rasa or another replica can send it to the conversation's next
socket. A client message id is recorded when its handling starts and when it ends
(``processed_updates``, keys hashed), so a resend reaching any process is never handed to rasa
twice. Rows go on confirmation, after ``KEEP`` (a day), with the retention purge, and with the
partner's conversations on erasure. Payloads are sealed (``bot.sealed``): the table never holds
a reply's words in plain text, and nothing here logs them.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot import clock, sealed
from bot.storage.db import session_scope
from bot.storage.models import ProcessedUpdate, WidgetReply

log = logging.getLogger(__name__)

KEEP = timedelta(hours=24)
MAX_PER_SESSION = 100
_warned = False


def keep(session_id: str, reply_id: str, message: Dict[str, Any]) -> bool:
    """Keep one reply, sealed, until the widget confirms it (True once stored).

    A reply can hold private words (a list item, a reflection read back), so the table holds
    only ciphertext (``bot.sealed``, ``KINTSUGI_ENCRYPTION_KEY``). Without a key nothing is
    stored (False): the rasa process keeps the reply in its memory instead.
    """
    global _warned
    try:
        payload = sealed.seal(message)
    except sealed.MissingKey:
        if not _warned:
            log.warning("no encryption key: unconfirmed widget replies are kept in the rasa process only")
            _warned = True
        return False
    with session_scope() as session:
        session.add(WidgetReply(session_id=session_id, reply_id=reply_id, payload=payload))
    return True


def unconfirmed(session_id: str) -> List[Dict[str, Any]]:
    """The conversation's unconfirmed replies, oldest first (at most ``MAX_PER_SESSION``, none older than ``KEEP``)."""
    oldest = clock.now() - KEEP
    with session_scope() as session:
        rows = list(session.scalars(select(WidgetReply).where(WidgetReply.session_id == session_id,
                                                              WidgetReply.at >= oldest)
                                    .order_by(WidgetReply.id.desc()).limit(MAX_PER_SESSION)))
        payloads = [row.payload for row in reversed(rows)]
    messages = []
    for payload in payloads:
        try:
            messages.append(sealed.unseal(payload))
        except (sealed.Unreadable, sealed.MissingKey):  # sealed with another key: cannot be sent again
            continue
    return messages


def confirm(session_id: str, reply_ids: Iterable[str]) -> int:
    """Forget replies the widget has shown; how many went."""
    ids = [r for r in reply_ids if isinstance(r, str)]
    if not ids:
        return 0
    with session_scope() as session:
        return session.execute(delete(WidgetReply).where(WidgetReply.session_id == session_id,
                                                         WidgetReply.reply_id.in_(ids))).rowcount or 0


def forget_conversations(session_ids: Iterable[str]) -> int:
    """Drop every kept reply of these conversations (erasure); rows removed."""
    ids = [s for s in session_ids if s]
    if not ids:
        return 0
    with session_scope() as session:
        return session.execute(delete(WidgetReply).where(WidgetReply.session_id.in_(ids))).rowcount or 0


def purge(before: Optional[datetime] = None) -> int:
    """Drop kept replies given before ``before`` (``KEEP`` ago by default); rows removed."""
    cut = before if before is not None else clock.now() - KEEP
    with session_scope() as session:
        return session.execute(delete(WidgetReply).where(WidgetReply.at < cut)).rowcount or 0


# ------------------------------------------------------------ client messages


def _key(kind: str, session_id: str, client_message_id: str) -> str:
    digest = hashlib.sha256(f"{session_id}\x00{client_message_id}".encode("utf-8")).hexdigest()[:40]
    return f"w{kind}:{digest}"


def _insert(key: str) -> bool:
    try:
        with session_scope() as session:
            session.add(ProcessedUpdate(key=key))
        return True
    except IntegrityError:
        return False


def start_handling(session_id: str, client_message_id: str) -> bool:
    """Record that a client message is being handled; False when some process took it before."""
    return _insert(_key("s", session_id, client_message_id))


def finish_handling(session_id: str, client_message_id: str) -> None:
    """Record that the handling of a client message is over (its replies are kept)."""
    _insert(_key("d", session_id, client_message_id))


def handled(session_id: str, client_message_id: str) -> bool:
    """Whether the handling of a client message has finished (in any process)."""
    with session_scope() as session:
        return session.get(ProcessedUpdate, _key("d", session_id, client_message_id)) is not None
