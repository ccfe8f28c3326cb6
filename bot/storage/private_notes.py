"""Each partner's private notes (the yes/no/maybe list, the reflection), sealed at rest.

Only ciphertext reaches the database (``bot.sealed``); opening needs ``KINTSUGI_ENCRYPTION_KEY``.
A note belongs to a partner, not a couple, so linking two chats (which merges couples) and
``/forget`` (which deletes the partner, and with it their notes) need nothing more.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from sqlalchemy import delete, select

from bot import sealed
from bot.storage.db import session_scope
from bot.storage.models import Partner, PrivateNote, utcnow

# Metadata key that marks a tracker event whose words were taken out before it was stored
# (bot/rasa_plugins/private_turns.py); transcripts and exports skip such events.
PRIVATE_MARK = "kintsugi_private"
log = logging.getLogger(__name__)
CLOSENESS = "closeness"
REFLECTION = "reflection"


def read_note(partner_id: int, kind: str) -> Optional[Dict[str, Any]]:
    """The partner's note of ``kind``, opened; None when they have none."""
    sealed.check_key()
    with session_scope() as session:
        row = session.get(PrivateNote, (partner_id, kind))
        text = row.sealed if row is not None else None
    if text is None:
        return None
    value = sealed.unseal(text)
    return value if isinstance(value, dict) else None


def readable_note(partner_id: int, kind: str) -> Optional[Dict[str, Any]]:
    """Like :func:`read_note`, but a note this key cannot open (the key was changed) counts as none.

    The person then starts afresh and the unreadable note is overwritten; a missing key still raises.
    """
    try:
        return read_note(partner_id, kind)
    except sealed.Unreadable:
        log.warning("a private note (%s) of partner %s cannot be opened with this key; starting afresh", kind,
                    partner_id)
        return None


def write_note(partner_id: int, kind: str, value: Dict[str, Any]) -> None:
    """Keep ``value`` (sealed) as the partner's note of ``kind``, replacing an older one."""
    text = sealed.seal(value)
    with session_scope() as session:
        row = session.get(PrivateNote, (partner_id, kind))
        if row is None:
            session.add(PrivateNote(partner_id=partner_id, kind=kind, sealed=text, updated_at=utcnow()))
        else:
            row.sealed, row.updated_at = text, utcnow()


def delete_note(partner_id: int, kind: str) -> bool:
    """Forget the partner's note of ``kind``; True when there was one."""
    with session_scope() as session:
        return bool(session.execute(delete(PrivateNote).where(PrivateNote.partner_id == partner_id,
                                                              PrivateNote.kind == kind)).rowcount)


def couple_notes(couple_id: int, kind: str) -> Dict[int, Dict[str, Any]]:
    """Every partner of the couple who has a note of ``kind``: partner id → the note, opened."""
    sealed.check_key()
    with session_scope() as session:
        rows = session.execute(select(PrivateNote.partner_id, PrivateNote.sealed)
                               .join(Partner, Partner.id == PrivateNote.partner_id)
                               .where(Partner.couple_id == couple_id, PrivateNote.kind == kind)).all()
    out: Dict[int, Dict[str, Any]] = {}
    for partner_id, text in rows:
        try:
            value = sealed.unseal(text)
        except sealed.Unreadable:  # sealed with an earlier key: as if there were none
            continue
        if isinstance(value, dict):
            out[partner_id] = value
    return out
