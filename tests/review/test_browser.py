"""The review app in a real browser: Playwright with Debian's Chromium against a seeded database.

Screenshots go to tests/artifacts/review/. Chromium comes from ``apt-get install chromium``;
Playwright never downloads a browser here.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import ARTIFACTS
from .seed import PASSWORD

CHROMIUM = os.environ.get("KINTSUGI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]

pytestmark = pytest.mark.browser


class LiveServer:
    """The review app on a real port, served from a thread with its own event loop."""

    def __init__(self, settings) -> None:
        self.settings, self.port = settings, 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from aiohttp import web

        from bot.gateway import build_app
        from bot.web.review import setup_review

        asyncio.set_event_loop(self.loop)
        app = build_app(self.settings, parts=(setup_review,))
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        assert self.ready.wait(10), "the review app did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    @property
    def url(self) -> str:
        """The base address."""
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def live(seeded_sqlite, settings) -> Iterator[LiveServer]:
    """A running review app on a seeded SQLite database."""
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI and missing at {CHROMIUM}")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_sign_in_read_filter_export_and_sign_out(live, browser, seeded_sqlite, tmp_path):
    s = seeded_sqlite
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    dialogs, csp_errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(live.url + "/review/login")
    _shot(page, "01-sign-in")
    page.fill("#email", "alice@example.org")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/review/couples")
    assert page.locator("tr.crisis").count() == 1
    assert "Crisis since your last visit" in page.locator("tr.crisis").inner_text()
    assert page.locator(f'tr[data-couple="{s.couple_b}"]').count() == 0
    _shot(page, "02-couples")

    page.click(f'tr[data-couple="{s.couple_a}"] a')
    page.wait_for_url(f"**/review/couples/{s.couple_a}")
    assert page.get_by_text("<script>alert('owned')</script>").is_visible()
    assert page.locator("ol.transcript").get_by_text("Pause called").is_visible()
    assert page.get_by_text("3 messages were withheld").is_visible()
    assert page.locator(".ctl", has_text="RLO").count() == 1
    assert _no_sideways_scroll(page)
    _shot(page, "03-conversation")
    page.click("#first-flag")
    assert page.url.endswith("#flag-1")
    page.locator("#flag-1").get_by_role("link", name="Next").click()
    assert page.url.endswith("#flag-2")
    _shot(page, "04-flagged-moment")

    page.click("details.types summary")
    page.get_by_label("Crisis support sent").check()
    page.click("#apply-filters")
    page.wait_for_url("**type=crisis_routed**")
    assert page.locator("ol.transcript > li").count() == 1
    page.fill('input[name="q"]', "988")
    page.click("#apply-filters")
    assert page.locator("ol.transcript > li").count() == 1
    _shot(page, "05-filtered")

    with page.expect_download() as download:
        page.click("#export-json")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [i["event_type"] for i in data["items"]] == ["crisis_routed"]
    with page.expect_download() as download:
        page.click("#export-csv")
    assert "Crisis support sent" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    page.click("#export-html")
    page.wait_for_url("**/export.html**")
    assert page.get_by_text("Crisis support sent").is_visible()
    _shot(page, "06-printable")
    page.go_back()

    page.click("#sign-out")
    page.wait_for_url("**/review/login?out=1")
    assert page.get_by_text("You are signed out").is_visible()
    page.goto(live.url + f"/review/couples/{s.couple_a}")
    assert "/review/login" in page.url
    _shot(page, "07-signed-out")
    assert dialogs == [] and csp_errors == []
    context.close()


def test_small_screen_and_hostile_text(live, browser, seeded_sqlite):
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live.url + "/review/login")
    page.fill("#email", "alice@example.org")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/review/couples")
    _shot(page, "08-couples-small")
    headers = page.locator("table.couples thead th")
    assert headers.first.is_visible() and headers.nth(2).inner_text() == "Last activity"  # kept on a phone
    assert _no_sideways_scroll(page)
    page.goto(live.url + f"/review/couples/{seeded_sqlite.couple_a}")
    assert _no_sideways_scroll(page)
    assert page.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
    assert page.get_by_text("שלום עליכם", exact=False).is_visible()
    page.locator(".ctl", has_text="RLO").scroll_into_view_if_needed()
    _shot(page, "09-hostile-text-small")
    more = page.get_by_text("Show the whole message (10,000 characters)")
    more.click()
    assert page.locator("details.long[open] > .text").is_visible() and _no_sideways_scroll(page)
    _shot(page, "10-long-message-small")
    assert dialogs == []
    context.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page) -> list:
    """Serious and critical axe-core findings on the page (contrast included)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/setup.sh (npm ci installs the pinned version)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }")
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width,height,language", [(1280, 900, "en-GB"), (360, 640, "en-GB"), (360, 640, "de-DE")])
def test_every_page_passes_axe(live, browser, seeded_sqlite, width, height, language):
    """Every review page at 1280 and 360 px: no serious or critical axe findings, nothing wider than the screen."""
    from bot.storage.therapists import create_therapist, issue_password_token

    s = seeded_sqlite
    create_therapist("carol@example.org", None, "Carol")
    token = issue_password_token("carol@example.org")
    # bypass_csp only lets the test inject axe-core; the pages themselves run no script
    context = browser.new_context(viewport={"width": width, "height": height}, locale=language, bypass_csp=True)
    page = context.new_page()
    name = f"{width}-{language}"
    findings = {}

    def check(path: str, shot: str) -> None:
        page.goto(live.url + path)
        findings[path] = _axe(page)
        assert _no_sideways_scroll(page), path
        _shot(page, f"axe-{shot}-{name}")

    check("/review/login", "login")
    check(f"/review/set-password?token={token}", "set-password")
    check("/review/set-password?token=used-or-made-up", "expired-link")
    page.goto(live.url + "/review/login")
    page.fill("#email", "alice@example.org")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/review/couples")
    couple = f"/review/couples/{s.couple_a}"
    check("/review/couples", "couples")
    check(couple, "conversation")
    check(couple + "?type=crisis_routed&q=988&from=not-a-date", "conversation-filtered")
    check(couple + "/weeks", "weeks")
    check(couple + "/rules", "rules")
    check(couple + "/export.html", "printable")
    check("/review/practice", "practice")
    check(f"/review/couples/{s.couple_b}", "not-yours")
    assert {path: found for path, found in findings.items() if found} == {}
    assert len(findings) == 11
    if language.startswith("de"):
        page.goto(live.url + couple + "/weeks")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_role("heading", name="Ana (Partner A) & Ben (Partner B)").is_visible()
        assert page.locator("table.weeks caption").inner_text() == "Woche für Woche, in Zahlen"
    context.close()


def test_week_by_week_from_the_couples_list(live, browser, seeded_sqlite):
    """From the list to one couple's weeks, to the crisis week's transcript: no script, strict CSP kept."""
    s = seeded_sqlite
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live.url + "/review/login")
    page.fill("#email", "alice@example.org")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/review/couples")
    page.locator(f'tr[data-couple="{s.couple_a}"] a.weeks-link').click()
    page.wait_for_url(f"**/review/couples/{s.couple_a}/weeks")
    chart = page.get_by_role("img", name="Week by week: Ana (Partner A) & Ben (Partner B)")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 200  # drawn, and styled by the app's own stylesheet
    assert page.locator("svg.weeks rect.band").count() == 1  # the crisis week
    assert page.locator("svg.weeks text.crisis-mark").count() == 1
    crisis_row = page.locator("table.weeks tbody tr.crisis")
    assert crisis_row.count() == 1
    _shot(page, "11-weeks")
    crisis_row.get_by_role("link", name="Read this week").click()
    page.wait_for_url("**from=**")
    assert page.locator("ol.transcript").get_by_text("Crisis support sent").count() >= 1
    assert page.evaluate("document.querySelectorAll('script').length") == 0 and csp_errors == []
    context.close()
