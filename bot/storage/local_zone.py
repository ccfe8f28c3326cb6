"""A stored zone name as a zone: the configured default when none is stored, UTC when it is unknown."""
from __future__ import annotations

from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import get_settings


def local_zone(name: Optional[str]) -> ZoneInfo:
    """``name`` as a ZoneInfo (``KINTSUGI_DEFAULT_TIMEZONE`` when empty, UTC when unknown)."""
    try:
        return ZoneInfo(name or get_settings().default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
