"""Reading Rasa's stored rows (table ``events``) as messages: who wrote them, whom a reply was for.

The tracker store keeps one row per Rasa event; ``data`` is the event as JSON. A user row
names its writer in ``metadata.partner_id`` (``docs/contracts.md``); a bot row answers the
user row before it, unless it is a private reply (``custom.kintsugi.audience: private``),
which names the one partner it was for. ``partner_messages`` gives one partner's side of a
couple's conversations with these rules; the data export (``bot.storage.data_export``)
uses it.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import column, inspect, select, table

from bot.storage.db import session_scope

TRACKER_TABLE = "events"
# Rasa 3.6 SQLTrackerStore's table, described here without touching Rasa's own metadata.
RASA_EVENTS = table(TRACKER_TABLE, column("id"), column("sender_id"), column("type_name"), column("timestamp"),
                    column("intent_name"), column("action_name"), column("data"))
EXTERNAL_PREFIX = "EXTERNAL: "  # a user row Rasa wrote for a triggered intent (a reminder), not a person
# Rows that hold no words: emptied by the retention purge (bot.storage.retention.EXPIRED), or a private
# turn stored without them (bot.storage.private_notes.PRIVATE_MARK in the row's metadata).
EXPIRED = "kintsugi_expired"
PRIVATE_MARK = "kintsugi_private"


def wordless(data: Dict[str, Any]) -> bool:
    """Whether a row was stored or kept without its words (nothing to show of it)."""
    meta = data.get("metadata")
    return bool(data.get(EXPIRED)) or (isinstance(meta, dict) and bool(meta.get(PRIVATE_MARK)))


def row_data(raw: Optional[str]) -> Dict[str, Any]:
    """A row's ``data`` as a dict ({} when it is not JSON)."""
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def metadata_of(data: Dict[str, Any]) -> Dict[str, Any]:
    """A user row's metadata (Rasa keeps it in two places)."""
    meta = data.get("metadata") or (data.get("parse_data") or {}).get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def kintsugi_payload(data: Dict[str, Any]) -> Dict[str, Any]:
    """A bot row's ``custom.kintsugi`` payload ({} when there is none)."""
    extra = data.get("data") or {}
    custom = extra.get("custom") if isinstance(extra, dict) else None
    payload = custom.get("kintsugi") if isinstance(custom, dict) else None
    return payload if isinstance(payload, dict) else {}


def private_recipient(data: Dict[str, Any]) -> Optional[str]:
    """The partner key a bot row was privately for, or None when it was for the conversation."""
    payload = kintsugi_payload(data)
    if payload.get("audience") == "private":
        return str(payload.get("partner_id") or "") or None
    return None


def bot_text(data: Dict[str, Any]) -> str:
    """What a bot row said."""
    return str(data.get("text") or kintsugi_payload(data).get("text") or "")


def button_titles(data: Dict[str, Any]) -> List[str]:
    """The titles of the buttons a bot row offered."""
    extra = data.get("data") or {}
    buttons = extra.get("buttons") if isinstance(extra, dict) else None
    return [str(b.get("title") or "") for b in buttons or [] if isinstance(b, dict)]


def _moment(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError):
        return ""


def _rows(conversation_ids: List[str]) -> List[Tuple[Any, ...]]:
    with session_scope() as session:
        if not conversation_ids or not inspect(session.connection()).has_table(TRACKER_TABLE):
            return []
        query = (select(RASA_EVENTS.c.sender_id, RASA_EVENTS.c.type_name, RASA_EVENTS.c.timestamp,
                        RASA_EVENTS.c.data)
                 .where(RASA_EVENTS.c.sender_id.in_(conversation_ids), RASA_EVENTS.c.type_name.in_(["user", "bot"]))
                 .order_by(RASA_EVENTS.c.sender_id, RASA_EVENTS.c.id))
        return [tuple(row) for row in session.execute(query)]


def partner_messages(conversations: Dict[str, str], partner_key: str,
                     own: Iterable[str] = ()) -> Tuple[List[Dict[str, Any]], List[str]]:
    """One partner's messages and the replies meant for them, in the couple's ``conversations``.

    ``conversations``: conversation id → channel. Returns the messages (oldest first per
    conversation) and the conversations they took part in. In a conversation where nobody
    else wrote (``own``, or one with no other writer) every user and bot row is theirs; in a
    shared one (a group, a widget two partners used) only their own messages, the replies to
    them, replies privately for them and replies to no one's message (reminders); never the
    other partner's messages, the replies to them or what was privately for them.
    """
    mine = set(own)
    by_conversation: Dict[str, List[Tuple[str, Any, Dict[str, Any]]]] = {}
    writers: Dict[str, set] = {}
    for sender, kind, timestamp, raw in _rows(sorted(conversations)):
        data = row_data(raw)
        by_conversation.setdefault(sender, []).append((kind, timestamp, data))
        if kind == "user" and not str(data.get("text") or "").startswith(EXTERNAL_PREFIX):
            writers.setdefault(sender, set()).add(_writer(data, conversations[sender], sender))
    messages: List[Dict[str, Any]] = []
    took_part: List[str] = []
    for sender, rows in by_conversation.items():
        wrote = writers.get(sender, set())
        alone = sender in mine or (bool(wrote) and wrote <= {partner_key})
        if not alone and partner_key not in wrote:
            continue
        took_part.append(sender)
        turn: Optional[str] = None  # who wrote the message the next bot rows answer ("" for no one)
        for kind, timestamp, data in rows:
            if kind == "user":
                text = str(data.get("text") or "")
                turn = "" if text.startswith(EXTERNAL_PREFIX) else _writer(data, conversations[sender], sender)
                if turn == partner_key or (alone and turn == ""):
                    if turn and not wordless(data):
                        intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
                        messages.append({"conversation": sender, "at": _moment(timestamp), "from": "you",
                                         "text": text, "intent": intent})
                continue
            if wordless(data):
                continue
            recipient = private_recipient(data)
            ours = recipient == partner_key if recipient else (alone or turn in (partner_key, ""))
            if not ours:
                continue
            entry: Dict[str, Any] = {"conversation": sender, "at": _moment(timestamp), "from": "kintsugi",
                                     "text": bot_text(data)}
            titles = [t for t in button_titles(data) if t]
            if titles:
                entry["buttons"] = titles
            if entry["text"] or titles:
                messages.append(entry)
    return messages, took_part


def _writer(data: Dict[str, Any], channel: str, conversation_id: str) -> str:
    """The partner key of a user row (a conversation without keys stands for one partner)."""
    return str(metadata_of(data).get("partner_id") or f"{channel}:{conversation_id}")


def wrote_with_key(conversation_id: str, partner_key: str, key_hash: str) -> bool:
    """Whether ``partner_key`` wrote in ``conversation_id`` with the widget's data key (its SHA-256 in
    ``metadata.data_key``): the proof that a download of their data comes from their own browser tab."""
    if not (conversation_id and partner_key and key_hash):
        return False
    with session_scope() as session:
        if not inspect(session.connection()).has_table(TRACKER_TABLE):
            return False
        rows = session.execute(select(RASA_EVENTS.c.data).where(
            RASA_EVENTS.c.sender_id == conversation_id, RASA_EVENTS.c.type_name == "user",
            RASA_EVENTS.c.data.like(f"%{key_hash}%"))).scalars()
        return any(metadata_of(row_data(raw)).get("partner_id") == partner_key
                   and metadata_of(row_data(raw)).get("data_key") == key_hash for raw in rows)
