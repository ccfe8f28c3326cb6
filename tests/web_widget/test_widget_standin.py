"""The widget in Chromium against a socket.io stand-in: what rasa cannot be made to do on cue.

The stand-in can be stopped mid-conversation and answers with a crisis payload on
demand, so dropped connections, exactly-once resending and the crisis card are
tested deterministically here; the real stack is in ``test_widget_stack.py``.
"""
from __future__ import annotations

import hashlib
import time
from typing import Callable

import pytest

from tests.web_widget.conftest import LEAVE_URL, WidgetPage
from tests.web_widget.servers import StandIn, ThreadedApp

pytestmark = pytest.mark.browser

OpenPage = Callable[..., WidgetPage]


def test_messages_quick_replies_and_partner_metadata(open_page: OpenPage, standin: StandIn,
                                                     standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("hello")
    widget.loc(".quick-btn").first.wait_for()
    assert widget.loc(".quick-btn").all_inner_texts() == ["I need a pause", "I want to ask a question"]
    widget.loc(".who-option").nth(1).click()  # "I'm B"
    widget.loc(".quick-btn", ).first.click()
    widget.page.get_by_text("When would you like to come back to this?").wait_for()
    widget.loc(".quick-btn", ).get_by_text("Tomorrow").click()
    widget.page.get_by_text("I'll remind you both tomorrow").wait_for()
    session = widget.session_id()
    assert standin.messages(session) == ["hello", "/im_flooded", "tomorrow"]
    first, second = standin.received[0].metadata, standin.received[1].metadata
    assert first == {"partner_id": f"web:{session}:A", "channel": "web", "chat_type": "web", "language": "en",
                     "timezone": "Europe/London", "country": "GB", "practice_code": "HARBOUR-7",
                     # the SHA-256 of the tab's data key (bot/web/widget/mydata.py), never the key itself
                     "data_key": hashlib.sha256(widget.stored()["dataKey"].encode()).hexdigest()}
    assert second["partner_id"] == f"web:{session}:B"
    # the button's title is what the chat shows; its payload is what rasa got
    assert widget.loc(".msg.user .text").all_inner_texts() == ["hello", "I need a pause", "Tomorrow"]
    assert widget.loc(".msg.user").nth(1).get_attribute("data-partner") == "B"
    assert widget.loc(".msg time").count() == 7  # 3 from the user, 4 from the bot, each with its time
    log = widget.loc("[role=log]")
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("aria-label") == "Conversation"
    assert widget.loc("[role=dialog]").get_attribute("aria-labelledby") == "k-title"
    assert widget.csp_violations() == []
    assert not [line for line in widget.console if line.startswith(("error", "pageerror"))]


def test_cut_connection_queues_and_sends_once(open_page: OpenPage, standin: StandIn,
                                              standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("before the drop")
    widget.wait_bot_count(1)
    standin.stop()
    widget.loc(".status.offline").wait_for()
    assert "offline" in widget.loc(".status").inner_text().lower()
    widget.say("typed while offline")
    widget.say("and one more")
    widget.page.get_by_text("Waiting to send").first.wait_for()
    assert widget.loc(".state[data-state=queued]").count() == 2
    time.sleep(1.5)
    standin.start()
    widget.online(timeout=30_000)
    widget.wait_idle()
    widget.wait_bot_count(3)
    session = widget.session_id()
    assert standin.messages(session) == ["before the drop", "typed while offline", "and one more"]
    assert widget.loc(".state[data-state=queued]").count() == 0
    widget.page.get_by_text("You're back online.").wait_for()


def test_a_message_cut_off_in_flight_is_resent_once_without_a_duplicate(
        open_page: OpenPage, standin: StandIn, standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    standin.reply_delay = 1.5  # the acknowledgement comes after the replies
    widget.say("are you there")
    deadline = time.monotonic() + 10
    while not standin.received and time.monotonic() < deadline:
        time.sleep(0.05)
    widget.page.context.set_offline(True)  # before the acknowledgement
    widget.loc(".status.offline").wait_for()
    standin.reply_delay = 0.1
    widget.page.context.set_offline(False)
    widget.online(timeout=30_000)
    widget.wait_idle()
    session = widget.session_id()
    assert standin.messages(session) == ["are you there"]  # resent with the same id, counted once
    assert widget.loc(".msg.user").count() == 1
    assert widget.loc(".state[data-state=failed]").count() == 0


def test_crisis_reply_is_prominent_with_phone_links(open_page: OpenPage, standin: StandIn,
                                                    standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("this is a crisis")
    card = widget.loc(".msg.crisis")
    card.wait_for()
    assert "You deserve help right now" in card.inner_text()
    hrefs = card.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"tel:116123", "tel:999", "sms:85258?&body=SHOUT", "https://samaritans.org"} <= set(hrefs)
    # the bullet lines of the text became the list of links, not a second copy of them
    assert card.inner_text().count("Samaritans") == 1
    assert "Important" in widget.loc("[role=alert]").inner_text()


CARD_TOP_SHOWN = """() => { const r = document.querySelector('#kintsugi-widget').shadowRoot;
  const log = r.querySelector('.log').getBoundingClientRect();
  const card = r.querySelector('.msg.crisis').getBoundingClientRect();
  return card.top >= log.top - 1 && card.top < log.bottom - 40; }"""


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 640)])
def test_the_crisis_cards_top_stays_in_view_when_the_follow_up_arrives(
        open_page: OpenPage, standin: StandIn, standin_gateway: ThreadedApp, width: int, height: int) -> None:
    widget = open_page(standin_gateway.url, width=width, height=height)
    widget.open()
    widget.online()
    for text in ("hello", "still here", "one more thing"):
        widget.say(text)
        widget.wait_idle()
    widget.say("this is a crisis")
    widget.loc(".quick-btn").get_by_text("I'm safe").wait_for()
    widget.wait_idle()
    log = widget.loc(".log")
    # what it would look like scrolled to the newest message: the card's first lines gone
    hidden_at_bottom = log.evaluate(
        "l => { const c = l.querySelector('.msg.crisis'); const top = l.scrollTop +"
        " c.getBoundingClientRect().top - l.getBoundingClientRect().top; return l.scrollHeight - l.clientHeight > top; }")
    assert hidden_at_bottom, "the conversation must be long enough for the card to be scrolled away"
    assert widget.page.evaluate(CARD_TOP_SHOWN)
    # closing and opening again still shows the card's top, until the person writes again
    widget.loc(".close").click()
    widget.launcher.click()
    assert widget.page.evaluate(CARD_TOP_SHOWN)
    widget.loc(".quick-btn").get_by_text("I'm safe").click()
    widget.wait_idle()
    assert log.evaluate("l => l.scrollHeight - l.clientHeight - l.scrollTop") < 2  # the newest is shown again


def test_focus_returns_to_the_message_box_after_a_quick_reply(open_page: OpenPage, standin: StandIn,
                                                               standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("hello")
    widget.loc(".quick-btn").first.click()
    assert widget.page.evaluate("() => document.querySelector('#kintsugi-widget').shadowRoot.activeElement?.id") \
        == "k-input"
    widget.page.keyboard.type("tomorrow")  # the next words go straight into the box
    widget.page.keyboard.press("Enter")
    widget.page.get_by_text("I'll remind you both tomorrow").wait_for()


@pytest.mark.parametrize("width,height", [(1280, 800), (360, 640)])
def test_many_long_quick_replies_scroll_and_never_cover_the_message_box(
        open_page: OpenPage, standin: StandIn, standin_gateway: ThreadedApp, width: int, height: int) -> None:
    widget = open_page(standin_gateway.url, width=width, height=height)
    widget.open()
    widget.online()
    widget.say("choices please")
    keep = widget.loc(".quick-btn").get_by_text("Keep my question")
    keep.wait_for()
    quick, form = widget.loc(".quick").bounding_box(), widget.loc(".compose").bounding_box()
    assert quick and form and quick["y"] + quick["height"] <= form["y"] + 1, (quick, form)
    keep.click()  # reachable: scrolled into view, nothing on top of it
    widget.page.get_by_text("I hear you").first.wait_for()


def test_line_breaks_in_a_reply_are_kept(open_page: OpenPage, standin: StandIn,
                                         standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("list please")
    text = widget.loc(".msg.bot .text").filter(has_text="For the partner who answers")
    text.wait_for()
    assert text.inner_text() == "For the partner who answers:\n• Listen to the whole question.\n• Answer briefly."
    assert text.evaluate("p => getComputedStyle(p).whiteSpace") == "pre-line"


def test_crisis_reply_opens_a_closed_panel(open_page: OpenPage, standin: StandIn,
                                           standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.loc(".close").click()
    assert widget.panel.is_hidden()
    widget.page.evaluate("() => Kintsugi.open()")
    widget.say("this is a crisis")
    widget.page.evaluate("() => Kintsugi.close()")
    widget.loc(".msg.crisis").wait_for(state="visible")


def test_host_page_styles_do_not_reach_the_widget(open_page: OpenPage, standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    host_button = widget.page.locator("#open-chat").evaluate("b => getComputedStyle(b).textTransform")
    assert host_button == "uppercase"  # the clinic's own rule...
    assert widget.launcher.evaluate("b => getComputedStyle(b).textTransform") == "none"  # ...stops at the shadow root
    # ...but the clinic's colour does come through the custom property
    assert widget.launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(35, 75, 91)"


def test_js_api_open_close_destroy(open_page: OpenPage, standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.page.locator("#open-chat").click()  # the demo page's own button calls Kintsugi.open()
    widget.panel.wait_for(state="visible")
    assert widget.launcher.get_attribute("aria-expanded") == "true"
    widget.page.evaluate("() => Kintsugi.close()")
    assert widget.panel.is_hidden()
    widget.page.evaluate("() => Kintsugi.destroy()")
    assert widget.page.locator("#kintsugi-widget").count() == 0
    assert widget.page.evaluate("() => typeof io") == "undefined"  # no global left behind for the host


def test_nothing_is_kept_beyond_the_tab_unless_asked(open_page: OpenPage, standin: StandIn,
                                                     standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("private words")
    widget.wait_idle()
    assert widget.stored("localStorage") is None
    assert widget.page.context.cookies() == []
    assert widget.stored()["entries"][0]["text"] == "private words"
    widget.loc("#k-keep").check()
    kept = widget.stored("localStorage")
    assert kept["keep"] is True and kept["sessionId"] == widget.session_id()
    assert widget.stored() is None
    widget.loc("#k-keep").uncheck()
    assert widget.stored("localStorage") is None and widget.stored()["sessionId"]


def test_leave_quickly_replaces_the_page_and_forgets_the_chat(open_page: OpenPage, standin: StandIn,
                                                              standin_gateway: ThreadedApp) -> None:
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.online()
    widget.say("something I don't want seen")
    widget.wait_idle()
    widget.loc("#k-keep").check()
    first_session = widget.session_id()
    widget.page.evaluate("() => { sessionStorage.setItem('host-page-thing', '1');"
                         " localStorage.setItem('host-page-pref', 'dark'); }")
    with widget.page.expect_navigation():
        widget.loc(".safety-btn.leave").click()
    assert widget.page.url == LEAVE_URL
    assert widget.page.title() == "Weather"
    widget.goto()
    assert widget.stored() is None and widget.stored("localStorage") is None
    # only the widget's own key went: the clinic page's storage is left as it was
    assert widget.page.evaluate("() => sessionStorage.getItem('host-page-thing')") == "1"
    assert widget.page.evaluate("() => localStorage.getItem('host-page-pref')") == "dark"
    widget.open()
    assert widget.loc(".msg").count() == 0
    assert widget.session_id() != first_session


def test_help_falls_back_to_the_built_in_sentence(open_page: OpenPage, standin_gateway: ThreadedApp,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web.widget import content

    monkeypatch.setattr(content, "help_for", lambda *a, **k: {"known": False, "resources": []})
    widget = open_page(standin_gateway.url)
    widget.open()
    widget.loc(".safety-btn.help").click()
    assert "call your local emergency number" in widget.loc("#k-help").inner_text()


def test_one_tag_on_another_sites_page_under_its_own_strict_csp(open_page: OpenPage, standin: StandIn,
                                                                standin_gateway: ThreadedApp) -> None:
    from aiohttp import web

    gateway = standin_gateway.url
    snippet = f'<script src="{gateway}/widget.js" data-server="{standin.url}" data-practice="X1" defer></script>'
    csp = (f"default-src 'none'; script-src {gateway}; style-src {gateway}; "
           f"connect-src {gateway} {standin.url} {standin.url.replace('http', 'ws')}")

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=f"<!doctype html><html lang=en><title>Clinic</title><h1>Clinic</h1>{snippet}",
                            content_type="text/html", headers={"Content-Security-Policy": csp})

    def make() -> web.Application:
        app = web.Application()
        app.router.add_get("/", page)
        return app

    clinic = ThreadedApp(make).start()
    try:
        widget = open_page(clinic.url.replace("127.0.0.1", "localhost"), go=False)  # another origin
        widget.page.goto(clinic.url.replace("127.0.0.1", "localhost") + "/")
        widget.launcher.wait_for()
        widget.open()
        widget.online()
        widget.say("hello from a clinic")
        widget.wait_bot_count(1)
        assert standin.received[0].metadata["practice_code"] == "X1"
        assert widget.csp_violations() == []
    finally:
        clinic.stop()
