"""The AI disclosure's memory in the database, so a restarted rasa or a second replica agrees.

One row per conversation (``disclosure_seen``): when it was last used, when the line was last
shown, when its continuous conversation began, and its last clear language; no words. A write
names the version it read (compare and swap), so two processes deciding at the same moment
cannot both show the line: the one that loses reads again and decides again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional, Tuple

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.storage.db import session_scope
from bot.storage.models import DisclosureSeen


@dataclass
class Seen:
    """What we keep about one conversation: when it was last used and last told."""

    last_seen: datetime
    disclosed_at: Optional[datetime]
    run_started: datetime  # when the current continuous conversation began
    language: Optional[str] = None  # the last language this conversation clearly showed


def read(conversation: str) -> Tuple[Optional[Seen], int]:
    """The conversation's record and its version (0 when there is none yet)."""
    with session_scope() as session:
        row = session.get(DisclosureSeen, conversation)
        if row is None:
            return None, 0
        return Seen(last_seen=row.last_seen_at, disclosed_at=row.disclosed_at, run_started=row.run_started_at,
                    language=row.language), row.version


def write(conversation: str, seen: Seen, version: int) -> bool:
    """Store ``seen`` if the record is still at ``version``; False when another process changed it first."""
    values = dict(last_seen_at=seen.last_seen, disclosed_at=seen.disclosed_at, run_started_at=seen.run_started,
                  language=seen.language)
    try:
        with session_scope() as session:
            if version == 0:
                session.add(DisclosureSeen(conversation_id=conversation, version=1, **values))
                return True
            result = session.execute(update(DisclosureSeen).where(
                DisclosureSeen.conversation_id == conversation, DisclosureSeen.version == version)
                .values(version=version + 1, **values))
            return result.rowcount == 1
    except IntegrityError:  # another process wrote the first record at the same moment
        return False


def forget(conversation: Optional[str] = None) -> None:
    """Drop the record of one conversation (or all of them)."""
    from sqlalchemy import delete

    with session_scope() as session:
        statement = delete(DisclosureSeen)
        if conversation is not None:
            statement = statement.where(DisclosureSeen.conversation_id == conversation)
        session.execute(statement)


def forget_conversations(conversations: Iterable[str]) -> int:
    """Drop the records of these conversations (a partner erased: their chat starts afresh); rows removed."""
    from sqlalchemy import delete

    ids = [c for c in conversations if c]
    if not ids:
        return 0
    with session_scope() as session:
        return session.execute(delete(DisclosureSeen).where(DisclosureSeen.conversation_id.in_(ids))).rowcount or 0
