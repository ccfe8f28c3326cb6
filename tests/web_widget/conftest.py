"""Fixtures for the widget tests: Debian's Chromium through Playwright, a gateway, a stand-in.

Chromium comes from ``apt-get install -y chromium`` (never ``playwright install``).
Without it the browser tests skip locally and fail in CI (``CI`` set).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
from aiohttp import web

from bot import PROJECT_ROOT
from bot.config import Settings
from tests.web_widget.servers import StandIn, ThreadedApp

CHROMIUM = Path(os.environ.get("KINTSUGI_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
STORE_KEY = "kintsugi.widget"
LEAVE_URL = "https://neutral.example/weather"
# Records every CSP violation the page reports, before any page script runs.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def need(condition: bool, why: str) -> None:
    """Skip locally, fail in CI, when something the test needs is missing."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def widget_app(settings: Settings) -> web.Application:
    """A bare aiohttp app with only the widget mounted (the gateway's other parts stay out)."""
    from bot.gateway import build_app
    from bot.web.widget import setup_widget

    return build_app(settings, parts=(setup_widget,))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one per test file.

    Not one per session: sync Playwright keeps an event loop running in this thread while it is
    open, and pytest-xdist (``--dist loadfile``) may give the same worker an async test file (the
    Telegram tests) after a widget file; closed with the file, it leaves no loop behind.
    """
    need(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """A socket.io stand-in for the rasa channel, restartable on the same port."""
    server = StandIn().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def standin_gateway(standin: StandIn) -> Iterator[ThreadedApp]:
    """The widget's routes pointed at the stand-in."""
    settings = Settings(rasa_url=standin.url, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: widget_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


class WidgetPage:
    """A browser tab on the demo page, with the widget's parts at hand."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console: List[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.route(re.compile(r"^https://neutral\.example/.*"), lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Weather</title><h1>Weather</h1>"))

    def goto(self) -> "WidgetPage":
        """Open the demo page and wait for the launcher."""
        self.page.goto(f"{self.base_url}/demo")
        self.launcher.wait_for()
        return self

    def loc(self, selector: str) -> Any:
        """A locator inside the widget (Playwright pierces its open shadow root)."""
        return self.page.locator(f"#kintsugi-widget {selector}")

    @property
    def launcher(self) -> Any:
        """The launcher button."""
        return self.loc(".launcher")

    @property
    def panel(self) -> Any:
        """The chat panel."""
        return self.loc(".panel")

    @property
    def input(self) -> Any:
        """The message box."""
        return self.loc("#k-input")

    def open(self) -> None:
        """Open the panel with the launcher."""
        self.launcher.click()
        self.panel.wait_for(state="visible")

    def online(self, timeout: float = 20_000) -> None:
        """Wait until the socket is connected and the session confirmed."""
        self.page.wait_for_function(
            "() => { const h = document.querySelector('#kintsugi-widget');"
            " const r = h && h.shadowRoot && h.shadowRoot.querySelector('.root');"
            " return r && r.getAttribute('data-conn') === 'online'; }", timeout=timeout)

    def say(self, text: str) -> None:
        """Type a message and press Enter."""
        self.input.fill(text)
        self.input.press("Enter")

    def bot_texts(self) -> List[str]:
        """Every bot message's text, in order."""
        return self.loc(".msg.bot").all_inner_texts()

    def wait_bot_count(self, count: int, timeout: float = 60_000) -> None:
        """Wait until at least ``count`` bot messages are shown."""
        self.page.wait_for_function(
            "n => document.querySelector('#kintsugi-widget').shadowRoot.querySelectorAll('.msg.bot').length >= n",
            arg=count, timeout=timeout)

    def wait_idle(self, timeout: float = 60_000) -> None:
        """Wait until nothing is in flight or queued (every message acknowledged)."""
        self.page.wait_for_function(
            "() => { const s = JSON.parse(sessionStorage.getItem('kintsugi.widget') ||"
            " localStorage.getItem('kintsugi.widget') || 'null');"
            " const r = document.querySelector('#kintsugi-widget').shadowRoot;"
            " return s && s.outbox.length === 0 && r.querySelector('.typing').hidden; }", timeout=timeout)

    def stored(self, kind: str = "sessionStorage") -> Optional[Dict[str, Any]]:
        """What the widget keeps in sessionStorage or localStorage."""
        return self.page.evaluate(f"() => JSON.parse({kind}.getItem('{STORE_KEY}') || 'null')")

    def session_id(self) -> str:
        """The widget's conversation id."""
        data = self.stored() or self.stored("localStorage")
        assert data, "no widget session stored"
        return data["sessionId"]

    def csp_violations(self) -> List[str]:
        """CSP violations the page reported."""
        return self.page.evaluate("() => window.__csp || []")

    def shot(self, name: str) -> Path:
        """Write a screenshot to tests/artifacts/ for a reviewer."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def axe(self) -> List[Dict[str, Any]]:
        """Serious and critical axe-core violations on the page (widget included)."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }")
        return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., WidgetPage]]:
    """Open the demo page of a gateway in a fresh browser context (fresh storage)."""
    contexts: List[Any] = []

    def make(base_url: str, *, width: int = 1280, height: int = 800, bypass_csp: bool = False,
             go: bool = True) -> WidgetPage:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB",
                                      timezone_id="Europe/London", bypass_csp=bypass_csp)
        context.add_init_script(CSP_WATCH)
        contexts.append(context)
        widget = WidgetPage(context.new_page(), base_url)
        return widget.goto() if go else widget

    yield make
    for context in contexts:
        context.close()
