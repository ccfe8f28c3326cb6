"""The widget's "Download my data" (POST /widget/mydata) against the real stack.

Over HTTP: two partners write in one widget conversation through rasa (the widget's metadata,
with the tab's data-key hash); the gateway hands each the file of their own data only with the
tab's key, and the same 404 to a known id with a wrong key, to another tab's key, to an unknown
chat. In Chromium: a partner writes in the demo page's widget, presses the control, and the
downloaded file holds their words.
"""
from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest

from bot.config import Settings
from tests.stack import RasaStack
from tests.web_widget.conftest import LEAVE_URL, WidgetPage
from tests.web_widget.servers import ThreadedApp

pytestmark = pytest.mark.stack

REPLY = 90_000  # ms


@pytest.fixture(scope="module")
def gateway(rasa_stack: RasaStack) -> Iterator[ThreadedApp]:
    """The real gateway app (every part) pointed at the running stack (its storage: ``stack_db`` in each test)."""
    from bot.gateway import build_app

    settings = Settings(database_url=rasa_stack.database_url, rasa_url=rasa_stack.rasa_url,
                        rasa_token=rasa_stack.token, reminder_interval=3600.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: build_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


def _meta(session: str, partner: str, key: str) -> Dict[str, Any]:
    return {"partner_id": f"web:{session}:{partner}", "channel": "web", "chat_type": "web", "language": "en",
            "data_key": hashlib.sha256(key.encode()).hexdigest()}


def post(app: ThreadedApp, fields: Dict[str, str], method: str = "POST") -> Tuple[int, Dict[str, str], bytes]:
    """Ask the gateway for a download as the widget does (a form body, no cookies)."""
    data = urllib.parse.urlencode(fields).encode() if method == "POST" else None
    request = urllib.request.Request(app.url + "/widget/mydata", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_each_partner_downloads_their_own_data_only_with_the_tabs_key(rasa_stack: RasaStack, stack_db: str,
                                                                      gateway: ThreadedApp) -> None:
    session, key = f"web-{uuid.uuid4()}", uuid.uuid4().hex
    rasa_stack.send(session, "I still check his phone every night", _meta(session, "A", key))
    rasa_stack.send(session, "I hate that I lied to you for so long", _meta(session, "B", key))
    other, other_key = f"web-{uuid.uuid4()}", uuid.uuid4().hex
    rasa_stack.send(other, "this is someone else entirely", _meta(other, "A", other_key))

    status, headers, body = post(gateway, {"session_id": session, "partner": "A", "key": key})
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Content-Disposition"].startswith('attachment; filename="kintsugi-my-data-')
    assert headers["Cache-Control"] == "no-store" and headers["Access-Control-Allow-Origin"] == "*"
    data = json.loads(body)
    assert data["you"]["id"] == f"web:{session}:A"
    said = [m["text"] for m in data["messages"] if m["from"] == "you"]
    assert said == ["I still check his phone every night"]
    assert any(m["from"] == "kintsugi" for m in data["messages"])
    assert "lied" not in body.decode() and "someone else" not in body.decode()

    status, _, body = post(gateway, {"session_id": session, "partner": "B", "key": key})  # one device, two people
    assert status == 200 and "lied to you" in body.decode() and "check his phone" not in body.decode()

    refused = [
        {"session_id": session, "partner": "A", "key": other_key},  # another tab's key
        {"session_id": session, "partner": "A", "key": uuid.uuid4().hex},  # a guess
        {"session_id": f"web-{uuid.uuid4()}", "partner": "A", "key": key},  # an unknown chat
        {"session_id": other, "partner": "B", "key": other_key},  # nobody B there
    ]
    for fields in refused:
        status, _, body = post(gateway, fields)
        assert status == 404 and json.loads(body) == {"error": "nothing stored for this chat"}, fields
    for fields in ({"session_id": session, "partner": "A"}, {"session_id": session, "partner": "C", "key": key},
                   {"session_id": "tg-12345", "partner": "A", "key": key}, {}):
        assert post(gateway, fields)[0] == 400, fields
    assert post(gateway, {}, method="GET")[0] == 405  # never in a URL


@pytest.mark.browser
def test_the_widget_downloads_the_writers_data(open_page: Callable[..., WidgetPage], gateway: ThreadedApp,
                                               rasa_stack: RasaStack, stack_db: str) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("we keep fighting about the same thing 🌧")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    control = widget.loc(".data-btn")
    assert control.inner_text() == "Download my data"
    with widget.page.expect_download(timeout=30_000) as download:
        control.click()
    path = download.value.path()
    data = json.loads(open(path, encoding="utf-8").read())
    assert data["you"]["id"] == f"web:{widget.session_id()}:A"
    assert "we keep fighting about the same thing 🌧" in [m["text"] for m in data["messages"]]
    assert widget.loc("#k-data-hint").inner_text() == "Your copy is downloaded."
    assert widget.csp_violations() == []
