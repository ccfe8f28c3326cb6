"""The review app's security promises, checked over HTTP on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from bot.config import Settings
from bot.storage import audit
from bot.storage.db import get_engine
from bot.storage.practice import practice_codes_of
from bot.storage.sign_in import LoginPolicy
from bot.storage.therapists import disable_therapist
from bot.web.review.security import ReviewPolicy

from .conftest import csrf_of, sign_in
from .seed import LONG, PASSWORD

BOB_TEXT = "Bob's couple secret text"


async def test_sign_in_sets_a_strict_http_only_cookie(seeded, make_client):
    client = await make_client()
    response = await sign_in(client)
    assert response.status == 303 and response.headers["Location"] == "/review/couples"
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("kintsugi_review="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/review" in cookie
    assert "Secure" not in cookie  # plain http on a laptop
    page = await client.get("/review/couples")
    body = await page.text()
    assert page.status == 200 and "Ana (Partner A)" in body and "Cara (Partner A)" in body
    assert "Eve" not in body and "Crisis since your last visit" in body


async def test_cookie_is_secure_when_served_over_https(seeded, make_client):
    client = await make_client(app_settings=Settings(public_url="https://review.example.org"))
    page = await client.get("/review/login")
    form_cookie = page.cookies["kintsugi_review_form"]
    assert form_cookie["secure"] and form_cookie["samesite"] == "Strict"
    # The test client speaks plain http, so it would not send a Secure cookie back: hand it over.
    response = await client.post("/review/login", cookies={"kintsugi_review_form": form_cookie.value},
                                 data={"email": "alice@example.org", "password": PASSWORD,
                                       "csrf": csrf_of(await page.text())}, allow_redirects=False)
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("kintsugi_review="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_wrong_password_is_refused_without_a_session(seeded, make_client):
    client = await make_client()
    response = await sign_in(client, password="not the password at all")
    assert response.status == 401
    assert "don&#39;t match" in await response.text()
    assert not any(c.startswith("kintsugi_review=") for c in response.headers.getall("Set-Cookie", []))
    assert (await client.get("/review/couples", allow_redirects=False)).status == 303


@pytest.mark.parametrize("token", [None, "", "forged-token-forged-token-forged-token"])
async def test_sign_in_form_without_its_token_is_refused(seeded, make_client, token):
    client = await make_client()
    await client.get("/review/login")
    form = {"email": "alice@example.org", "password": "a calm river at dusk"}
    if token is not None:
        form["csrf"] = token
    response = await client.post("/review/login", data=form, allow_redirects=False)
    assert response.status == 403
    assert "kintsugi_review=" not in " ".join(response.headers.getall("Set-Cookie", []))


async def test_forms_inside_the_app_need_the_session_token(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    before = len(practice_codes_of(seeded.alice_id))
    for path, form in [("/review/practice", {"label": "sneaky"}), ("/review/logout", {}),
                       ("/review/logout-everywhere", {}), ("/review/practice/revoke", {"code": seeded.code_a})]:
        assert (await client.post(path, data=form, allow_redirects=False)).status == 403, path
        assert (await client.post(path, data={**form, "csrf": "x" * 43}, allow_redirects=False)).status == 403
    assert len(practice_codes_of(seeded.alice_id)) == before
    assert all(c.revoked_at is None for c in practice_codes_of(seeded.alice_id))
    assert (await client.get("/review/couples")).status == 200  # still signed in: logout was refused
    token = csrf_of(await (await client.get("/review/practice")).text())
    ok = await client.post("/review/practice", data={"label": "real", "csrf": token}, allow_redirects=False)
    assert ok.status == 303 and len(practice_codes_of(seeded.alice_id)) == before + 1


async def test_forms_from_another_site_are_refused(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    token = csrf_of(await (await client.get("/review/practice")).text())
    response = await client.post("/review/practice", data={"csrf": token}, headers={"Origin": "https://evil.example"},
                                 allow_redirects=False)
    assert response.status == 403


@pytest.mark.around_the_clock
async def test_repeated_failures_slow_down_then_lock(seeded, make_client):
    client = await make_client()
    for _ in range(3):
        assert (await sign_in(client, password="wrong guess number")).status == 401
    slowed = await sign_in(client)  # even the right password waits
    assert slowed.status == 429 and "wait" in (await slowed.text()) and int(slowed.headers["Retry-After"]) >= 1
    quick = ReviewPolicy(login=LoginPolicy(free_failures=100, lock_after=4, lock_for=timedelta(minutes=15)))
    other = await make_client(policy=quick)
    for _ in range(4):
        await sign_in(other, email="bob@example.org", password="wrong guess number")
    locked = await sign_in(other, email="bob@example.org")
    assert locked.status == 429 and "paused for 15 minutes" in await locked.text()
    unknown = [await sign_in(other, email="nobody@example.org", password="guess") for _ in range(5)]
    assert unknown[-1].status == 429  # unknown emails lock the same way: no account probing


@pytest.mark.around_the_clock
async def test_sessions_expire_after_inactivity(seeded, make_client):
    client = await make_client(policy=ReviewPolicy(idle=timedelta(seconds=1)))
    await sign_in(client)
    assert (await client.get("/review/couples")).status == 200
    await asyncio.sleep(1.3)
    response = await client.get("/review/couples", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/review/login?expired=1"
    assert (await client.get(f"/review/couples/{seeded.couple_a}", allow_redirects=False)).status == 303


async def test_sign_out_and_sign_out_everywhere(seeded, make_client):
    laptop, phone = await make_client(), await make_client()
    await sign_in(laptop)
    await sign_in(phone)
    stolen = phone.session.cookie_jar.filter_cookies(phone.make_url("/review/"))["kintsugi_review"].value
    token = csrf_of(await (await phone.get("/review/couples")).text())
    out = await phone.post("/review/logout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303
    thief = await make_client()
    replay = await thief.get("/review/couples", cookies={"kintsugi_review": stolen}, allow_redirects=False)
    assert replay.status == 303  # the signed-out cookie is dead on the server, not just in the browser
    await sign_in(phone)
    token = csrf_of(await (await laptop.get("/review/couples")).text())
    assert (await laptop.post("/review/logout-everywhere", data={"csrf": token}, allow_redirects=False)).status == 303
    assert (await phone.get("/review/couples", allow_redirects=False)).status == 303
    assert (await laptop.get("/review/couples", allow_redirects=False)).status == 303


async def test_a_disabled_therapist_is_signed_out(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    disable_therapist("alice@example.org")
    assert (await client.get("/review/couples", allow_redirects=False)).status == 303
    assert (await sign_in(client)).status == 401


@pytest.mark.parametrize("suffix", ["", "/rules", "/export.json", "/export.csv", "/export.html"])
async def test_therapist_cannot_reach_another_therapists_couple(seeded, make_client, suffix):
    client = await make_client()
    await sign_in(client)
    for couple in [seeded.couple_b, 999999, "99999999999999999999999", "0", "-1", "abc", "1%20OR%201=1"]:
        response = await client.get(f"/review/couples/{couple}{suffix}", allow_redirects=False)
        assert response.status == 404, (couple, suffix)
        assert BOB_TEXT not in await response.text()
    assert not [e for e in audit.audit_trail(therapist_id=seeded.alice_id) if e["couple_id"] == seeded.couple_b]


async def test_cannot_revoke_another_therapists_code(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    bob_code = practice_codes_of(seeded.bob_id)[0].code
    token = csrf_of(await (await client.get("/review/practice")).text())
    response = await client.post("/review/practice/revoke", data={"csrf": token, "code": bob_code},
                                 allow_redirects=False)
    assert response.status == 404 and practice_codes_of(seeded.bob_id)[0].revoked_at is None


async def test_hostile_content_renders_as_inert_text(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    for path in (f"/review/couples/{seeded.couple_a}", f"/review/couples/{seeded.couple_a}/export.html"):
        response = await client.get(path)
        body = await response.text()
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        assert "<script" not in body.lower() and "<img" not in body.lower() and "<b>bold" not in body
        assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in body
        assert "onerror=&#34;alert(1)&#34;" in body and "**not bold** [link](javascript:alert(3))" in body
        for invisible in ("\u202e", "\u200b", "\u2066", "\u2069", "\ufeff"):
            assert invisible not in body
        assert "⟨RLO⟩" in body and "⟨ZWSP⟩" in body and "שלום עליכם" in body
        assert LONG in body  # all 10,000 characters, as text
        assert "Ben&#39;s private words" not in body and "Private help for Ben only" not in body
        assert "3 messages were withheld" in body


async def test_search_cannot_inject_sql_or_reveal_withheld_words(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    url = f"/review/couples/{seeded.couple_a}"
    for q in ["' OR 1=1 --", "%", "_", "\\", "'); DROP TABLE events; --", "\" OR \"\"=\"", "Bob's couple"]:
        response = await client.get(url, params={"q": q})
        body = await response.text()
        assert response.status == 200 and BOB_TEXT not in body
    assert inspect(get_engine()).has_table("events") and inspect(get_engine()).has_table("therapists")
    withheld = await (await client.get(url, params={"q": "private words"})).text()
    assert "Nothing to show here" in withheld and "Ben&#39;s" not in withheld
    sneaky = await client.get(url, params=[("type", "message' OR '1'='1"), ("chat", "tg--200456")])
    assert sneaky.status == 200 and BOB_TEXT not in await sneaky.text()
    bad_dates = await (await client.get(url, params={"from": "2026-13-45' --", "to": "yesterday"})).text()
    assert "did not look right" in bad_dates


async def test_every_view_and_export_is_audited(seeded, make_client):
    client = await make_client()
    await sign_in(client)
    assert "Crisis since your last visit" in await (await client.get("/review/couples")).text()
    await client.get(f"/review/couples/{seeded.couple_a}", params={"q": "phone", "type": "message"})
    await client.get(f"/review/couples/{seeded.couple_a}/rules")
    for fmt in ("json", "csv", "html"):
        assert (await client.get(f"/review/couples/{seeded.couple_a}/export.{fmt}")).status == 200
    actions = [e["action"] for e in audit.audit_trail(therapist_id=seeded.alice_id)]
    assert actions.count(audit.EXPORT) == 3 and audit.VIEW_RULES in actions and audit.VIEW_CONVERSATION in actions
    assert audit.VIEW_COUPLES in actions and audit.SIGN_IN in actions
    entry = next(e for e in audit.audit_trail(couple_id=seeded.couple_a) if e["action"] == audit.VIEW_CONVERSATION)
    assert entry["details"]["filters"]["searched"] is True and "phone" not in str(entry["details"])
    seen = audit.views_for_partner("tg:222")
    assert {v.action for v in seen} == {audit.VIEW_CONVERSATION, audit.VIEW_RULES, audit.EXPORT}
    assert all(v.therapist == "Dr Alice Moreau" for v in seen)
    listing = await (await client.get("/review/couples")).text()
    assert "Crisis since your last visit" not in listing  # the visit cleared the red flag
