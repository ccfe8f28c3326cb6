"""Quiet hours in plain words: "quiet hours from 10pm to 7am", "no messages after 10:30pm",
"don't message me before 8am", "no quiet hours". Word lists are in ``content/rituals.yml``."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from bot import content

TIME_RE = re.compile(r"\b(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?![\d:])|\b(midnight|noon|midday)\b", re.I)
OFF = "off"


def _words() -> dict:
    return content.load("rituals")["quiet_hours"]


def _times(text: str) -> List[Tuple[int, int, Optional[str], int]]:
    """(hour, minute, am/pm, position) of each clock time named."""
    found = []
    for match in TIME_RE.finditer(text):
        if match.group(4):
            found.append((0 if match.group(4).lower() == "midnight" else 12, 0, "fixed", match.start()))
            continue
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour > 24 or minute > 59:
            continue
        suffix = (match.group(3) or "").lower().replace(".", "") or None
        found.append((hour, minute, suffix, match.start()))
    return found


def _minutes(hour: int, minute: int, suffix: Optional[str], evening: bool) -> int:
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    elif suffix is None and evening and 1 <= hour <= 11:
        hour += 12  # "after 10" means the evening
    return (hour % 24) * 60 + minute


def parse_quiet_hours(text: str) -> Optional[object]:
    """``(start, end)`` in minutes after midnight, ``OFF`` to remove them, or None when unclear."""
    text = re.sub(r"\s+", " ", (text or "").lower())[:300]
    words = _words()
    if any(re.search(pattern, text) for pattern in words["off_patterns"]):
        return OFF
    from bot.storage.quiet_hours import defaults

    fallback = defaults()
    times = _times(text)
    if len(times) >= 2:
        (h1, m1, s1, _), (h2, m2, s2, _) = times[:2]
        return _minutes(h1, m1, s1, True), _minutes(h2, m2, s2, False)
    if len(times) == 1:
        hour, minute, suffix, at = times[0]
        before = text[:at]
        after_words = "|".join(re.escape(w) for w in words["after_words"])
        before_words = "|".join(re.escape(w) for w in words["before_words"])
        if re.search(rf"\b({before_words})\s*$", before):
            return fallback.start, _minutes(hour, minute, suffix, False)
        if re.search(rf"\b({after_words})\s*$", before):
            return _minutes(hour, minute, suffix, True), fallback.end
        return None
    if re.search(r"\bquiet hours?\b|\bnight\b|\bovernight\b", text):
        return fallback.start, fallback.end
    return None
