"""The widget's help view links to the published crisis protocol, and the link opens it (Chromium)."""
from __future__ import annotations

from typing import Iterator

import pytest

from bot.config import Settings
from tests.web_widget.conftest import LEAVE_URL
from tests.web_widget.servers import StandIn, ThreadedApp

pytestmark = pytest.mark.browser


@pytest.fixture
def gateway_with_protocol(standin: StandIn) -> Iterator[ThreadedApp]:
    """The widget's routes and the protocol page, as the gateway mounts them."""
    from bot.gateway import build_app
    from bot.web.protocol_page import setup_safety_protocol
    from bot.web.widget import setup_widget

    settings = Settings(rasa_url=standin.url, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: build_app(settings, parts=(setup_widget, setup_safety_protocol))).start()
    try:
        yield app
    finally:
        app.stop()


def test_the_help_view_links_to_the_protocol_and_it_opens(open_page, gateway_with_protocol: ThreadedApp) -> None:
    widget = open_page(gateway_with_protocol.url)
    widget.open()
    widget.loc(".safety-btn.help").click()
    link = widget.loc("#k-help .help-protocol a")
    link.wait_for()
    assert link.inner_text() == "How Kintsugi handles a crisis"
    assert link.get_attribute("href") == f"{gateway_with_protocol.url}/safety-protocol"
    assert link.get_attribute("rel") == "noopener noreferrer"
    with widget.page.context.expect_page() as opened:
        link.click()
    page = opened.value
    page.wait_for_load_state()
    assert page.title() == "Kintsugi's crisis protocol"
    assert "never shows a disclosure of abuse to the other partner" in page.inner_text("main")
    assert widget.csp_violations() == []
