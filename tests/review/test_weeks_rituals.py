"""Issue 15 for the therapist: the weeks page's rituals table (over HTTP), counted only with consent."""
from __future__ import annotations

import re
from datetime import timedelta

from bot import clock, storage
from bot.storage.db import session_scope
from bot.storage.models import CheckinPrompt

from .conftest import sign_in

ROW = re.compile(r'<tr data-ritual-week="([^"]+)">(.*?)</tr>', re.S)


def _rituals(html: str) -> dict:
    """{week start: [cells]} of the rituals table."""
    return {start: re.findall(r'<td class="num">([^<]*)</td>', body) for start, body in ROW.findall(html)}


async def test_the_rituals_table_counts_only_what_both_allow(seeded, make_client) -> None:
    s = seeded  # on SQLite and on PostgreSQL; Ana shares, Ben does not
    ana, ben = s.partners["ana"], s.partners["ben"]
    with session_scope() as session:
        for partner in (ana, ben):
            session.add(CheckinPrompt(couple_id=s.couple_a, partner_id=partner, local_date=s.base.date().isoformat(),
                                      due_at=s.base, status="answered", mood=3, note="my own words",
                                      answered_at=s.base, kind="appreciation"))
    promise = storage.add_promise(s.couple_a, ben, "call when I'm late")
    storage.mark_promise(s.couple_a, ana, promise.id, "kept", now=s.base)
    client = await make_client()
    assert (await sign_in(client)).status == 303
    html = await (await client.get(f"/review/couples/{s.couple_a}/weeks")).text()
    rows = _rituals(html)
    assert len(rows) == 12 and "Rituals, week by week" in html
    filled = [cells for cells in rows.values() if cells[0] != "0"]
    assert filled == [["1", "1", "1", "0", "0", "–", "–", "–"]]  # Ana's check-in only; promises need both
    assert "my own words" not in html and "call when I" not in html
    storage.set_share_consent(ben, True)
    html = await (await client.get(f"/review/couples/{s.couple_a}/weeks")).text()
    filled = [cells for cells in _rituals(html).values() if cells[0] != "0"]
    assert filled == [["2", "2", "2", "0", "0", "1", "0", "0"]]
    german = await (await client.get(f"/review/couples/{s.couple_a}/weeks",
                                     headers={"Accept-Language": "de-DE,de;q=0.9"})).text()
    assert "Rituale, Woche für Woche" in german and "Versprechen gehalten" in german
    assert clock.now() - s.base < timedelta(days=7)
