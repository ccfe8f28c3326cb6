"""The declarative base every table shares, and the one datetime column type.

Alembic (``bot/storage/migrations``) reads ``Base.metadata``: importing ``bot.storage.models``
registers every table in it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from bot import clock

Base = declarative_base()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """The one datetime column type: written in UTC, always read back timezone-aware UTC.

    SQLite keeps no zone and compares datetimes as text, so every value is turned to UTC on
    the way in (queries too: ``Event.at >= since`` binds ``since`` through this type).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        return clock.as_utc(value)

    def process_result_value(self, value: Optional[datetime], dialect: object) -> Optional[datetime]:
        return clock.as_utc(value)
