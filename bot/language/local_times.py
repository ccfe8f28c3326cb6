"""Times as each reader sees them: every clock time carries a zone, and partners in different
zones each find their own ("8:00 pm Berlin time (2:00 pm New York time)").

``readers`` is a list of zone names, the person addressed first; in a couple's group both
partners read, so the other partner's zone follows when it differs (``couple_zones``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterable, List, Optional
from zoneinfo import ZoneInfo

from bot import clock
from bot.language.timeparse import describe, local_clock
from bot.language.zones import zone_label

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _zone(name: Optional[str]) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def distinct(zones: Iterable[Optional[str]]) -> List[str]:
    """The zones in order, each once, unknown ones left out (UTC when none is known)."""
    out: List[str] = []
    for name in zones:
        if name and name not in out:
            out.append(name)
    return out or ["UTC"]


def _shown(language: Optional[str]) -> dict:
    """How times are shown in ``language`` (``content/time_words.yml`` ``shown``); {} for English."""
    from bot import content

    return (content.load("time_words").get("shown") or {}).get(str(language or "en")[:2].lower()) or {}


def clock_of(hour: int, minute: int, language: Optional[str] = None) -> str:
    """A time of day as a person says it: "9:00 pm", "21:00 Uhr", "21 h 00"."""
    shown = _shown(language)
    if not shown:
        return local_clock(hour, minute)
    from babel.dates import format_time

    return format_time(time(hour, minute), str(shown["clock"]), locale=str(language)[:2].lower())


def clock_in(hour: int, minute: int, zone: Optional[str], language: Optional[str] = None) -> str:
    """A time of day with its zone: "9:00 pm Berlin time", "21:00 Uhr Ortszeit Berlin"."""
    shown = _shown(language)
    if not shown:
        return f"{local_clock(hour, minute)} {zone_label(zone)}"
    said = clock_of(hour, minute, language)
    if zone_label(zone) == "UTC":
        return str(shown["utc"]).format(clock=said)
    from babel.dates import get_timezone_location

    try:
        city = get_timezone_location(_zone(zone), locale=str(language)[:2].lower(), return_city=True)
    except (LookupError, ValueError):
        city = str(zone).rsplit("/", 1)[-1].replace("_", " ")
    return str(shown["zoned"]).format(clock=said, city=city)


def _day_name(weekday: int, language: Optional[str]) -> str:
    if not _shown(language):
        return DAY_NAMES[weekday]
    from babel.dates import get_day_names

    return str(get_day_names("wide", locale=str(language)[:2].lower())[weekday])


def each_own(hour: int, minute: int, readers: Iterable[Optional[str]], language: Optional[str] = None) -> str:
    """The same local time in each reader's own zone (a check-in): "9:00 pm Berlin time and 9:00 pm New York time"."""
    joiner = str(_shown(language).get("and") or " and ")
    return joiner.join(clock_in(hour, minute, z, language) for z in distinct(readers))


def slot_for(hour: int, minute: int, zone: Optional[str], readers: Iterable[Optional[str]] = (),
             weekday: Optional[int] = None, now: Optional[datetime] = None, language: Optional[str] = None) -> str:
    """One shared moment (a weekly talk, a money date) set in ``zone``, then in each other reader's zone.

    "8:00 pm Berlin time (2:00 pm New York time)"; when the day differs there, it is named
    ("(Monday 4:00 am Tokyo time)"). In German, Spanish or French as ``content/time_words.yml`` shows them.
    """
    here = _zone(zone)
    today = (now or clock.now()).astimezone(here).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7) if weekday is not None else today
    moment = datetime.combine(day, time(hour, minute), tzinfo=here)
    others = []
    for name in distinct(readers):
        if name == (zone or "UTC") or _zone(name).utcoffset(moment) == here.utcoffset(moment) and \
                zone_label(name) == zone_label(zone):
            continue
        there = moment.astimezone(_zone(name))
        shift = f"{_day_name(there.weekday(), language)} " if weekday is not None and there.date() != day else ""
        others.append(f"{shift}{clock_in(there.hour, there.minute, name, language)}")
    base = clock_in(hour, minute, zone, language)
    return f"{base} ({', '.join(others)})" if others else base


def moment_for(moment: datetime, readers: Iterable[Optional[str]], now: Optional[datetime] = None) -> str:
    """A moment (a pause's end) for its readers: "at 8:30 pm Berlin time, 2:30 pm New York time (in 40 minutes)"."""
    zones = distinct(readers)
    said = describe(moment, now, zones[0])
    if len(zones) == 1:
        return said
    now = now or clock.now()
    extra = []
    for name in zones[1:]:  # each reader's day as they count it
        there, today = moment.astimezone(_zone(name)), now.astimezone(_zone(name)).date()
        shift = "" if there.date() == today else " tomorrow" if (there.date() - today).days == 1 \
            else f" on {DAY_NAMES[there.weekday()]}"
        extra.append(f"{local_clock(there.hour, there.minute)} {zone_label(name)}{shift}")
    head, _, span = said.rpartition(" (")
    return f"{head}, {', '.join(extra)} ({span}" if head else f"{said}, {', '.join(extra)}"


def couple_zones(couple_id: Optional[int], first: Optional[str], *, group: bool) -> List[str]:
    """Who reads: ``first`` (the person addressed); in a group, also each other partner's own zone."""
    if not group or couple_id is None:
        return distinct([first])
    from bot.storage.couples import partner_timezones

    try:
        zones = partner_timezones(couple_id)
    except Exception:  # noqa: BLE001 - the person's own zone is still right
        return distinct([first])
    couple = zones.pop(None, None)
    return distinct([first, *[z or couple for z in zones.values()]])


def seen_at(moment: datetime, zone: Optional[str]) -> str:
    """A past moment for the person who reads it: "30 Nov 2026, 8:15 pm Berlin time"."""
    local = moment.astimezone(_zone(zone))
    return f"{local.strftime('%d %b %Y')}, {clock_in(local.hour, local.minute, zone)}"


def weekday_name(day: date) -> str:
    """The English name of ``day``'s weekday."""
    return DAY_NAMES[day.weekday()]
