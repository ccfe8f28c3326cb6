"""A couple's weeks: what they shared, counted per week, drawn as an SVG on the server.

The counts come from the same transcript the conversation page shows, so the
same rules decide what a therapist may see: messages count only when their
writer shares; a crisis is always counted (its type and time are never
withheld, its words are). Check-ins count answers of sharing partners only.
The chart is plain SVG (no scripts, no inline styles, so it works under the
app's strict CSP) with a title, a description in words and a table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Dict, List, Optional, Sequence, Tuple

from babel import Locale
from babel.dates import format_skeleton, get_day_names

from bot import clock
from bot.storage import MESSAGE, Transcript, answered_checkins, events, transcript

WEEKS_SHOWN = 12
MEASURES = ("messages", "pauses", "questions", "rules", "checkins", "crises")
EVENT_MEASURE = {events.FLOODING_REPORTED: "pauses", events.QUESTION_COACHED: "questions",
                 events.RULE_PROPOSED: "rules", events.CRISIS_ROUTED: "crises"}
# Chart geometry (SVG user units; the chart scales to its box).
WIDTH, LEFT, RIGHT, TOP, STRIP, BAR, AXIS = 760, 150, 12, 38, 46, 30, 34


@dataclass(frozen=True)
class Week:
    """One week of a couple: its first day in the reader's zone and what happened."""

    start: date
    counts: Dict[str, int]

    @property
    def end(self) -> date:
        """Its last day."""
        return self.start + timedelta(days=6)

    @property
    def crisis(self) -> bool:
        """True when a crisis was routed this week."""
        return self.counts.get("crises", 0) > 0


@dataclass(frozen=True)
class Bar:
    """One bar of the chart."""

    x: float
    y: float
    width: float
    height: float
    count: int
    measure: str


@dataclass(frozen=True)
class Chart:
    """The geometry of the chart: strips (one per measure), bars, crisis bands and week labels."""

    width: int
    height: int
    strips: Tuple[Tuple[str, float], ...]  # (measure, y of its baseline)
    bars: Tuple[Bar, ...]
    bands: Tuple[Tuple[float, float], ...]  # (x, width) of each crisis week
    labels: Tuple[Tuple[float, str, bool], ...]  # (x centre, week label, crisis)


def first_weekday(locale: str) -> int:
    """The day a week starts on where the reader lives (0 is Monday)."""
    try:
        return Locale.parse(locale).first_week_day
    except Exception:  # noqa: BLE001 - an odd locale falls back to Monday
        return 0


def week_start(day: date, first: int) -> date:
    """The first day of the week ``day`` is in."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(timezone.utc)


def week_starts(last_day: date, first: int, count: int = WEEKS_SHOWN) -> List[date]:
    """``count`` week starts, oldest first, the last one holding ``last_day``."""
    last = week_start(last_day, first)
    return [last - timedelta(weeks=count - 1 - i) for i in range(count)]


def count_weeks(tr: Transcript, checkins: Sequence[Tuple[int, datetime]], starts: Sequence[date],
                zone: tzinfo) -> List[Week]:
    """What happened in each week starting on ``starts``, from a transcript and answered check-ins."""
    counts = {start: dict.fromkeys(MEASURES, 0) for start in starts}
    ordered = sorted(starts)

    def bucket(moment: datetime) -> Optional[Dict[str, int]]:
        day = clock.as_utc(moment).astimezone(zone).date()
        found = None
        for start in ordered:
            if start <= day:
                found = start
        return counts[found] if found is not None and day < found + timedelta(days=7) else None

    for item in tr.items:
        row = bucket(item.at)
        if row is None:
            continue
        if item.kind == MESSAGE and item.who == "partner":
            row["messages"] += 1
        elif item.kind == "event" and item.event_type in EVENT_MEASURE:
            row[EVENT_MEASURE[item.event_type]] += 1
    for _partner, at in checkins:
        row = bucket(at)
        if row is not None:
            row["checkins"] += 1
    return [Week(start, counts[start]) for start in ordered]


def weeks_of(couple_id: int, zone: tzinfo, locale: str, last_day: Optional[date] = None,
             count: int = WEEKS_SHOWN) -> List[Week]:
    """The couple's last ``count`` weeks up to the week holding ``last_day`` (today by default)."""
    today = clock.now().astimezone(zone).date()
    starts = week_starts(min(last_day or today, today), first_weekday(locale), count)
    since, until = _midnight(starts[0], zone), _midnight(starts[-1] + timedelta(days=7), zone)
    tr = transcript(couple_id, since, until, limit=10 ** 6)
    sharing = [p.id for p in tr.partners if p.consent_share]
    return count_weeks(tr, answered_checkins(couple_id, sharing, since=since, until=until), starts, zone)


def chart(weeks: Sequence[Week], locale: str) -> Chart:
    """Where every bar, band and label goes; each measure is scaled to its own busiest week."""
    column = (WIDTH - LEFT - RIGHT) / max(1, len(weeks))
    bar_width = max(4.0, column * 0.6)
    strips, bars = [], []
    for index, measure in enumerate(MEASURES):
        base = TOP + STRIP * index + BAR
        strips.append((measure, float(base)))
        peak = max((w.counts[measure] for w in weeks), default=0)
        for i, week in enumerate(weeks):
            n = week.counts[measure]
            if n:
                height = max(3.0, BAR * n / peak)
                x = LEFT + column * i + (column - bar_width) / 2
                bars.append(Bar(round(x, 1), round(base - height, 1), round(bar_width, 1), round(height, 1), n, measure))
    height = TOP + STRIP * len(MEASURES) + AXIS
    bands = tuple((round(LEFT + column * i, 1), round(column, 1)) for i, w in enumerate(weeks) if w.crisis)
    labels = tuple((round(LEFT + column * (i + 0.5), 1), format_skeleton("MMMd", w.start, locale=locale), w.crisis)
                   for i, w in enumerate(weeks))
    return Chart(WIDTH, height, tuple(strips), tuple(bars), bands, labels)


def describe(weeks: Sequence[Week], locale: str, say) -> str:
    """The chart in words for its ``<desc>``: span, crisis weeks, the busiest week for pauses."""
    if not weeks:
        return ""
    def day(d: date) -> str:
        return format_skeleton("MMMd", d, locale=locale)

    parts = [say("weeks.summary", count=len(weeks), first=day(weeks[0].start), last=day(weeks[-1].end))]
    if not any(any(w.counts.values()) for w in weeks):
        parts.append(say("weeks.summary_quiet"))
        return " ".join(parts)
    crisis = [say("weeks.week_of", day=day(w.start)) for w in weeks if w.crisis]
    parts.append(say("weeks.crisis_weeks", weeks=", ".join(crisis)) if crisis else say("weeks.no_crisis_weeks"))
    busiest = max(weeks, key=lambda w: w.counts["pauses"])
    if busiest.counts["pauses"]:
        parts.append(say("weeks.busiest", n=busiest.counts["pauses"], week=day(busiest.start)))
    return " ".join(parts)


def weekday_name(index: int, locale: str) -> str:
    """The name of weekday ``index`` (0 is Monday) in the reader's language."""
    return str(get_day_names("wide", locale=locale)[index])
