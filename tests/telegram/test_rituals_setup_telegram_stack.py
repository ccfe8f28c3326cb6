"""Issue 15 on Telegram (real ptb Application → fake Bot API, real rasa and action servers): each ritual set up
in plain words, one message each, in a couple's group (the widget's twin: tests/web_widget/test_widget_rituals.py)."""
from __future__ import annotations

import pytest

from bot import storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.test_telegram_stack import new_group, people, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack


async def test_each_ritual_set_up_in_words_in_the_group(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()

    async def ask(person, text: str, expected: str) -> None:
        shown = "\n".join(await say(bot_api, person, group, f"@kintsugi_test_bot {text}"))
        assert expected in shown, shown

    await ask(ana, "can you remind us to do our check-in every evening at 9", "9:00 pm")
    await ask(ben, "let's have a weekly state of us on sundays at 8pm", "Sundays at 8:00 pm")
    await ask(ana, "set up a money date on the first sunday of each month at 7pm", "first Sunday")
    couple = storage.couple_of(f"tg-{group['id']}")
    assert storage.daily_checkin(couple).hour == 21 and storage.weekly_talk(couple).weekday == 6
    assert storage.money_date(couple).nth == 1
