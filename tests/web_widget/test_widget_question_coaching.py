"""Question coaching in the widget (Chromium, real stack): the wordings are quick replies that keep the topic."""
from __future__ import annotations

import pytest

from tests.web_widget.test_widget_stack import REPLY, OpenPage, gateway, user_events  # noqa: F401 (fixture)

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_a_wording_is_a_quick_reply_that_keeps_the_topic(open_page: OpenPage, gateway, rasa_stack) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()
    widget.say("I want to ask him a question")
    widget.wait_bot_count(1, REPLY)
    widget.wait_idle(REPLY)
    widget.say("did you spend more on the trips with her than on me")
    own = widget.loc(".quick-btn").get_by_text("My own words")
    own.wait_for(timeout=REPLY)
    buttons = [b.strip() for b in widget.loc(".quick-btn").all_inner_texts()]
    wordings = [b for b in buttons if b[:3] in ("1. ", "2. ", "3. ")]
    assert len(wordings) == 3 and all("the trips" in b for b in wordings), buttons
    widget.loc(".quick-btn").get_by_text(wordings[0]).click()
    now = widget.loc(".quick-btn").get_by_text("Now", exact=True)
    now.wait_for(timeout=REPLY)
    now.click()
    widget.wait_idle(REPLY)
    shown = "\n".join(widget.bot_texts())
    assert wordings[0][3:] in shown
    events = user_events(rasa_stack, widget.session_id())
    assert [e["text"] for e in events][-2:] == ["wording 1", "now"]
    assert widget.csp_violations() == []
