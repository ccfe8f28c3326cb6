"""Pressed buttons remembered in the database, so gateways behind a balancer count a double tap once.

One row per (chat, message, person, button) in ``processed_updates`` (the key hashed: no
button data is stored), with the moment of the last press that counted. A press counts when
the row is new or its last counted press is older than the double-tap window; the check and
the write are one statement, so two gateways pressed at the same moment cannot both count it.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot import clock
from bot.storage.db import session_scope
from bot.storage.models import ProcessedUpdate


def _key(press: str) -> str:
    return "tap:" + hashlib.sha256(press.encode("utf-8")).hexdigest()[:48]


def first_press(press: str, window_seconds: float) -> bool:
    """True when this press counts; False for a repeat within ``window_seconds`` (on any gateway)."""
    key, now = _key(press), clock.now()
    try:
        with session_scope() as session:
            session.add(ProcessedUpdate(key=key, at=now))
        return True
    except IntegrityError:
        pass
    with session_scope() as session:
        result = session.execute(update(ProcessedUpdate).where(
            ProcessedUpdate.key == key, ProcessedUpdate.at < now - timedelta(seconds=window_seconds))
            .values(at=now))
        return result.rowcount == 1


def partner_key(partner_id: int) -> Optional[str]:
    """A partner's channel key ("tg:<id>") from our id, for the buttons of a reminder meant for them."""
    from bot.storage.models import Partner

    with session_scope() as session:
        partner = session.get(Partner, partner_id)
        return partner.external_id if partner is not None else None
