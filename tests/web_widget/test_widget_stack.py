"""The widget in Chromium against the real stack: rasa (socket.io channel), actions, gateway.

The gateway is ``bot.gateway.build_app`` started in this process and pointed at the
session's ``rasa_stack``; the browser loads the demo page from it and talks to rasa's
socket.io channel like a clinic visitor's browser would.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List

import pytest

from bot.config import Settings
from tests.stack import RasaStack
from tests.web_widget.conftest import LEAVE_URL, WidgetPage, widget_app
from tests.web_widget.servers import ThreadedApp, free_port

pytestmark = [pytest.mark.stack, pytest.mark.browser]

OpenPage = Callable[..., WidgetPage]
REPLY = 90_000  # ms; the first answers of a freshly started rasa can be slow on 2 cores


@pytest.fixture(scope="module")
def gateway(rasa_stack: RasaStack) -> Iterator[ThreadedApp]:
    """The real gateway app (every part mounted) pointed at the running stack."""
    from bot.gateway import build_app

    settings = Settings(database_url=rasa_stack.database_url, rasa_url=rasa_stack.rasa_url,
                        rasa_token=rasa_stack.token,
                        reminder_interval=3600.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: build_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


def user_events(rasa_stack: RasaStack, session_id: str) -> List[Dict[str, Any]]:
    """The user messages rasa stored for a widget conversation."""
    return [e for e in rasa_stack.tracker(session_id)["events"] if e["event"] == "user"]


def focused(widget: WidgetPage) -> str:
    """A short description of the focused element inside the widget ('' when focus is outside)."""
    return widget.page.evaluate(
        "() => { const h = document.querySelector('#kintsugi-widget');"
        " if (document.activeElement !== h) return '';"
        " const a = h.shadowRoot.activeElement; if (!a) return '';"
        " return (a.id ? '#' + a.id + ' ' : '') + a.className + ' ' + (a.textContent || '').trim(); }")


def tab_to(widget: WidgetPage, needle: str, key: str = "Tab", limit: int = 30) -> None:
    """Press Tab (or Shift+Tab) until the focused widget element matches ``needle``."""
    for _ in range(limit):
        if needle in focused(widget):
            return
        widget.page.keyboard.press(key)
    raise AssertionError(f"could not reach {needle!r} with {key}; focus is on {focused(widget)!r}")


def test_question_flow_with_quick_replies_reaches_rasa_with_partner_metadata(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("I want to ask him something about the affair")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    widget.say("was she better in bed than me")
    keep = widget.loc(".quick-btn").get_by_text("Keep my question")
    keep.wait_for(timeout=REPLY)
    widget.shot("widget-desktop-quick-replies")
    keep.click()
    assert "#k-input" in focused(widget), "after a quick reply the focus is back in the message box"
    now = widget.loc(".quick-btn").get_by_text("Now", exact=True)
    now.wait_for(timeout=REPLY)
    now.click()
    assert "#k-input" in focused(widget)
    widget.wait_idle(REPLY)
    assert "was she better in bed than me" in "\n".join(widget.bot_texts())
    # the answering partner's tips keep their line breaks: one tip per line
    tips = widget.loc(".msg.bot .text").filter(has_text="For the partner who answers")
    tips.wait_for(timeout=REPLY)
    lines = tips.inner_text().split("\n")
    assert len(lines) >= 3 and all(line.startswith("• ") for line in lines[1:]), lines
    session = widget.session_id()
    events = user_events(rasa_stack, session)
    assert [e["text"] for e in events] == ["I want to ask him something about the affair",
                                           "was she better in bed than me", "keep my question", "now"]
    meta = events[0]["metadata"]
    assert meta["partner_id"] == f"web:{session}:A"
    assert (meta["channel"], meta["chat_type"], meta["language"], meta["country"], meta["timezone"]) == \
        ("web", "web", "en", "GB", "Europe/London")
    assert events[0]["input_channel"] == "socketio"
    assert widget.csp_violations() == []


def test_pause_button_starts_the_pause_flow_for_the_chosen_partner(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.loc(".who-option").get_by_text("I'm B").click()
    widget.loc(".safety-btn.pause").click()
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    assert "come back" in "\n".join(widget.bot_texts()).lower()
    assert widget.loc(".msg.user .text").all_inner_texts() == ["Pause"]
    session = widget.session_id()
    [event] = user_events(rasa_stack, session)
    assert event["text"] == "/im_flooded" and event["parse_data"]["intent"]["name"] == "im_flooded"
    assert event["metadata"]["partner_id"] == f"web:{session}:B"


CARD_TOP = """l => { const c = l.querySelector('.msg.crisis');
  const top = c.getBoundingClientRect().top - l.getBoundingClientRect().top;
  return {top: top, height: l.clientHeight, atBottomWouldHide: l.scrollHeight - l.clientHeight > l.scrollTop + top}; }"""


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (360, 640, "phone")])
def test_crisis_from_the_safety_layer_is_shown_with_phone_links_and_its_top_in_view(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack, width: int, height: int,
        name: str) -> None:
    widget = open_page(gateway.url, width=width, height=height, bypass_csp=True)  # bypass: axe is injected
    widget.open()
    widget.online()
    widget.say("hi")
    widget.wait_idle(REPLY)
    widget.say("I want to kill myself")
    card = widget.loc(".msg.crisis")
    card.wait_for(timeout=REPLY)
    widget.wait_idle(REPLY)
    session = widget.session_id()
    after_card = [e for e in rasa_stack.tracker(session)["events"] if e["event"] == "bot"][-1]
    assert (after_card.get("data") or {}).get("custom") is None, "rasa follows the card with a question"
    hrefs = set(card.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert {"tel:999", "tel:116123"} <= hrefs
    if name == "phone":
        assert card.evaluate("c => c.getBoundingClientRect().width") >= 300  # full width on a phone
    # the follow-up question arrived below the card, yet the card is read from its top
    where = widget.loc(".log").evaluate(CARD_TOP)
    assert where["atBottomWouldHide"], f"conversation too short to tell: {where}"
    assert 0 <= where["top"] < where["height"] / 2, where
    widget.shot(f"widget-{name}-crisis")
    assert widget.axe() == []


def test_reload_mid_conversation_continues_the_same_conversation(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("hi")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    session = widget.session_id()
    shown = widget.loc(".msg").count()
    widget.page.reload()
    widget.panel.wait_for(state="visible")  # it was open: it opens again
    assert widget.session_id() == session
    assert widget.loc(".msg").count() == shown
    widget.online()
    widget.say("we want to set some ground rules")
    widget.wait_bot_count(2, REPLY)
    widget.wait_idle(REPLY)
    assert [e["text"] for e in user_events(rasa_stack, session)] == ["hi", "we want to set some ground rules"]
    assert widget.stored("localStorage") is None


def test_cut_connection_queues_and_sends_once_when_back(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.page.context.set_offline(True)
    widget.loc(".status.offline").wait_for()
    widget.say("I feel so stupid for not seeing it")
    widget.page.get_by_text("Waiting to send").wait_for()
    widget.shot("widget-desktop-offline")
    widget.page.context.set_offline(False)
    widget.online(timeout=30_000)
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    texts = [e["text"] for e in user_events(rasa_stack, widget.session_id())]
    assert texts == ["I feel so stupid for not seeing it"]


def test_get_help_now_with_the_network_gone(open_page: OpenPage, gateway: ThreadedApp) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.page.context.set_offline(True)
    widget.loc(".status.offline").wait_for()
    widget.loc(".safety-btn.help").focus()
    widget.page.keyboard.press("Enter")
    help_box = widget.loc("#k-help")
    help_box.wait_for(state="visible")
    assert "k-help-title" in focused(widget)
    hrefs = set(help_box.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert {"tel:999", "tel:116123", "https://findahelpline.com"} <= hrefs
    widget.shot("widget-desktop-help-offline")
    widget.page.context.set_offline(False)


def test_get_help_now_when_rasa_was_never_reachable(open_page: OpenPage) -> None:
    settings = Settings(rasa_url=f"http://127.0.0.1:{free_port()}")  # nobody listens there
    app = ThreadedApp(lambda: widget_app(settings)).start()
    try:
        widget = open_page(app.url)
        widget.open()
        widget.loc(".status.offline").wait_for(timeout=30_000)
        widget.loc(".safety-btn.help").click()
        assert "999" in widget.loc("#k-help").inner_text()
    finally:
        app.stop()


def test_keyboard_only(open_page: OpenPage, gateway: ThreadedApp) -> None:
    widget = open_page(gateway.url)
    tab_to(widget, "launcher")
    widget.page.keyboard.press("Enter")
    widget.panel.wait_for(state="visible")
    assert "#k-input" in focused(widget)
    widget.online()
    widget.page.keyboard.type("hello")
    widget.page.keyboard.press("Enter")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    tab_to(widget, "#k-partner-a", "Shift+Tab")
    widget.page.keyboard.press("ArrowRight")  # radio group: now "I'm B"
    assert widget.loc("#k-partner-b").is_checked()
    tab_to(widget, "safety-btn help", "Shift+Tab")
    widget.page.keyboard.press("Enter")
    assert "k-help-title" in focused(widget)
    widget.page.keyboard.press("Tab")
    assert "res-link" in focused(widget)  # the first help line is one key away
    widget.page.keyboard.press("Escape")
    assert widget.loc("#k-help").is_hidden() and "safety-btn help" in focused(widget)
    widget.page.keyboard.press("Escape")
    assert widget.panel.is_hidden() and "launcher" in focused(widget)
    widget.page.keyboard.press("Enter")
    assert "#k-input" in focused(widget)
    widget.page.evaluate("() => sessionStorage.setItem('clinic.basket', '2 items')")
    tab_to(widget, "safety-btn leave", "Shift+Tab")
    with widget.page.expect_navigation():
        widget.page.keyboard.press("Enter")
    assert widget.page.url == LEAVE_URL
    widget.goto()  # back on the clinic's page in the same tab: its own things are still there, the chat is not
    assert widget.page.evaluate("() => sessionStorage.getItem('clinic.basket')") == "2 items"
    assert widget.stored() is None


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (360, 640, "phone")])
def test_accessibility_and_screenshots(open_page: OpenPage, gateway: ThreadedApp,
                                       width: int, height: int, name: str) -> None:
    # bypass_csp only lets the test inject axe-core; the widget itself never needs it
    widget = open_page(gateway.url, width=width, height=height, bypass_csp=True)
    widget.shot(f"widget-{name}-closed")
    assert widget.axe() == []
    widget.open()
    widget.online()
    widget.say("hi")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    widget.shot(f"widget-{name}-conversation")
    assert widget.axe() == []
    widget.loc(".safety-btn.help").click()
    widget.shot(f"widget-{name}-help")
    assert widget.axe() == []
    if name == "phone":
        box = widget.panel.bounding_box()
        assert box and box["width"] == 360 and box["height"] == 640
        overflow = widget.page.evaluate("() => document.querySelector('#kintsugi-widget').shadowRoot"
                                        ".querySelector('.panel').scrollWidth")
        assert overflow <= 360, "nothing sticks out sideways on a phone"


def test_a_typed_practice_code_and_the_share_control_work_for_each_partner(
        open_page: OpenPage, gateway: ThreadedApp, rasa_stack: RasaStack, stack_db: str) -> None:
    from bot.storage import partner_by_key
    from bot.storage.practice import create_practice_code
    from bot.storage.therapists import create_therapist

    therapist = create_therapist("widget.practice@example.org", "a long enough passphrase 42",
                                 display_name="Lantern Couples Practice")
    code = create_practice_code(therapist.id).shown
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say(f"/link {code}")
    widget.page.get_by_text("You're now connected with Lantern Couples Practice", exact=False).wait_for(timeout=REPLY)
    assert "widget.practice@example.org" not in "\n".join(widget.bot_texts())
    share = widget.loc(".share-btn:not(.data-btn)")  # the data download shares its look
    assert share.is_visible() and share.inner_text() == "Share with our therapist"
    widget.loc(".who-option").get_by_text("I'm B").click()
    share.click()
    widget.loc(".quick-btn").get_by_text("Share with Lantern Couples Practice").click()
    widget.page.get_by_text("You're sharing with Lantern Couples Practice now", exact=False).wait_for(timeout=REPLY)
    session = widget.session_id()
    assert partner_by_key(f"web:{session}:B").consent_share is True
    assert partner_by_key(f"web:{session}:A").consent_share is False
    # the chat shows what the partner pressed, never the payload
    assert "/consent" not in " ".join(widget.loc(".msg.user .text").all_inner_texts())
    widget.say("stop sharing with our therapist")
    widget.page.get_by_text("You've stopped sharing", exact=False).wait_for(timeout=REPLY)
    assert partner_by_key(f"web:{session}:B").consent_share is False
