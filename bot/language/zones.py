"""Time zones the way people name them: "Berlin", "NYC", "London" → an IANA zone, and back.

``zone_from_place("I'm in Munich")`` → ``"Europe/Berlin"`` (aliases in ``content/places.yml``,
then any IANA zone's own city); ``zone_label("America/New_York")`` → ``"New York time"``, which
follows every time a person is shown. Daylight saving is zoneinfo's business.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import content

MAX_PLACE = 80
# Zones named after cities; legacy names ("Canada/Eastern") and Antarctic stations ("Casey") are words too.
AREAS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@lru_cache(maxsize=1)
def _places() -> Dict[str, str]:
    """Lower-case place names → zone: every IANA zone's city, then the aliases (which win)."""
    places: Dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if zone.split("/", 1)[0] in AREAS:
            places.setdefault(zone.rsplit("/", 1)[1].replace("_", " ").lower(), zone)
    places.update({str(k).lower(): str(v) for k, v in (content.load("places").get("aliases") or {}).items()})
    return places


def is_zone(name: Optional[str]) -> bool:
    """True for a zone name zoneinfo knows."""
    if not name:
        return False
    try:
        ZoneInfo(str(name))
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def zone_from_place(text: str) -> Optional[str]:
    """The zone of the place named in ``text`` ("Berlin", "we live in new york", "Europe/Paris"), or None."""
    text = re.sub(r"\s+", " ", (text or "").strip())[:MAX_PLACE]
    if not text:
        return None
    if "/" in text and is_zone(text.replace(" ", "_")):
        return text.replace(" ", "_")
    words = re.findall(r"[^\W\d_]+", text.lower())
    places = _places()
    for size in (3, 2, 1):  # the longest name first: "salt lake city" before "salt"
        for start in range(len(words) - size + 1):
            zone = places.get(" ".join(words[start:start + size]))
            if zone:
                return zone
    return None


def zone_label(name: Optional[str]) -> str:
    """How a zone is named after a time: "London time", "New York time", "UTC"."""
    if not name or name.upper() in ("UTC", "ETC/UTC", "GMT"):
        return "UTC"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"
