"""Understand when a couple wants to come back, in their own words.

``parse_when("in 30 minutes", now)`` → an aware datetime, or ``None`` when the
words do not name a time we can trust ("whenever", "31st of February"). Also
``parse_duration("half an hour")`` for break lengths. No network, no models.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Dict, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import clock, content



@lru_cache(maxsize=1)
def _words() -> Tuple[Dict[str, float], Dict[str, float], Dict[str, int], "re.Pattern[str]"]:
    """Number words, minutes per unit, parts of the day (``content/time_words.yml``) and the duration pattern."""
    data = content.load("time_words")
    numbers, units, day_parts = data["number_words"], data["unit_minutes"], data["day_parts"]
    num = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(map(re.escape, numbers), key=len, reverse=True)) + r")"
    unit = r"(" + "|".join(sorted(map(re.escape, units), key=len, reverse=True)) + r")\b"
    duration = re.compile(rf"\b{num}\s*(?:more\s+)?{unit}(?:\s*(?:and|&)\s*(?:a\s+)?half)?", re.I)
    return numbers, units, day_parts, duration


HALF_HOUR_RE = re.compile(r"\b(half an hour|half hour|halbe stunde|1/2 ?(?:h|hour))\b", re.I)
HOUR_AND_HALF_RE = re.compile(r"\b(an|one|1)\s+hour\s+and\s+a\s+half\b|\banderthalb stunden\b", re.I)
QUARTER_RE = re.compile(r"\b(quarter of an hour|viertelstunde)\b", re.I)
CLOCK_RE = re.compile(
    r"\b(?:at|around|by|um|gegen|ab)?\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|uhr|o'?clock)?(?=\W|$)", re.I)
VAGUE = re.compile(r"\b(whenever|sometime|some time|later|soon|at some point|idk|don'?t know|not sure|never|"
                   r"when we'?re ready|egal|irgendwann)\b", re.I)
# Until this hour, "tomorrow" still means the coming day (see parse_when).
SMALL_HOURS_END = 5
DATE_LIKE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(january|february|march|april|may|june|july|"
                       r"august|september|october|november|december)\b", re.I)


def _zone(name: Optional[str]) -> timezone | ZoneInfo:
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _number(token: str) -> Optional[float]:
    token = token.lower().replace(",", ".")
    numbers = _words()[0]
    if token in numbers:
        return float(numbers[token])
    try:
        return float(token)
    except ValueError:
        return None


def parse_duration(text: str) -> Optional[timedelta]:
    """A length of time named in ``text`` ("30 min", "an hour and a half"), or None."""
    text = (text or "").strip().lower()[:500]
    if not text:
        return None
    if HOUR_AND_HALF_RE.search(text):
        return timedelta(minutes=90)
    if HALF_HOUR_RE.search(text):
        return timedelta(minutes=30)
    if QUARTER_RE.search(text):
        return timedelta(minutes=15)
    total = 0.0
    found = False
    _numbers, units, _parts, duration = _words()
    for match in duration.finditer(text):
        value = _number(match.group(1))
        if value is None:
            continue
        minutes = value * units[match.group(2).lower()]
        if "half" in match.group(0).lower():
            minutes += units[match.group(2).lower()] / 2
        total += minutes
        found = True
    if not found and re.fullmatch(r"\d{1,4}", text):
        return timedelta(minutes=int(text))  # a bare number in answer to "how long?" means minutes
    return timedelta(minutes=total) if found and total > 0 else None


def _clock(text: str, now: datetime, tomorrow: bool = False) -> Optional[datetime]:
    for match in CLOCK_RE.finditer(text):
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
        if not match.group(2) and not suffix and not re.search(r"\b(at|um|around|gegen|by)\s*$",
                                                                text[:match.start(1)]):
            continue  # a lone number without "at" is not a clock time ("2 kids")
        if minute > 59 or hour > 24:
            return None
        if suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix.startswith("a") and hour == 12:
            hour = 0
        elif (not suffix or suffix in ("o'clock", "oclock")) and 1 <= hour <= 12 and not match.group(2) \
                or (not suffix and 1 <= hour <= 12):
            # Without am/pm: 1-6 means afternoon or evening; 7-11 the next such hour
            # today, or the morning when the day is tomorrow or the text says so.
            morning = "morning" in text or "früh" in text
            if not morning and 1 <= hour <= 6:
                hour += 12
            elif not morning and hour < 12 and not tomorrow:
                candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
                if candidate <= now:
                    hour += 12
        hour %= 24
        return now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return None


def parse_when(text: str, now: Optional[datetime] = None, tz: Optional[str] = None) -> Optional[datetime]:
    """The moment ``text`` names, after ``now`` (aware, in ``tz``), or None when unclear."""
    text = re.sub(r"\s+", " ", (text or "").strip().lower())[:300]
    if not text or not re.search(r"[a-zäöüß0-9]", text):
        return None
    zone = _zone(tz)
    now = (now or clock.now()).astimezone(zone)
    if DATE_LIKE.search(text):
        return None  # calendar dates are beyond a pause; "31st of February" is not a time at all
    duration = parse_duration(text) if re.search(r"\b(in|for|after|give (?:me|us)|nach|take)\b", text) or \
        _words()[3].search(text) or HALF_HOUR_RE.search(text) else None
    if duration is None:
        bare = re.search(r"\b(?:in|give (?:me|us)|another|gib (?:mir|uns))\s+(\d{1,3})\b(?!\s*(?:am|pm|:|uhr))", text)
        if bare:
            duration = timedelta(minutes=int(bare.group(1)))
    if duration:
        # Counted in real minutes, so a daylight-saving change in between does not shift it.
        return (now.astimezone(timezone.utc) + duration).astimezone(zone)
    tomorrow = bool(re.search(r"\b(tomorrow|tmrw|tmr|tomorow|morgen)\b", text)) and "morgen früh" not in text \
        or "morgen früh" in text
    # Said in the small hours, "tomorrow" is the day that has just begun: someone awake at 1 am
    # who says "tomorrow morning" means in a few hours, not in thirty.
    same_day = tomorrow and now.hour < SMALL_HOURS_END
    day = now + timedelta(days=1) if tomorrow and not same_day else now
    named = _clock(text, day, tomorrow)
    if named is not None:
        if tomorrow and not same_day:
            return named
        return named if named > now else named + timedelta(days=1)
    for words, hour in sorted(_words()[2].items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(words)}\b", text):
            moment = day.replace(hour=hour, minute=0, second=0, microsecond=0)
            if moment <= now:
                moment += timedelta(days=1)
            return moment
    if tomorrow:
        return day.replace(hour=9, minute=0, second=0, microsecond=0)
    if VAGUE.search(text):
        return None
    return None


def describe(moment: datetime, now: Optional[datetime] = None, tz: Optional[str] = None) -> str:
    """Say a resume time the way a person would, in their zone: "at 8:00 pm London time (in 45 minutes)"."""
    zone = _zone(tz)
    now = (now or clock.now()).astimezone(zone)
    local = moment.astimezone(zone)
    shown = local.strftime("%I:%M %p").lstrip("0").lower()
    day = "" if local.date() == now.date() else " tomorrow" if local.date() == (now + timedelta(days=1)).date() \
        else local.strftime(" on %A")
    # Real minutes (in UTC), so a daylight-saving change in between counts right.
    minutes = max(int(round((moment.astimezone(timezone.utc) - now.astimezone(timezone.utc)).total_seconds() / 60)), 0)
    if minutes < 90:
        span = f"in {minutes} minutes"
    else:
        hours = minutes / 60
        span = f"in about {round(hours * 2) / 2:g} hours"
    from bot.language.zones import zone_label

    return f"at {shown} {zone_label(tz)}{day} ({span})"


WEEKDAY_WORDS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
                 "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
                 "sunday": 6, "sun": 6}
EVERY_DAY = "0123456"


def _loose(word: str) -> str:
    """A word as a pattern that also matches it typed without accents ("miércoles", "miercoles")."""
    out = []
    for char in word.lower():
        base = unicodedata.normalize("NFKD", char)[0]
        out.append(f"[{re.escape(char)}{re.escape(base)}]" if base != char else re.escape(char))
    return "".join(out)


def _any(words) -> str:
    """Alternatives, longest first, each without accents too."""
    return "(?:" + "|".join(_loose(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


@lru_cache(maxsize=1)
def _daily() -> Dict[str, object]:
    """The daily-time words of ``content/time_words.yml`` ``daily`` and Babel's weekday names, as patterns."""
    from babel import Locale

    data = content.load("time_words")["daily"]
    wide: Dict[str, int] = {}
    short: Dict[str, int] = {}
    for code in data["locales"]:
        days = Locale.parse(code).days["format"]
        wide.update({str(name).lower(): int(day) for day, name in days["wide"].items()})
        short.update({str(name).lower().rstrip("."): int(day) for day, name in days["abbreviated"].items()})
    wide_alt = _any(wide)
    short_alt = _any(short)
    span = re.compile(
        rf"(?:\b{_any(data['range_from'])}\s+)?\b({wide_alt})s?\s+{_any(data['range_to'])}\s+(?:(?:el|le)\s+)?"
        rf"({wide_alt})s?\b"
        rf"|\b({wide_alt}|{short_alt})s?\.?\s*{_any(data['range_dash'])}\s*({wide_alt}|{short_alt})s?\b", re.I)
    names = {**{_fold(n): d for n, d in wide.items()}, **{_fold(n): d for n, d in short.items()}}
    lead = "|".join(["at", "um", "around", "to", "by"] + [re.escape(w) for w in data["clock_lead"]])
    digits = r"(?<![:.\d])\d{1,2}"  # an hour, not the minutes of "0:07"
    said_hour = rf"({_any(data['hour_words'])})"
    said_any_hour = rf"({_any({**data['hour_words'], **data['article_hours']})})"
    hour, any_hour = rf"({digits}|{said_hour[1:-1]})", rf"({digits}|{said_any_hour[1:-1]})"
    units = _any(data["clock_24h"])
    spoken_lead = _any(data["spoken_lead"])
    # "à" exactly: without its accent it is "a" ("il y a une heure" is a duration)
    unit_lead = "(?:" + "|".join(re.escape(w) for w in data["spoken_lead_with_unit"]) + ")"
    spoken_units = _any(data["spoken_units"])
    after = r"\s*,?\s*(?:(" + _any(data["after_evening"]) + r")|(" + _any(data["after_morning"]) + r"))\b"
    return {
        "named": re.compile(rf"\b({wide_alt})s?\b", re.I), "names": names, "span": span,
        "weekdays": re.compile(rf"\b{_any(data['weekdays'])}\b", re.I),
        "weekends": re.compile(rf"\b{_any(data['weekends'])}\b", re.I),
        "morning": re.compile(rf"\b{_any(data['morning'])}\b", re.I),
        "morning_alone": re.compile(rf"\b{_any(data['morning_alone'])}\b(?!\s+[^\W\d_])", re.I),
        "evening": re.compile(rf"\b{_any(data['evening'])}\b", re.I),
        "after": re.compile(after, re.I),
        "lead": re.compile(rf"(?:^|\W)(?:{lead})\s*$", re.I),
        "h24": {w.lower() for w in data["clock_24h"]},
        "night": re.compile(rf"\s*,?\s*{_any(data['night'])}\b", re.I),
        "small_hours": int(data["night_small_hours"]),
        "clock": re.compile(
            r"\b(\d{1,2})(?:([:.h])(\d{2}))?\s*(?:(am|pm|a\.m\.|p\.m\.|o'?clock)|("
            + "|".join(re.escape(w) for w in sorted(data["clock_24h"], key=len, reverse=True))
            + r")(?:\s*(\d{2})\b)?)?(?=\W|$)", re.I),
        "day_parts": [(re.compile(rf"\b{_loose(w)}\b", re.I), int(h))
                      for w, h in sorted(data["day_parts"].items(), key=lambda kv: -len(kv[0]))],
        "hour_words": {_fold(w): int(h) for w, h in {**data["hour_words"], **data["article_hours"]}.items()},
        "before_hour": {_fold(w): int(m) for w, m in data["before_hour"].items()},
        "after_hour": {_fold(w): int(m) for w, m in data["after_hour"].items()},
        "spoken": [  # (pattern, which groups hold the half/quarter, the hour, the unit)
            (re.compile(rf"\b({_any(data['before_hour'])})\s+{hour}\b(?:\s+({units})\b)?", re.I), (1, 2, 3)),
            (re.compile(rf"\b{any_hour}(?:\s*({units}))?\s+({_any(data['after_hour'])})\b", re.I), (3, 1, 2)),
            (re.compile(rf"((?:^|\W){spoken_lead}\s+){said_hour}\b", re.I), (None, 2, None)),
            (re.compile(rf"((?:^|\W){unit_lead}\s+){said_any_hour}\s+({spoken_units})\b", re.I), (None, 2, 3)),
            (re.compile(rf"\b{said_any_hour}\s+(uhr)\b", re.I), (None, 1, 2)),
        ],
    }


def _spoken_times(text: str) -> str:
    """Hours said in words and halves or quarters as a clock: "um halb acht" → "um 7:30", "a las nueve y
    media" → "a las 9:30", "à neuf heures et demie" → "à 9:30 heures", "Viertel vor acht" → "7:45"."""
    daily = _daily()
    words, offsets = daily["hour_words"], {**daily["before_hour"], **daily["after_hour"]}

    def clock(match: "re.Match[str]", groups: Tuple[Optional[int], int, Optional[int]]) -> str:
        shift_group, hour_group, unit_group = groups
        said = match.group(hour_group)
        hour = int(said) if said.isdigit() else words.get(_fold(said))
        if hour is None or not 0 <= hour <= 24:
            return match.group(0)
        unit = match.group(unit_group) if unit_group else None
        if shift_group is None:
            kept = match.group(1) if hour_group == 2 else ""
            return f"{kept}{hour}" + (f" {unit}" if unit else "")
        moment = (hour * 60 + offsets.get(_fold(" ".join(match.group(shift_group).split())), 0)) % (24 * 60)
        return f"{moment // 60}:{moment % 60:02d}" + (f" {unit}" if unit else "")

    for pattern, groups in daily["spoken"]:
        text = pattern.sub(lambda m, g=groups: clock(m, g), text)
    return text


def _fold(word: str) -> str:
    return "".join(unicodedata.normalize("NFKD", c)[0] for c in word.lower())


def _span(first: str, last: str) -> str:
    """Every weekday from one to another, Monday 0: "freitag", "sonntag" → "456"."""
    names = _daily()["names"]
    start, stop = names[_fold(first)], names[_fold(last)]
    days = [(start + i) % 7 for i in range((stop - start) % 7 + 1)]
    return "".join(map(str, sorted(days)))


def _weekdays_of(text: str) -> str:
    """The weekdays the words name, Monday 0; every day when they name none."""
    daily = _daily()
    if re.search(r"\bweek ?days?\b|\bworkdays?\b|\bmonday to friday\b|\bmon-fri\b", text):
        return "01234"
    span = daily["span"].search(text)
    if span:
        first, last = (span.group(1), span.group(2)) if span.group(1) else (span.group(3), span.group(4))
        return _span(first, last)
    if daily["weekdays"].search(text):
        return "01234"
    if re.search(r"\bweekends?\b", text) or daily["weekends"].search(text):
        return "56"
    named = {d for w, d in WEEKDAY_WORDS.items() if re.search(rf"\b{w}s?\b", text)}
    named |= {daily["names"][_fold(m.group(1))] for m in daily["named"].finditer(text)}
    return "".join(map(str, sorted(named))) or EVERY_DAY


def parse_daily_time(text: str) -> Optional[Tuple[int, int, str]]:
    """The time of day and weekdays of a daily ritual: "every evening at 9" → (21, 0, "0123456").

    Weekdays are digits, Monday 0 ("weekdays" → "01234", "weekends" → "56", named days, "montags bis
    freitags", "de lunes a viernes", "du lundi au vendredi"); without them, every day. A clock time
    without am/pm means the evening for 1-11 ("at 9", "um 9", "a las 9", "à 9" → 21:00) unless the words
    say morning ("every morning", "jeden Morgen", "de la mañana", "du matin"); a 24-hour clock ("7:30 Uhr",
    "7h30", "21 heures") is read as said unless the words say evening ("um 9 Uhr abends", "jeden Abend um 9
    Uhr"). Hours in words beside a clock word ("um neun", "a las nueve", "à neuf heures"), halves and
    quarters ("halb acht" 7:30, "nueve y media", "neuf heures et quart") are read first (``_spoken_times``);
    the night's small hours stay small ("drei Uhr nachts" is 3:00). German, Spanish and French words:
    ``content/time_words.yml`` ``daily``; day names by Babel (English ones too, for "Monday through Friday").
    None when no time of day is named.
    """
    text = re.sub(r"\s+", " ", (text or "").strip().lower())[:300]
    if not text:
        return None
    daily = _daily()
    text = _spoken_times(text)
    days = _weekdays_of(text)
    english_morning = re.search(r"\b(morning|a\.m\.|früh|breakfast)\b", text) or daily["morning_alone"].search(text)
    morning = bool(english_morning or daily["morning"].search(text))
    evening = bool(daily["evening"].search(text))
    for match in daily["clock"].finditer(text):
        hour, minute = int(match.group(1)), int(match.group(3) or match.group(6) or 0)
        suffix = (match.group(4) or match.group(5) or "").lower()
        h24 = bool(match.group(5)) or match.group(2) == "h"
        before = text[:match.start(1)]
        if not match.group(3) and not suffix and not daily["lead"].search(before):
            continue
        if minute > 59 or hour > 24:
            return None
        said = daily["after"].match(text, match.end())
        if suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix.startswith("a") and hour == 12:
            hour = 0
        elif suffix.startswith("a") or not 1 <= hour <= 11:
            pass
        elif said:
            small = daily["night"].match(text, match.end()) and hour <= daily["small_hours"]
            hour += 12 if said.group(1) and not small else 0
        elif morning and not evening:
            pass
        elif evening and not morning:
            hour += 12
        elif not h24 and not morning:
            hour += 12
        return hour % 24, minute, days
    for words, hour in sorted(_words()[2].items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(words)}\b", text):
            return hour, 0, days
    for pattern, hour in daily["day_parts"]:
        if pattern.search(text):
            return hour, 0, days
    return None


def local_clock(hour: int, minute: int) -> str:
    """A time of day the way a person says it: "9:00 pm"."""
    return datetime(2000, 1, 1, hour, minute).strftime("%I:%M %p").lstrip("0").lower()
