"""Week by week: counts per week from what was shared, the crisis weeks marked, drawn as SVG without scripts."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.storage import audit, events_for
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt
from bot.storage.practice import PartnerLabel
from bot.storage.transcripts import Transcript, TranscriptItem
from bot.web.review.weeks import MEASURES, chart, count_weeks, first_weekday, week_start, week_starts

from .conftest import sign_in

ROW = re.compile(r'<tr[^>]*data-week="([^"]+)"[^>]*>(.*?)</tr>', re.S)


def _rows(html: str):
    """{week start: {measure: count}} and the crisis weeks, read from the page's table."""
    rows, crisis = {}, set()
    for start, body in ROW.findall(html):
        numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', body)]
        rows[start] = dict(zip(MEASURES, numbers))
        if 'class="flag"' in body:
            crisis.add(start)
    return rows, crisis


def test_weeks_start_where_the_reader_lives() -> None:
    tuesday = date(2026, 6, 16)
    assert first_weekday("en_GB") == 0 and first_weekday("de") == 0 and first_weekday("en_US") == 6
    assert week_start(tuesday, 0) == date(2026, 6, 15) and week_start(tuesday, 6) == date(2026, 6, 14)
    assert week_start(date(2026, 6, 14), 6) == date(2026, 6, 14)  # a Sunday starts its own US week
    starts = week_starts(tuesday, 0, 3)
    assert starts == [date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15)]


def test_counts_fall_in_the_readers_week_and_zone() -> None:
    ana = PartnerLabel(1, "A", "Ana", True, None)
    sydney = ZoneInfo("Australia/Sydney")
    # Sunday 14 June 23:30 UTC is already Monday 15 June in Sydney: the next week there
    late_sunday = datetime(2026, 6, 14, 23, 30, tzinfo=timezone.utc)
    items = (TranscriptItem("m1", "message", late_sunday, "c", "partner", ana, "hi"),
             TranscriptItem("m2", "message", late_sunday, "c", "bot", None, "hello"),  # the bot is not counted
             TranscriptItem("w3", "withheld", late_sunday, "c", "partner", ana, count=4),  # nor withheld words
             TranscriptItem("e4", "event", late_sunday, "c", "partner", ana, event_type="crisis_routed",
                            details_withheld=True),  # a crisis counts even without its details
             TranscriptItem("e5", "event", late_sunday, "c", "partner", ana, event_type="flooding_reported"))
    tr = Transcript(1, (ana,), (), items, False)
    starts = week_starts(date(2026, 6, 16), 0, 2)
    london = count_weeks(tr, [(1, late_sunday)], starts, timezone.utc)  # still Sunday: the first week
    there = count_weeks(tr, [(1, late_sunday)], starts, sydney)
    assert london[0].counts == {"messages": 1, "pauses": 1, "questions": 0, "rules": 0, "checkins": 1, "crises": 1}
    assert london[0].crisis and not london[1].crisis
    assert there[1].counts == london[0].counts and not any(there[0].counts.values())
    drawn = chart(there, "en_GB")
    assert len(drawn.bands) == 1 and drawn.bands[0][0] > drawn.labels[0][0]  # the band sits on the second week
    assert [b.count for b in drawn.bars if b.measure == "messages"] == [1]


def _answer(couple: int, partner: int, at: datetime) -> None:
    with session_scope() as session:
        session.add(CheckinPrompt(couple_id=couple, partner_id=partner, local_date=at.date().isoformat(),
                                  due_at=at, status="answered", mood=2, note="private words", answered_at=at))


async def test_the_weeks_page_counts_only_what_was_shared(seeded, make_client) -> None:
    s = seeded  # on SQLite and on PostgreSQL
    _answer(s.couple_a, s.partners["ana"], s.base + timedelta(hours=2))  # Ana shares: counted
    _answer(s.couple_a, s.partners["ben"], s.base + timedelta(hours=3))  # Ben does not: not counted
    client = await make_client()
    assert (await sign_in(client)).status == 303
    listed = await (await client.get("/review/couples")).text()
    assert f'href="/review/couples/{s.couple_a}/weeks"' in listed

    page = await client.get(f"/review/couples/{s.couple_a}/weeks")
    html = await page.text()
    assert page.status == 200 and "script" not in page.headers["Content-Security-Policy"]
    rows, crisis = _rows(html)
    assert len(rows) == 12
    totals = {m: sum(r[m] for r in rows.values()) for m in MEASURES}
    # Ana's nine messages; Ben's three are withheld and not counted. Ben's pause and Ana's crisis are counted.
    assert totals == {"messages": 9, "pauses": 1, "questions": 1, "rules": 0, "checkins": 1, "crises": 1}
    crisis_day = events_for(couple_id=s.couple_a, types=["crisis_routed"])[0].at.astimezone(timezone.utc).date()
    assert crisis == {week_start(crisis_day, 0).isoformat()}
    assert '<svg class="weeks"' in html and 'role="img"' in html and 'aria-labelledby="weeks-title weeks-desc"' in html
    assert re.search(r'<title id="weeks-title">Week by week: Ana \(Partner A\) &amp; Ben \(Partner B\)</title>', html)
    desc = re.search(r'<desc id="weeks-desc">(.*?)</desc>', html, re.S).group(1)
    assert desc.startswith("12 weeks from") and "Weeks with a crisis: week of" in desc
    assert "<script" not in html and " style=" not in html
    assert "private words" not in html and "Ben&#39;s private words" not in html
    assert not re.search(r"\b(None|null|True|False)\b", re.sub(r"<[^>]+>", " ", html))
    week = week_start(crisis_day, 0)
    assert f'?from={week.isoformat()}&amp;to={(week + timedelta(days=6)).isoformat()}' in html
    assert audit.VIEW_WEEKS in [e["action"] for e in audit.audit_trail(couple_id=s.couple_a)]
    assert "looked at your weeks over time" in [v.what for v in audit.views_of_couple(s.couple_a)]

    earlier = await (await client.get(f"/review/couples/{s.couple_a}/weeks",
                                      params={"until": (week - timedelta(days=7 * 12)).isoformat()})).text()
    assert not _rows(earlier)[1] and 'id="weeks-later"' in earlier
    odd = await client.get(f"/review/couples/{s.couple_a}/weeks", params={"until": "next tuesday 🙂"})
    assert odd.status == 200 and len(_rows(await odd.text())[0]) == 12


async def test_weeks_in_the_therapists_language_and_only_for_their_couples(seeded_sqlite, make_client) -> None:
    s = seeded_sqlite
    client = await make_client()
    assert (await sign_in(client)).status == 303
    german = await (await client.get(f"/review/couples/{s.couple_a}/weeks",
                                     headers={"Accept-Language": "de-DE,de;q=0.9"})).text()
    assert '<html lang="de">' in german and "Woche für Woche" in german and "Geteilte Nachrichten" in german
    assert "Wochen beginnen am Montag" in german
    us = await (await client.get(f"/review/couples/{s.couple_a}/weeks", headers={"Accept-Language": "en-US"})).text()
    assert "Weeks start on Sunday" in us
    for couple in (s.couple_b, 999999):
        assert (await client.get(f"/review/couples/{couple}/weeks")).status == 404
