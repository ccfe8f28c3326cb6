"""Erasing what a partner asked us to forget from Rasa's SQL tracker store too.

Rasa 3.6 has no API to delete a conversation, and its tracker store lives in
our database (table ``events``), so we delete the rows ourselves.
"""
from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import bindparam, inspect, text

from bot.storage.db import get_engine

TRACKER_TABLE = "events"
WINDOW_TABLE = "tracker_windows"  # bot.rasa_plugins.tracker_store: the state at each window's cut


def _has_tracker_table() -> bool:
    return inspect(get_engine()).has_table(TRACKER_TABLE)


def delete_trackers(conversation_ids: Iterable[str]) -> int:
    """Delete every tracker event of these conversations; returns the rows removed."""
    ids = [c for c in conversation_ids if c]
    if not ids or not _has_tracker_table():
        return 0
    statement = text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    with get_engine().begin() as connection:
        removed = connection.execute(statement, {"ids": ids}).rowcount or 0
        if inspect(connection).has_table(WINDOW_TABLE):  # the tracker store's snapshots hold slot values too
            connection.execute(text(f"DELETE FROM {WINDOW_TABLE} WHERE sender_id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": ids})
        return removed


def delete_partner_messages(conversation_ids: Iterable[str], partner_key: str) -> int:
    """In shared conversations, delete the user messages this partner wrote; returns how many."""
    ids = [c for c in conversation_ids if c]
    if not ids or not partner_key or not _has_tracker_table():
        return 0
    select = text(f"SELECT id, data FROM {TRACKER_TABLE} WHERE type_name = 'user' AND sender_id IN :ids"
                  ).bindparams(bindparam("ids", expanding=True))
    doomed = []
    with get_engine().begin() as connection:
        for row_id, data in connection.execute(select, {"ids": ids}):
            try:
                metadata = (json.loads(data or "{}").get("metadata") or {})
            except (ValueError, AttributeError):
                continue
            if isinstance(metadata, dict) and metadata.get("partner_id") == partner_key:
                doomed.append(row_id)
        if doomed:
            connection.execute(text(f"DELETE FROM {TRACKER_TABLE} WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": doomed})
    return len(doomed)
