"""The conversation filters (dates, kinds, words, chat) read from a query string, never trusted."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlencode

from bot.storage import MESSAGE, events

KNOWN_TYPES = frozenset(events.EVENT_TYPES) | {MESSAGE}
MAX_COUPLE_ID = 2 ** 31 - 1  # an id past a database integer is simply not there


@dataclass(frozen=True)
class Filters:
    """What the therapist asked to see, and anything we could not use."""

    start: Optional[date] = None
    end: Optional[date] = None
    types: Tuple[str, ...] = ()
    text: str = ""
    chat: str = ""
    problems: Tuple[str, ...] = field(default_factory=tuple)  # keys of ui.conversation: bad_first, bad_last

    def window(self, zone: tzinfo) -> Tuple[Optional[datetime], Optional[datetime]]:
        """Since (inclusive) and until (exclusive) in UTC, whole days in the couple's zone."""
        since = datetime.combine(self.start, time.min, zone).astimezone(timezone.utc) if self.start else None
        until = (datetime.combine(self.end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
                 if self.end else None)
        return since, until

    def query(self) -> str:
        """The filters as a query string, for export links."""
        pairs: List[Tuple[str, str]] = []
        if self.start:
            pairs.append(("from", self.start.isoformat()))
        if self.end:
            pairs.append(("to", self.end.isoformat()))
        pairs.extend(("type", t) for t in self.types)
        if self.text:
            pairs.append(("q", self.text))
        if self.chat:
            pairs.append(("chat", self.chat))
        return urlencode(pairs)

    def describe(self) -> Dict[str, Any]:
        """The filters for the audit log (the search words are not kept there)."""
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "types": list(self.types), "searched": bool(self.text), "chat": self.chat or None}


def parse_day(raw: str) -> Optional[date]:
    """A day from a query value (``2026-06-16``), or None when empty or not a date."""
    raw = (raw or "").strip()
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _day(raw: str, name: str, problems: List[str]) -> Optional[date]:
    day = parse_day(raw)
    if day is None and (raw or "").strip():
        problems.append(name)  # the page says it in the reader's words (ui.conversation.bad_first / bad_last)
    return day


def parse_filters(query: Mapping[str, str], chats: Tuple[str, ...] = ()) -> Filters:
    """Read the filters from a request's query; unknown values are dropped, not passed on."""
    problems: List[str] = []
    start = _day(query.get("from", ""), "bad_first", problems)
    end = _day(query.get("to", ""), "bad_last", problems)
    if start and end and end < start:
        start, end = end, start
    getall = getattr(query, "getall", None)
    raw_types = getall("type", []) if getall else [query.get("type", "")]
    types = tuple(sorted({t for t in raw_types if t in KNOWN_TYPES}))
    text = (query.get("q") or "").strip()[:200]
    chat = (query.get("chat") or "").strip()
    if chat and chat not in chats:
        chat = ""
    return Filters(start, end, types, text, chat, tuple(problems))


def couple_id_from(raw: str) -> Optional[int]:
    """A couple id from the URL, or None when it cannot be one."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_COUPLE_ID else None
