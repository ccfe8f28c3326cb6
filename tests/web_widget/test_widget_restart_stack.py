"""No reply lost when rasa restarts before the widget confirmed it: Chromium, the real rasa and action servers.

The browser reaches rasa through ``Cutter``, which closes the connection right after the
user's message has reached rasa. Rasa answers into the closed connection, and is then killed
(SIGKILL, nothing saved on the way out) and started again on the same port and database.
When the widget comes back, the new rasa process sends the kept replies, once each, and the
resent message is not handled a second time. Its own stack: the shared one is not killed.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from tests.conftest import use_database
from tests.stack import RasaStack, start_rasa_stack
from tests.web_widget.conftest import LEAVE_URL, WidgetPage, widget_app
from tests.web_widget.cutter import Cutter
from tests.web_widget.servers import ThreadedApp
from tests.web_widget.test_widget_delivery_stack import flat, shown_replies, user_texts, wait_answered

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OpenPage = Callable[..., WidgetPage]
REPLY = 90_000


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    stack = start_rasa_stack(tmp_path_factory.mktemp("restart"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def cutter(own_stack: RasaStack) -> Iterator[Cutter]:
    proxy = Cutter(urlsplit(own_stack.rasa_url).port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def gateway(own_stack: RasaStack, cutter: Cutter) -> Iterator[ThreadedApp]:
    settings = Settings(database_url=own_stack.database_url, rasa_url=own_stack.rasa_url,
                        rasa_token=own_stack.token, widget_socket_url=cutter.url,
                        reminder_interval=3600.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: widget_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


def until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(what)


def test_replies_kept_before_a_rasa_restart_arrive_once_after_it(
        open_page: OpenPage, gateway: ThreadedApp, cutter: Cutter, own_stack: RasaStack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import widget_outbox

    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", own_stack.stack.encryption_key)  # to read the sealed rows

    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("hi")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    session = widget.session_id()
    before = shown_replies(widget)

    cutter.arm()
    said = "I keep checking his phone while he sleeps"
    widget.say(said)
    assert cutter.cut.wait(30), "the message never reached rasa"
    client_id = widget.stored()["outbox"][0]["id"]
    answer = wait_answered(own_stack, session, said)  # rasa answered into a closed connection
    with use_database(own_stack.database_url):
        until(lambda: widget_outbox.handled(session, client_id), "rasa never finished handling the message")
        kept = [m["reply_id"] for m in widget_outbox.unconfirmed(session)]
        assert all(said not in p and answer[0] not in p for p in sealed_rows(session)), "rows hold ciphertext"
    assert len(kept) == len(answer), "every reply to the cut message is kept in the database"

    own_stack.stack.stop("rasa", signal.SIGKILL)  # no goodbye: only what the database holds survives
    own_stack.stack.start_rasa()

    cutter.allow()
    widget.online(timeout=60_000)
    widget.wait_idle(REPLY)
    widget.wait_bot_count(len(before) + len(answer), REPLY)
    assert shown_replies(widget) == before + flat(answer)  # each reply once, in order
    assert user_texts(own_stack, session) == ["hi", said]  # the resent message was not handled again
    assert widget.stored()["outbox"] == []
    with use_database(own_stack.database_url):  # shown, confirmed, forgotten
        until(lambda: widget_outbox.unconfirmed(session) == [], "confirmed replies were still kept")

    widget.page.reload()  # nothing arrives twice after a reload either
    widget.panel.wait_for(state="visible")
    widget.online(timeout=30_000)
    assert shown_replies(widget) == before + flat(answer)

    logs = "\n".join(p.read_text(errors="replace") for p in Path(own_stack.log_dir).glob("*.log"))
    assert said not in logs and answer[0] not in logs


def sealed_rows(session: str) -> list:
    from sqlalchemy import select

    from bot.storage.db import session_scope
    from bot.storage.models import WidgetReply

    with session_scope() as db:
        return list(db.scalars(select(WidgetReply.payload).where(WidgetReply.session_id == session)))
