"""Issue 15 in the widget (Chromium, real stack): each ritual set up in plain words, one message each."""
from __future__ import annotations

import pytest

from bot import storage
from tests.web_widget.test_widget_stack import REPLY, OpenPage, gateway  # noqa: F401 (fixture)

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_each_ritual_set_up_in_words(open_page: OpenPage, gateway, rasa_stack, stack_db) -> None:
    widget = open_page(gateway.url)
    widget.open()
    widget.online()

    def ask(text: str, expected: str) -> None:
        count = len(widget.bot_texts())
        widget.say(text)
        widget.wait_bot_count(count + 1, REPLY)
        widget.wait_idle(REPLY)
        shown = "\n".join(widget.bot_texts()[count:])
        assert expected in shown, shown

    ask("can you remind us to do our check-in every evening at 9", "9:00 pm")
    ask("no messages after 10:30pm please", "10:30 pm")
    ask("I promise to text when plans change", "text when plans change")
    ask("let's have a weekly state of us on sundays at 8pm", "Sundays at 8:00 pm")
    ask("set up a money date on the first sunday of each month at 7pm", "first Sunday")
    couple = storage.couple_of(widget.session_id())
    assert storage.daily_checkin(couple).hour == 21 and storage.weekly_talk(couple).weekday == 6
    assert storage.money_date(couple).nth == 1 and [p.text for p in storage.promises_of(couple)] == [
        "text when plans change"]
    assert widget.csp_violations() == []
