"""The widget's HTTP routes: files, CSP of the demo page, strings and help lines."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator, Tuple

import pytest
import yaml

from bot.content import CONTENT_DIR
from bot.config import Settings
from bot.web.widget import routes
from tests.web_widget.conftest import need, widget_app
from tests.web_widget.servers import ThreadedApp

WIDGET_JS = routes.STATIC / "widget.js"


@pytest.fixture(scope="module")
def gateway() -> Iterator[ThreadedApp]:
    """The widget's routes on a real port, pointed at a made-up rasa address."""
    settings = Settings(rasa_url="http://127.0.0.1:5999", default_country="INTL",
                        widget_socket_url="https://chat.example.org")
    app = ThreadedApp(lambda: widget_app(settings)).start()
    yield app
    app.stop()


def get(app: ThreadedApp, path: str) -> Tuple[int, Dict[str, str], bytes]:
    """GET a path; status, headers and body (errors included)."""
    try:
        with urllib.request.urlopen(app.url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(app: ThreadedApp, path: str) -> Any:
    """GET a JSON route and check the headers every JSON route has."""
    status, headers, body = get(app, path)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Access-Control-Allow-Origin"] == "*"  # read by the widget from any clinic's page
    return json.loads(body)


def test_widget_script_is_served_as_javascript_for_any_host_page(gateway: ThreadedApp) -> None:
    status, headers, body = get(gateway, "/widget.js")
    assert status == 200
    assert headers["Content-Type"].startswith("application/javascript")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"window.Kintsugi" in body


def test_widget_script_has_nothing_a_strict_csp_forbids() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)  # the header comment may name them
    for forbidden in ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML",
                      "document.write", ".style.", "setAttribute('style'", "cssText", "cdn", "unpkg", "googleapis"):
        assert forbidden not in code, forbidden
    assert "document.cookie" not in code
    # The only absolute address is the SVG namespace; everything else comes from the script's own origin.
    assert set(re.findall(r"https?://[^'\"\s]+", code)) <= {"http://www.w3.org/2000/svg", "https://www.google.com/"}


def test_styles_are_served(gateway: ThreadedApp) -> None:
    status, headers, body = get(gateway, "/widget.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert b"--kintsugi-primary" in body


def test_socket_io_client_comes_from_the_pinned_npm_copy(gateway: ThreadedApp) -> None:
    need(routes.SOCKET_IO_CLIENT.is_file(), "node_modules missing: run `npm ci`")
    status, headers, body = get(gateway, "/vendor/socket.io.min.js")
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    assert body == routes.SOCKET_IO_CLIENT.read_bytes()
    lock = json.loads((routes.PROJECT_ROOT / "package-lock.json").read_text())
    pinned = json.loads((routes.PROJECT_ROOT / "package.json").read_text())["dependencies"]["socket.io-client"]
    assert lock["packages"]["node_modules/socket.io-client"]["version"] == pinned
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "exact pin, no range"


def test_missing_client_says_how_to_install_it(gateway: ThreadedApp, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Any) -> None:
    monkeypatch.setattr(routes, "SOCKET_IO_CLIENT", tmp_path / "nope.js")
    status, _, body = get(gateway, "/vendor/socket.io.min.js")
    assert status == 503 and b"npm ci" in body


def test_demo_page_has_a_strict_csp_and_no_inline_script(gateway: ThreadedApp) -> None:
    status, headers, body = get(gateway, "/demo")
    assert status == 200
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert csp["connect-src"] == "'self' https://chat.example.org wss://chat.example.org"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert headers["Referrer-Policy"] == "no-referrer"
    html = body.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all("src=" in attrs and not inner.strip() for attrs, inner in scripts)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "no inline event handlers"
    # the one-tag snippet, as a clinic would paste it, is shown on the page
    assert ('&lt;script src=&#34;' in html or '&lt;script src=&quot;' in html) and "data-practice" in html
    assert '<script src="/widget.js" data-server="https://chat.example.org"' in html


def test_help_for_an_unknown_country_still_says_what_to_do(gateway: ThreadedApp) -> None:
    body = get_json(gateway, "/widget/help?country=ZZ")
    assert body["known"] is False
    assert "local emergency number" in body["intro"]
    assert any(r["web"] == "findahelpline.com" for r in body["resources"])
    assert all(r["phone"] or r["kind"] != "emergency" for r in body["resources"])


@pytest.mark.parametrize("query", ["", "?country=", "?country=%3Cscript%3E", "?country=INTL&tz=Mars/Base"])
def test_help_without_a_usable_country_falls_back_to_the_directories(gateway: ThreadedApp, query: str) -> None:
    body = get_json(gateway, f"/widget/help{query}")
    assert body["known"] is False and "local emergency number" in body["intro"]


@pytest.mark.parametrize("query", ["?country=GB", "?country=uk", "?tz=Europe/London"])
def test_help_for_the_uk_leads_with_999(gateway: ThreadedApp, query: str) -> None:
    body = get_json(gateway, f"/widget/help{query}")
    assert body["known"] is True and body["country_name"] == "United Kingdom"
    assert body["resources"][0] == {**body["resources"][0], "kind": "emergency", "phone": "999"}
    assert any(r["name"] == "Samaritans" and r["phone"] == "116 123" for r in body["resources"])
    assert body["elsewhere"], "a way to find lines in another country"


def test_bootstrap_carries_strings_help_and_the_guessed_country(gateway: ThreadedApp) -> None:
    body = get_json(gateway, "/widget/bootstrap?lang=en-GB&tz=America/Toronto")
    assert body["country"] == "CA" and body["language"] == "en"
    assert body["help"]["emergency"] == "911"
    assert body["strings"]["leave"] == "Leave quickly"
    assert body["leave_url"].startswith("https://")
    explicit = get_json(gateway, "/widget/bootstrap?lang=de&country=DE&tz=Europe/London")
    assert explicit["country"] == "DE"


def test_strings_fall_back_to_english(gateway: ThreadedApp) -> None:
    assert get_json(gateway, "/widget/strings?lang=xx")["pause"] == "Pause"


def test_every_string_the_widget_uses_is_in_the_data_file() -> None:
    used = set(re.findall(r"\bt\('([a-z_]+)'", WIDGET_JS.read_text(encoding="utf-8")))
    catalogue = yaml.safe_load((CONTENT_DIR / "widget" / "strings.yml").read_text(encoding="utf-8"))
    assert used and used <= set(catalogue["en"]), used - set(catalogue["en"])
    for language, strings in catalogue.items():
        assert set(strings) <= set(catalogue["en"]), f"{language} has keys English lacks"


def test_the_gateway_mounts_the_widget(tmp_path: Any) -> None:
    from bot.gateway import build_app

    app = build_app(Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}",
                             reminder_interval=3600.0))
    paths = {getattr(r.resource, "canonical", None) for r in app.router.routes()}
    assert {"/widget.js", "/widget.css", "/vendor/socket.io.min.js", "/demo", "/widget/help"} <= paths
    assert any(name == "widget" for name, _ in app["kintsugi.ready_checks"])


def test_a_broken_help_directory_does_not_take_the_widget_down(gateway: ThreadedApp,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web.widget import content

    def broken(*_args: Any, **_kwargs: Any) -> Dict[str, Any]:
        raise OSError("disk gone")

    monkeypatch.setattr(content, "help_for", broken)
    body = get_json(gateway, "/widget/bootstrap?country=GB")
    assert body["strings"]["help"] == "Get help now"
    assert body["help"]["intro"] == content.FALLBACK_HELP and body["help"]["resources"] == []
    assert get_json(gateway, "/widget/help?country=GB")["intro"] == content.FALLBACK_HELP
