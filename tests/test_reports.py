"""``kintsugi report referrals``: counts only, never message text or identifiers (SQLite and PostgreSQL)."""
from __future__ import annotations

import csv
import io
import json

from bot import storage
from bot.reports import report_main
from bot.storage import events as ev

SECRET_WORDS = "i want to kill myself tonight with the pills"


def run(*args: str) -> str:
    out = io.StringIO()
    assert report_main(["referrals", *args], out=out) == 0
    return out.getvalue()


def test_referral_report_counts_and_holds_no_text_or_ids(database, test_clock) -> None:
    test_clock.at("12:00", day="2026-06-10")
    ana = storage.identify("tg-777001", "tg:777001", channel="telegram", display_name="Ana Secretname")
    storage.identify("widget-s3cr3t-session", "web:s3cr3t:A", channel="widget")
    storage.log_event("tg-777001", ev.CRISIS_ROUTED, partner_id=getattr(ana, "partner_id", None),
                      details={"category": "suicide_self_harm", "level": "crisis", "country": "GB",
                               "private": False})
    storage.log_event("tg-777001", ev.CRISIS_ROUTED, details={"category": "partner_violence", "level": "crisis",
                                                              "country": "GB", "private": True})
    storage.log_event("widget-s3cr3t-session", ev.CRISIS_ROUTED,
                      details={"category": "suicide_self_harm", "level": "crisis", "country": "de",
                               "text": SECRET_WORDS})  # even a stray text field never leaves the database
    storage.log_event("tg-777001", ev.FLOODING_REPORTED, details={})
    test_clock.at("12:00", day="2026-07-02")  # outside the period
    storage.log_event("tg-777001", ev.CRISIS_ROUTED, details={"category": "suicide_self_harm", "level": "crisis",
                                                              "country": "GB"})

    report = json.loads(run("--from", "2026-06-01", "--to", "2026-06-30"))
    assert report["referrals"] == 3
    assert report["by"]["category"] == {"partner_violence": 1, "suicide_self_harm": 2}
    assert report["by"]["channel"] == {"telegram": 2, "widget": 1}
    assert report["by"]["country"] == {"DE": 1, "GB": 2}
    assert report["by"]["level"] == {"crisis": 3}
    text = run("--from", "2026-06-01", "--to", "2026-06-30", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(int(r["referrals"]) for r in rows) == 3
    assert set(rows[0]) == {"category", "level", "channel", "country", "referrals"}
    for output in (json.dumps(report), text):
        lowered = output.lower()
        for leak in ("kill", "pills", "tonight", "secretname", "777001", "s3cr3t", "tg-", "tg:", "web:", "partner_id",
                     "conversation", "couple"):
            assert leak not in lowered, leak
    assert json.loads(run("--from", "2026-07-01", "--to", "2026-07-31"))["referrals"] == 1
