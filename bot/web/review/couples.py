"""Couple pages: the list, one conversation with its events, the ground rules and exports.

Every page that shows a couple first asks storage whether the couple belongs
to the signed-in therapist; when not, the answer is a plain 404, the same as
for a couple that does not exist, so ids cannot be probed.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta, timezone, tzinfo
from functools import partial
from typing import Dict, Optional, Tuple

from aiohttp import web

from bot import clock
from bot.storage import (
    MESSAGE,
    CoupleSummary,
    audit,
    conversations_of,
    couple_for_therapist,
    couples_for_therapist,
    rules_for_review,
    transcript,
)
from bot.web.review import export
from bot.web.review.filters import couple_id_from, parse_day, parse_filters
from bot.web.review.render import reader_locale, reader_zone, render, text, words
from bot.web.review.security import client_ip, current


def zone_of(couple: CoupleSummary) -> tzinfo:
    """The couple's time zone, or UTC when unknown or unreadable."""
    if not couple.timezone:
        return timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(couple.timezone)
    except Exception:  # noqa: BLE001 - a bad zone name must not break the page
        return timezone.utc


def chat_names(tr, locale: str) -> Dict[str, str]:
    """A plain name for each of the couple's chats, in the reader's language."""
    say = words(locale)["ui"]["chats"]
    names: Dict[str, str] = {}
    for chat in tr.conversations:
        if chat.channel == "telegram":
            name = say["telegram_group" if chat.chat_type in ("group", "supergroup") else "telegram_private"]
        else:
            name = say.get(chat.channel) or say["other"].format(channel=chat.channel.title())
        if name in names.values():
            name = f"{name} {sum(1 for n in names.values() if n.startswith(name)) + 1}"
        names[chat.id] = name
    return names


async def own_couple(request: web.Request) -> CoupleSummary:
    """The couple in the URL if it is this therapist's; 404 otherwise."""
    couple_id = couple_id_from(request.match_info.get("couple_id", ""))
    if couple_id is None:
        raise web.HTTPNotFound()
    couple = await asyncio.to_thread(couple_for_therapist, current(request).therapist_id, couple_id)
    if couple is None:
        raise web.HTTPNotFound()
    return couple


async def _audit(request: web.Request, couple_id: Optional[int], action: str, **details) -> None:
    await asyncio.to_thread(audit.record_view, current(request).therapist_id, couple_id, action,
                            details=details, ip=client_ip(request))


async def couple_list(request: web.Request) -> web.StreamResponse:
    """The therapist's couples: activity, counts and a red flag for crises since the last visit."""
    couples = await asyncio.to_thread(couples_for_therapist, current(request).therapist_id)
    await _audit(request, None, audit.VIEW_COUPLES, couples=[c.id for c in couples])
    return render(request, "couples.html", couples=couples, zone=reader_zone(request))


async def _read(request: web.Request, couple: CoupleSummary):
    chats: Tuple[str, ...] = tuple(await asyncio.to_thread(conversations_of, couple.id))
    filters = parse_filters(request.query, chats)
    zone = reader_zone(request, zone_of(couple))
    since, until = filters.window(zone)
    tr = await asyncio.to_thread(transcript, couple.id, since, until, filters.types, filters.text,
                                 filters.chat or None)
    return filters, zone, tr


async def conversation(request: web.Request) -> web.StreamResponse:
    """One couple's conversation with the events inline, filtered."""
    couple = await own_couple(request)
    filters, zone, tr = await _read(request, couple)
    await _audit(request, couple.id, audit.VIEW_CONVERSATION, filters=filters.describe(), items=len(tr.items))
    flag_index = {item.key: i for i, item in enumerate(tr.flagged)}
    return render(request, "conversation.html", couple=couple, tr=tr, filters=filters, zone=zone,
                  flag_index=flag_index, flag_count=len(flag_index), groups=words(reader_locale(request))["groups"],
                  message_type=MESSAGE, export_query=filters.query(), chat_names=chat_names(tr, reader_locale(request)),
                  active="conversation")


async def rules(request: web.Request) -> web.StreamResponse:
    """The couple's current ground rules and every earlier version."""
    couple = await own_couple(request)
    versions = await asyncio.to_thread(rules_for_review, couple.id)
    await _audit(request, couple.id, audit.VIEW_RULES, versions=len(versions))
    current_version = next((v for v in versions if v.status == "confirmed"), None)
    return render(request, "rules.html", couple=couple, versions=versions, current_version=current_version,
                  zone=reader_zone(request, zone_of(couple)), active="rules")


RITUAL_MEASURES = ("checkins_answered", "moods_shared", "appreciations", "talks", "money_dates", "promises_kept",
                   "promises_not_kept", "promises_not_sure")


def ritual_weeks(couple_id: int, shown, zone, first: int) -> dict:
    """Issue 15's rituals for the weeks shown, by week start (``bot.storage.ritual_week_counts``)."""
    from datetime import datetime, time as day_time

    from bot.storage import ritual_week_counts

    last = datetime.combine(shown[-1].end, day_time(12), zone)
    rows = ritual_week_counts(couple_id, weeks=len(shown), zone=zone, first_weekday=first, now=last)
    return {row["week"]: row for row in rows}


async def weeks(request: web.Request) -> web.StreamResponse:
    """The couple's weeks: a chart and a table of what they shared, the crisis weeks marked."""
    from bot.web.review import weeks as weekly

    couple = await own_couple(request)
    zone, locale = reader_zone(request, zone_of(couple)), reader_locale(request)
    until = parse_day(request.query.get("until", ""))
    shown = await asyncio.to_thread(weekly.weeks_of, couple.id, zone, locale, until)
    await _audit(request, couple.id, audit.VIEW_WEEKS, weeks=len(shown))
    today = clock.now().astimezone(zone).date()
    later = shown[-1].end + timedelta(weeks=len(shown)) if shown[-1].end < today else None
    say = partial(text, locale)
    rituals = await asyncio.to_thread(ritual_weeks, couple.id, shown, zone, weekly.first_weekday(locale))
    return render(request, "weeks.html", couple=couple, weeks=shown, chart=weekly.chart(shown, locale),
                  rituals=rituals, ritual_measures=RITUAL_MEASURES,
                  description=weekly.describe(shown, locale, say), measures=weekly.MEASURES, zone=zone,
                  first_weekday=weekly.weekday_name(weekly.first_weekday(locale), locale),
                  earlier=shown[0].start - timedelta(days=1), later=min(later, today) if later else None,
                  active="weeks")


async def export_transcript(request: web.Request) -> web.StreamResponse:
    """A conversation or a date range as JSON, CSV or a printable page."""
    couple = await own_couple(request)
    fmt = request.match_info["fmt"]
    filters, zone, tr = await _read(request, couple)
    await _audit(request, couple.id, audit.EXPORT, format=fmt, filters=filters.describe(), items=len(tr.items))
    if fmt == "json":
        return export.as_json(couple, tr, filters, zone, current(request).name, reader_locale(request))
    if fmt == "csv":
        return export.as_csv(couple, tr, zone, reader_locale(request))
    return render(request, "printable.html", couple=couple, tr=tr, filters=filters, zone=zone,
                  flag_index={}, flag_count=0, chat_names=chat_names(tr, reader_locale(request)))


ROUTES = [
    ("GET", "/couples", couple_list),
    ("GET", "/couples/{couple_id}", conversation),
    ("GET", "/couples/{couple_id}/rules", rules),
    ("GET", "/couples/{couple_id}/weeks", weeks),
    ("GET", "/couples/{couple_id}/export.{fmt:(json|csv|html)}", export_transcript),
]
