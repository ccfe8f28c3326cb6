"""``kintsugi report referrals``: how many crisis referrals were made, with no personal data.

Counts ``crisis_routed`` events (the rasa handoff and the gateway's own help when rasa is down)
in a period, per category, level, channel and country. Only those four labels leave the
database: never message text (events hold none), conversation, couple or partner ids.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional

DIMENSIONS = ("category", "level", "channel", "country")


def _day(text: str) -> date:
    return date.fromisoformat(text)


def referral_counts(start: date, end: date) -> Dict[str, Any]:
    """Counts of ``crisis_routed`` from ``start`` to ``end`` (both whole days, UTC)."""
    from sqlalchemy import select

    from bot.storage import events as ev
    from bot.storage.db import session_scope
    from bot.storage.models import Conversation, Event

    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    query = (select(Event.details, Conversation.channel)
             .join(Conversation, Conversation.id == Event.conversation_id, isouter=True)
             .where(Event.type == ev.CRISIS_ROUTED, Event.at >= since, Event.at < until))
    rows: Counter = Counter()
    with session_scope() as session:
        for details, channel in session.execute(query):
            details = details or {}
            rows[(str(details.get("category") or "unknown"), str(details.get("level") or "crisis"),
                  str(channel or details.get("channel") or "unknown"),
                  str(details.get("country") or "unknown").upper())] += 1
    counts = [dict(zip(DIMENSIONS, key), referrals=n) for key, n in sorted(rows.items())]
    totals = {dim: dict(sorted(Counter({r[dim]: 0 for r in counts}).items())) for dim in DIMENSIONS}
    for row in counts:
        for dim in DIMENSIONS:
            totals[dim][row[dim]] += row["referrals"]
    return {"from": start.isoformat(), "to": end.isoformat(), "referrals": sum(rows.values()),
            "by": totals, "rows": counts}


def render(report: Dict[str, Any], fmt: str) -> str:
    """The report as JSON, or as CSV rows (category, level, channel, country, referrals)."""
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*DIMENSIONS, "referrals"])
    for row in report["rows"]:
        writer.writerow([row[d] for d in DIMENSIONS] + [row["referrals"]])
    return out.getvalue()


def report_main(argv: Optional[List[str]] = None, out=None) -> int:  # noqa: ANN001
    """``kintsugi report referrals --from DATE --to DATE [--format json|csv]``."""
    parser = argparse.ArgumentParser(prog="kintsugi report", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ref = sub.add_parser("referrals", help="crisis referrals per category, level, channel and country")
    ref.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    ref.add_argument("--to", dest="end", type=_day, required=True, help="last day, YYYY-MM-DD (UTC)")
    ref.add_argument("--format", choices=["json", "csv"], default="json")
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--to is before --from")
    from bot.storage import upgrade_database

    upgrade_database()  # a fresh checkout's database has no tables yet
    (out or sys.stdout).write(render(referral_counts(args.start, args.end), args.format))
    return 0
