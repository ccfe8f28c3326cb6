"""No reply lost across a dropped connection: the widget in Chromium, the real rasa and action servers.

The browser reaches rasa's socket.io channel through ``Cutter``, which closes the
connection right after the user's message has reached rasa and keeps it closed
while rasa answers. The replies are kept by the channel until the widget confirms
them, and arrive once the socket is back: once each, for a message rasa handled once.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, Iterator, List
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from tests.stack import RasaStack
from tests.web_widget.conftest import LEAVE_URL, STORE_KEY, WidgetPage, widget_app
from tests.web_widget.cutter import Cutter
from tests.web_widget.servers import ThreadedApp

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OpenPage = Callable[..., WidgetPage]
REPLY = 90_000  # ms; the first answers of a freshly started rasa can be slow on 2 cores


@pytest.fixture(scope="module")
def cutter(rasa_stack: RasaStack) -> Iterator[Cutter]:
    proxy = Cutter(urlsplit(rasa_stack.rasa_url).port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def gateway(rasa_stack: RasaStack, cutter: Cutter) -> Iterator[ThreadedApp]:
    """The gateway's widget part; its demo page gives the widget the proxy's address as the socket server."""
    settings = Settings(database_url=rasa_stack.database_url, rasa_url=rasa_stack.rasa_url,
                        rasa_token=rasa_stack.token, widget_socket_url=cutter.url,
                        reminder_interval=3600.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: widget_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


def events(rasa_stack: RasaStack, session: str) -> List[Dict[str, Any]]:
    return rasa_stack.tracker(session)["events"]


def replies_after(rasa_stack: RasaStack, session: str, text: str) -> List[str]:
    """What rasa answered to the user message ``text``, one item per socket.io message."""
    found, out = False, []
    for event in events(rasa_stack, session):
        if event["event"] == "user":
            found = event.get("text") == text
        elif found and event["event"] == "bot":
            custom = (event.get("data") or {}).get("custom")
            if custom:  # one message, however many paragraphs
                out.append(event.get("text") or (custom.get("kintsugi") or {}).get("text") or "")
            else:  # the channel sends each paragraph as its own message
                out.extend(part for part in (event.get("text") or "").strip().split("\n\n") if part)
    return out


def wait_answered(rasa_stack: RasaStack, session: str, text: str, timeout: float = REPLY / 1000) -> List[str]:
    """Wait until rasa has stored its answer to ``text`` (it answers while the browser is cut off)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = replies_after(rasa_stack, session, text)
        if answered:
            return answered
        time.sleep(0.3)
    raise AssertionError(f"rasa did not answer {text!r}")


def shown_replies(widget: WidgetPage) -> List[str]:
    """Each bot message's words as shown (its paragraphs, without name and time)."""
    return [" ".join(t.split()) for t in widget.page.evaluate(
        "() => [...document.querySelector('#kintsugi-widget').shadowRoot.querySelectorAll('.msg.bot')]"
        ".map(m => [...m.querySelectorAll('p.text')].map(p => p.innerText).join(' '))")]


def flat(texts: List[str]) -> List[str]:
    return [" ".join(t.split()) for t in texts]


def user_texts(rasa_stack: RasaStack, session: str) -> List[str]:
    return [e["text"] for e in events(rasa_stack, session) if e["event"] == "user"]


def test_replies_given_while_the_connection_is_down_arrive_once_when_it_is_back(
        open_page: OpenPage, gateway: ThreadedApp, cutter: Cutter, rasa_stack: RasaStack) -> None:
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
    widget.loc(".status.offline").wait_for()
    answer = wait_answered(rasa_stack, session, said)  # rasa answered into a closed connection
    assert shown_replies(widget) == before, "nothing can have arrived while the connection was cut"

    cutter.allow()
    widget.online(timeout=30_000)
    widget.wait_idle(REPLY)
    widget.wait_bot_count(len(before) + len(answer), REPLY)
    assert shown_replies(widget) == before + flat(answer)  # each reply once, in order
    assert user_texts(rasa_stack, session) == ["hi", said]  # the resent message was handled once
    assert widget.loc(".state[data-state=failed]").count() == 0
    assert widget.stored()["outbox"] == []

    # A reload shows what was there, and nothing arrives twice.
    widget.page.reload()
    widget.panel.wait_for(state="visible")
    widget.online(timeout=30_000)
    assert shown_replies(widget) == before + flat(answer)


def test_confirmed_replies_are_not_kept_and_unconfirmed_ones_are_sent_to_the_next_socket(
        open_page: OpenPage, gateway: ThreadedApp, cutter: Cutter, rasa_stack: RasaStack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("we want to set some ground rules")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    session = widget.session_id()
    seen = shown_replies(widget)

    def same_conversation_in_a_new_tab() -> WidgetPage:
        """Another tab that carries only the conversation id: it shows what the server still keeps."""
        blank = {"v": 1, "sessionId": session, "partner": "A", "keep": False, "open": True,
                 "entries": [], "outbox": [], "replyIds": []}
        other = open_page(gateway.url, go=False)
        other.page.context.add_init_script(
            f"if (!sessionStorage.getItem('{STORE_KEY}')) sessionStorage.setItem('{STORE_KEY}', {json.dumps(json.dumps(blank))});")
        other.goto()
        other.panel.wait_for(state="visible")
        other.online(timeout=30_000)  # the server sends kept replies before it confirms the session
        return other

    # Everything the first tab showed, it confirmed: nothing is kept for the conversation.
    check = same_conversation_in_a_new_tab()
    assert shown_replies(check) == []
    check.page.close()

    # Cut off before the replies: the next socket of the conversation gets them.
    widget.page.close()
    cutter.arm()
    other = same_conversation_in_a_new_tab()
    said = "no phones at dinner"
    other.say(said)
    assert cutter.cut.wait(30)
    answer = wait_answered(rasa_stack, session, said)
    other.page.close()  # this tab never sees the connection come back
    cutter.allow()
    late = same_conversation_in_a_new_tab()
    late.wait_bot_count(len(answer), REPLY)
    assert shown_replies(late) == flat(answer)  # only what was never confirmed, once each
    assert seen and user_texts(rasa_stack, session) == ["we want to set some ground rules", said]
