"""What a therapist sees and exports, over HTTP against a seeded SQLite database."""
from __future__ import annotations

import csv
import io
import json

from bot.storage import set_share_consent
from bot.storage.therapists import create_therapist, issue_password_token

from .conftest import csrf_of, sign_in


async def _signed_in(make_client):
    client = await make_client()
    assert (await sign_in(client)).status == 303
    return client


async def test_conversation_shows_partners_events_and_flags(seeded_sqlite, make_client):
    s = seeded_sqlite
    client = await _signed_in(make_client)
    body = await (await client.get(f"/review/couples/{s.couple_a}")).text()
    assert "Ana (Partner A)" in body and "Ben (Partner B)" in body and "has not chosen to share" in body
    assert "We keep going round in circles about the phone." in body
    assert "Pause called" in body and "Resume agreed" in body and "Crisis support sent" in body
    assert "Question coached" in body and "Can you help me understand what happened that weekend?" in body
    assert "details withheld" in body  # Ben's pause: type and time, not his details
    assert "8pm, after the kids are asleep" not in body
    assert 'id="flag-1"' in body and 'id="flag-2"' in body and 'href="#flag-2"' in body
    assert "You are not alone. Call 988 now." in body and "988 Suicide &amp; Crisis Lifeline" in body
    assert "Telegram group chat" in body and "Telegram private chat" in body


async def test_filters_by_type_text_dates_and_chat(seeded_sqlite, make_client):
    s = seeded_sqlite
    client = await _signed_in(make_client)
    url = f"/review/couples/{s.couple_a}"
    crisis = await (await client.get(url, params={"type": "crisis_routed"})).text()
    assert "Crisis support sent" in crisis and "round in circles" not in crisis and "1 entry" in crisis
    words = await (await client.get(url, params={"q": "PHONE", "type": "message"})).text()
    assert "round in circles about the phone" in words and "Thank you for pausing" not in words
    day = s.base.date().isoformat()
    later = (s.base.date().replace(year=s.base.year + 1)).isoformat()
    assert "Nothing to show here" in await (await client.get(url, params={"from": later})).text()
    first_day = await (await client.get(url, params={"from": day, "to": day})).text()
    assert "round in circles" in first_day and "ask about the weekend" not in first_day
    private = await (await client.get(url, params={"chat": "tg-111"})).text()
    assert "ask about the weekend" in private and "round in circles" not in private


async def test_rules_page_shows_current_rules_and_history(seeded_sqlite, make_client):
    client = await _signed_in(make_client)
    body = await (await client.get(f"/review/couples/{seeded_sqlite.couple_a}/rules")).text()
    assert "No phones at dinner" in body and "Version 1" in body and "Version 2" in body
    assert "agreed, in use" in body and "This proposal was withheld" in body
    assert "Ben&#39;s unshared rule idea" not in body


async def test_exports_carry_labels_events_and_placeholders(seeded_sqlite, make_client):
    s = seeded_sqlite
    client = await _signed_in(make_client)
    response = await client.get(f"/review/couples/{s.couple_a}/export.json", params={"chat": "tg--100123"})
    assert response.content_type == "application/json" and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(await response.text())
    kinds = {item["kind"] for item in data["items"]}
    assert kinds == {"message", "event", "withheld"}
    assert {p["label"] for p in data["couple"]["partners"]} == {"Ana (Partner A)", "Ben (Partner B)"}
    assert any(i["text"] == "3 messages were withheld" and i["who"] == "Ben (Partner B)" for i in data["items"])
    assert any(i["event"] == "Crisis support sent" and i["flagged"] for i in data["items"])
    assert all(i["conversation"] == "tg--100123" for i in data["items"])
    assert "private words" not in json.dumps(data)
    text = (await (await client.get(f"/review/couples/{s.couple_a}/export.csv")).text()).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and rows[0]["who"] == "Ana (Partner A)"
    assert any(r["text"].startswith("<script>") for r in rows)  # CSV is data, not HTML
    printable = await client.get(f"/review/couples/{s.couple_a}/export.html", params={"type": "message"})
    body = await printable.text()
    assert printable.status == 200 and "Save it as a PDF".lower() in body.lower() and "Pause called" not in body


async def test_csv_cells_cannot_run_as_formulas(seeded_sqlite, make_client):
    from .seed import Tracker, _insert

    tracker = Tracker("tg--100123", seeded_sqlite.base)
    _insert(tracker.user("=HYPERLINK(\"http://evil.example\",\"click\")", "tg:111", "Ana"))
    client = await _signed_in(make_client)
    text = await (await client.get(f"/review/couples/{seeded_sqlite.couple_a}/export.csv")).text()
    assert '"\'=HYPERLINK(' in text and '"=HYPERLINK(' not in text


async def test_withdrawn_consent_hides_messages_everywhere(seeded_sqlite, make_client):
    s = seeded_sqlite
    set_share_consent(s.partners["ana"], False)
    client = await _signed_in(make_client)
    body = await (await client.get(f"/review/couples/{s.couple_a}")).text()
    assert "round in circles" not in body and "withheld" in body
    assert "Nothing to show here" in await (await client.get(f"/review/couples/{s.couple_a}",
                                                              params={"q": "phone"})).text()
    exported = await (await client.get(f"/review/couples/{s.couple_a}/export.json")).text()
    assert "round in circles" not in exported and "Why did you lie" not in exported


async def test_deleted_partner_is_gone_from_views_and_exports(seeded_sqlite, make_client):
    client = await _signed_in(make_client)
    for path in ("", "/export.json", "/export.csv", "/export.html"):
        body = await (await client.get(f"/review/couples/{seeded_sqlite.couple_c}{path}")).text()
        assert "Cara says hello" in body and "Dev" not in body and "withheld" not in body


async def test_set_password_link_works_once(seeded_sqlite, make_client):
    create_therapist("carol@example.org", None, "Carol")
    token = issue_password_token("carol@example.org")
    client = await make_client()
    page = await client.get("/review/set-password", params={"token": token})
    assert page.status == 200 and "carol@example.org" in await page.text()
    csrf = csrf_of(await page.text())
    form = {"csrf": csrf, "token": token, "password": "twelve chars ok!", "again": "different"}
    assert (await client.post("/review/set-password", data=form)).status == 400
    form["again"] = form["password"]
    done = await client.post("/review/set-password", data=form, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/review/login?password=1"
    again = await client.get("/review/set-password", params={"token": token})
    assert again.status == 404 and "expired" in await again.text()
    assert (await sign_in(client, email="carol@example.org", password="twelve chars ok!")).status == 303


async def test_practice_codes_page(seeded_sqlite, make_client):
    client = await _signed_in(make_client)
    token = csrf_of(await (await client.get("/review/practice")).text())
    await client.post("/review/practice", data={"csrf": token, "label": "<script>x</script> group"})
    body = await (await client.get("/review/practice")).text()
    assert "&lt;script&gt;x&lt;/script&gt; group" in body and "/link CODE" in body
    code = seeded_sqlite.code_a
    assert f"{code[:5]}-{code[5:]}" in body
    revoke = await client.post("/review/practice/revoke", data={"csrf": token, "code": code}, allow_redirects=False)
    assert revoke.status == 303
    assert "No longer links new couples" in await (await client.get("/review/practice")).text()


async def test_pages_have_strict_headers_and_a_stylesheet(seeded_sqlite, make_client):
    client = await make_client()
    login = await client.get("/review/login")
    assert login.headers["X-Frame-Options"] == "DENY" and login.headers["Cache-Control"] == "no-store"
    assert login.headers["Referrer-Policy"] == "no-referrer"
    css = await client.get("/review/static/review.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert (await client.get("/review/static/../../config.py", allow_redirects=False)).status in (303, 404)
    assert (await client.get("/review/static/seed.py", allow_redirects=False)).status == 404
    assert (await client.get("/review", allow_redirects=False)).headers["Location"] == "/review/"
    assert (await client.get("/review/", allow_redirects=False)).headers["Location"] == "/review/login"
    await sign_in(client)
    missing = await client.get("/review/nothing/here")
    assert missing.status == 404 and "Nothing here" in await missing.text()
    assert missing.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_the_gateway_mounts_the_review_app(seeded_sqlite, settings, monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.gateway import build_app
    from bot.web.review import setup_review

    # Only this part: the other parts are tested on their own.
    async with TestClient(TestServer(build_app(settings, parts=(setup_review,)))) as client:
        response = await client.get("/review/login")
        assert response.status == 200 and "Sign in" in await response.text()


def test_filters_read_days_in_the_couples_time_zone():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from multidict import MultiDict

    from bot.web.review.filters import couple_id_from, parse_filters

    query = MultiDict([("from", "2026-11-20"), ("to", "2026-11-18"), ("type", "crisis_routed"),
                       ("type", "'; DROP TABLE x; --"), ("q", "  hello  "), ("chat", "tg--999")])
    f = parse_filters(query, ("tg--100123",))
    assert (f.start.isoformat(), f.end.isoformat()) == ("2026-11-18", "2026-11-20")  # swapped into order
    assert f.types == ("crisis_routed",) and f.text == "hello" and f.chat == ""
    since, until = f.window(ZoneInfo("Europe/Berlin"))
    assert since == datetime(2026, 11, 17, 23, 0, tzinfo=timezone.utc)
    assert until == datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)
    assert parse_filters(MultiDict({"from": "20-11-2026"})).problems
    assert [couple_id_from(v) for v in ("7", "0", "-1", "1e3", "2147483648", "９")] == [7, None, None, None, None, None]
