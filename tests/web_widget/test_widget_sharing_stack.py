"""Issue 13's widget journey: a web couple on a clinic page shares with its therapist, one partner at a time.

Real parts only: the therapist is made with the CLI and uses the review app over HTTP;
the practice code is made in the app; the clinic's page carries it in ``data-practice``;
the partners write in Chromium to the real rasa and action servers. Before a partner's
yes the therapist sees the couple but none of their words; after it, that partner's
words and only theirs. The widget passes axe-core (no serious or critical findings)
with the share control and the consent question showing, at 1280 and 360 px.
"""
from __future__ import annotations

import io
import re
from typing import Any, Callable, Iterator

import pytest
import requests
from aiohttp import web

from bot import storage
from bot.config import Settings
from bot.web.review.cli import therapist_main
from tests.review.conftest import csrf_of, fast_hashing  # noqa: F401 - fixture
from tests.stack import RasaStack
from tests.web_widget.conftest import LEAVE_URL, WidgetPage
from tests.web_widget.servers import ThreadedApp

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OpenPage = Callable[..., WidgetPage]
REPLY = 90_000  # ms
PASSWORD = "lanterns along the canal at dusk"
PRACTICE = "Lantern Couples Practice"
WORDS_A = "I still flinch when his phone lights up at night"
WORDS_B = "I hid the second account because I was ashamed"


@pytest.fixture(scope="module")
def gateway(rasa_stack: RasaStack) -> Iterator[ThreadedApp]:
    """The real gateway with every part: the widget's files and the review app."""
    from bot.gateway import build_app

    settings = Settings(database_url=rasa_stack.database_url, rasa_url=rasa_stack.rasa_url,
                        rasa_token=rasa_stack.token, reminder_interval=3600.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: build_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


def cli_add(monkeypatch: pytest.MonkeyPatch, email: str, name: str) -> None:
    """``kintsugi therapist add EMAIL --name NAME``, answering the password prompts."""
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = io.StringIO()
    assert therapist_main(["add", email, "--name", name], out=io.StringIO(), err=err) == 0, err.getvalue()


class Therapist:
    """A therapist's browser over plain HTTP: cookies kept, forms posted with their token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30)

    def post_form(self, page: str, action: str, data: dict) -> requests.Response:
        token = csrf_of(self.get(page).text)
        return self.http.post(self.base + action, data={**data, "csrf": token}, allow_redirects=False, timeout=30)

    def sign_in(self, email: str) -> None:
        answer = self.post_form("/review/login", "/review/login", {"email": email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text

    def new_code(self) -> str:
        assert self.post_form("/review/practice", "/review/practice", {"label": "Web couple"}).status_code == 303
        return re.findall(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", self.get("/review/practice").text)[-1]

    def everything_about(self, couple: int) -> str:
        """The couple's page and every export, as one text."""
        pages = [self.get(f"/review/couples/{couple}{path}")
                 for path in ("", "/export.json", "/export.csv", "/export.html")]
        assert all(p.status_code == 200 for p in pages), [p.status_code for p in pages]
        return "\n".join(p.text for p in pages)


def clinic_page(gateway_url: str, rasa_url: str, code: str) -> ThreadedApp:
    """A clinic's own page (another origin, its own strict CSP) with the one-tag snippet."""
    snippet = (f'<script src="{gateway_url}/widget.js" data-server="{rasa_url}" data-practice="{code}" '
               f'data-country="GB" defer></script>')
    ws = rasa_url.replace("http", "ws", 1)
    csp = (f"default-src 'none'; script-src {gateway_url}; style-src {gateway_url}; "
           f"connect-src {gateway_url} {rasa_url} {ws}")
    html = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'><title>Lantern Couples</title></head>"
            f"<body><main><h1>Lantern Couples Practice</h1><p>Talk to our companion between sessions.</p></main>"
            f"{snippet}</body></html>")

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html", headers={"Content-Security-Policy": csp})

    def make() -> web.Application:
        app = web.Application()
        app.router.add_get("/", page)
        return app

    return ThreadedApp(make).start()


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 640)])
def test_a_web_partner_shares_with_the_therapist_only_after_saying_yes(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack, stack_db: str,
        fast_hashing: Any, monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> None:  # noqa: F811
    email = f"lantern.{width}@example.org"
    cli_add(monkeypatch, email, PRACTICE)
    therapist = Therapist(gateway.url)
    therapist.sign_in(email)
    code = therapist.new_code()

    clinic = clinic_page(gateway.url, rasa_stack.rasa_url, code)
    try:
        # bypass_csp only lets the test inject axe-core; the widget itself never needs it
        widget = open_page(clinic.url.replace("127.0.0.1", "localhost"), width=width, height=height,
                           bypass_csp=True, go=False)
        widget.page.goto(clinic.url.replace("127.0.0.1", "localhost") + "/")
        widget.launcher.wait_for()
        widget.open()
        widget.online()
        share = widget.loc(".share-btn:not(.data-btn)")  # the data download shares its look
        assert share.is_visible() and share.inner_text() == "Share with our therapist"
        assert widget.axe() == []

        widget.say(WORDS_A)
        widget.wait_bot_count(1, REPLY)
        widget.wait_idle(REPLY)
        widget.loc(".who-option").get_by_text("I'm B").click()
        widget.say(WORDS_B)
        widget.wait_idle(REPLY)
        widget.loc(".who-option").get_by_text("I'm A").click()
        share.click()
        yes = widget.loc(".quick-btn").get_by_text(f"Share with {PRACTICE}")
        yes.wait_for(timeout=REPLY)
        widget.wait_idle(REPLY)
        assert widget.axe() == []  # the consent question and its button showing
        widget.shot(f"widget-{width}-share-offer")

        # Before the yes: the couple is in the therapist's list, and nothing of what they wrote.
        session = widget.session_id()
        couple = storage.couple_of(session)
        assert couple is not None
        assert f'/review/couples/{couple}"' in therapist.get("/review/couples").text
        before = therapist.everything_about(couple)
        assert WORDS_A not in before and WORDS_B not in before

        yes.click()
        widget.page.get_by_text(f"You're sharing with {PRACTICE} now", exact=False).wait_for(timeout=REPLY)
        widget.wait_idle(REPLY)
        assert storage.partner_by_key(f"web:{session}:A").consent_share is True
        partner_b = storage.partner_by_key(f"web:{session}:B")
        assert partner_b is None or partner_b.consent_share is False  # B has not said yes

        # After it: partner A's words, never partner B's, who has not said yes.
        after = therapist.everything_about(couple)
        assert WORDS_A in after and WORDS_B not in after
        assert widget.csp_violations() == []
    finally:
        clinic.stop()
