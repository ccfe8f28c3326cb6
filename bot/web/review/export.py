"""Exports of a transcript: JSON, CSV (safe to open in a spreadsheet) and a printable page.

There is no PDF here: no library in this environment lays out a transcript as
PDF without downloads (matplotlib can write PDF files but cannot flow text or
right-to-left scripts), so the printable page is made for the browser's
"Print → Save as PDF".
"""
from __future__ import annotations

import csv
import io
import json
from datetime import timezone, tzinfo
from typing import Any, Dict, List

from aiohttp import web

from bot import clock
from bot.storage import CoupleSummary, Transcript, TranscriptItem
from bot.web.review.filters import Filters
from bot.web.review.render import event_label, extras, plain_value, said, words
from bot.web.review.render import text as ui
from bot.web.review.sentences import DEFAULT_LOCALE, event_sentence, when

CSV_COLUMNS = ("time_utc", "local_time", "conversation", "kind", "who", "event", "text", "in_words", "details",
               "flagged")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def who(item: TranscriptItem, locale: str = DEFAULT_LOCALE) -> str:
    """Who an item belongs to, in words."""
    if item.who == "bot":
        name = ui(locale, "kintsugi")
        return name + (f" ({ui(locale, 'privately_to')} {item.private_to.label})" if item.private_to else "")
    if item.partner is not None:
        return item.partner.label
    return ui(locale, "kintsugi") if item.kind == "event" else words(locale)["sentences"]["someone"]


def withheld_text(item: TranscriptItem, locale: str = DEFAULT_LOCALE) -> str:
    """The placeholder for messages a partner did not share."""
    return ui(locale, "items.withheld_one") if item.count == 1 else ui(locale, "items.withheld_many", n=item.count)


def in_words(item: TranscriptItem, zone: tzinfo, locale: str = DEFAULT_LOCALE) -> str:
    """The item as the page says it: a sentence for an event, what was pressed, or what was written."""
    if item.kind == "withheld":
        return withheld_text(item, locale)
    if item.kind == "event":
        return event_sentence(item.event_type or "", item.details, item.partner.label if item.partner else None,
                              at=item.at, zone=zone, locale=locale, withheld=item.details_withheld)
    pressed = said(item, locale)
    if pressed:
        return f"{who(item, locale)} {pressed}"
    return " ".join(p for p in (item.text or "", extras(item.details, locale)) if p)


def item_row(item: TranscriptItem, zone: tzinfo, locale: str = DEFAULT_LOCALE) -> Dict[str, Any]:
    """One item as a flat record shared by the JSON and CSV exports."""
    text = item.text if item.kind == "message" else (withheld_text(item, locale) if item.kind == "withheld" else "")
    details = dict(item.details)
    if item.details_withheld:
        details = {"note": "details withheld: this partner does not share"}
    return {
        "time_utc": item.at.astimezone(timezone.utc).isoformat(),
        "local_time": when(item.at, zone, locale),
        "conversation": item.conversation_id,
        "kind": item.kind,
        "who": who(item, locale),
        "event": event_label(item.event_type, locale) if item.event_type else "",
        "event_type": item.event_type or "",
        "text": text or "",
        "in_words": in_words(item, zone, locale),
        "details": details,
        "flagged": item.flagged,
    }


def _cell(value: Any) -> str:
    """A spreadsheet cell that can never run as a formula."""
    text = plain_value(value) if not isinstance(value, str) else value
    return "'" + text if text.startswith(FORMULA_START) else text


def _filename(couple: CoupleSummary, extension: str) -> str:
    return f"kintsugi-couple-{couple.id}-{clock.now():%Y%m%d-%H%M}.{extension}"


def as_json(couple: CoupleSummary, tr: Transcript, filters: Filters, zone: tzinfo, by: str,
            locale: str = DEFAULT_LOCALE) -> web.Response:
    """The transcript as a JSON download."""
    body = {
        "couple": {"id": couple.id, "timezone": str(zone),
                   "partners": [{"label": p.label, "sharing": p.consent_share} for p in tr.partners]},
        "exported_at": clock.now().isoformat(),
        "exported_by": by,
        "filters": filters.describe() | {"words": filters.text or None},
        "truncated": tr.truncated,
        "items": [item_row(item, zone, locale) for item in tr.items],
    }
    response = web.Response(text=json.dumps(body, ensure_ascii=False, indent=2, default=str),
                            content_type="application/json", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(couple, "json")}"'
    return response


def as_csv(couple: CoupleSummary, tr: Transcript, zone: tzinfo, locale: str = DEFAULT_LOCALE) -> web.Response:
    """The transcript as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    rows: List[Dict[str, Any]] = [item_row(item, zone, locale) for item in tr.items]
    for row in rows:
        writer.writerow([_cell(row[c]) if c != "details" else _cell(json.dumps(row[c], ensure_ascii=False))
                         if row[c] else "" for c in CSV_COLUMNS])
    response = web.Response(text="\ufeff" + out.getvalue(), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(couple, "csv")}"'
    return response
