"""Forms that understand people (issue 14), end to end: real ptb Application → fake Bot API, real rasa and
action servers. In their group, Ana and Ben choose "red card" as their signal (a pause word, kept as the
answer), agree that "whoever called the pause reaches out first" (an agreement, not a pause), answer
"no details about sex" to the coming-back question (put under off-limits, the question asked again), and
later "did you sleep with her in our bed" is noticed as touching what they put off limits."""
from __future__ import annotations

import pytest

from bot import storage
from bot.storage import events as ev
from tests.telegram.conftest import gateway_settings
from tests.telegram.test_telegram_stack import new_group, people, press, say, stack, tracker  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack

BOT = "@kintsugi_test_bot"


async def test_the_rules_form_understands_what_belongs_where(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    group = new_group()
    await say(bot_api, ana, group, f"{BOT} we want to agree on some ground rules")

    asked = " ".join(await say(bot_api, ben, group, "red card", reply_to_bot=True))
    assert "how long" in asked.lower()
    assert (await tracker(stack, group))["slots"]["rule_pause_signal"] == "red card"
    await say(bot_api, ana, group, "30 minutes", reply_to_bot=True)

    moved = await say(bot_api, ana, group, "no details about sex", reply_to_bot=True)
    assert "Off-limits details" in moved[0] and "come back after a break" in " ".join(moved)
    state = await tracker(stack, group)
    assert state["slots"]["rule_off_limits"] == "no details about sex" and state["slots"]["rule_resume"] is None

    agreed = " ".join(await say(bot_api, ben, group, "whoever called the pause reaches out first",
                                reply_to_bot=True))
    assert "who may ask" in agreed.lower()  # off-limits is already answered, so it is not asked again
    state = await tracker(stack, group)
    assert state["slots"]["rule_resume"] == "whoever called the pause reaches out first"
    assert state["active_loop"]["name"] == "rules_form"
    couple = storage.couple_of(f"tg-{group['id']}")
    assert storage.events_for(couple_id=couple, types=[ev.FLOODING_REPORTED]) == []

    await say(bot_api, ben, group, "either of us", reply_to_bot=True)
    read_back = " ".join(await say(bot_api, ana, group, "sundays", reply_to_bot=True))
    assert "Off-limits details: no details about sex" in read_back and "Pause signal: red card" in read_back
    await press(bot_api, ana, group, "I agree")
    assert "both confirmed" in " ".join(await press(bot_api, ben, group, "I agree"))

    await say(bot_api, ana, group, f"{BOT} I want to ask a question")
    checked = " ".join(await say(bot_api, ana, group, "did you sleep with her in our bed", reply_to_bot=True))
    assert "off limits" in checked and "sex and intimacy" in checked
