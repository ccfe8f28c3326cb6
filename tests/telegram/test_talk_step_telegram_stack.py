"""The weekly talk's closing step agreed by both, and stopping the talk, end to end on Telegram (real ptb
Application → fake Bot API, real rasa and action servers, this process's reminder loop): Ana suggests the
week's step in her private chat; Ben is asked in his own chat with buttons and suggests a change; Ana is
asked in hers and says yes; Ben's chat then says it is agreed, and only now is it kept. "Cancel our Sunday
talks" asks first, with buttons, and stops on the yes."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, private_chat
from tests.telegram.test_pause_between_two_stack import link
from tests.telegram.test_telegram_stack import people, press, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack


def buttons(api: FakeBotApi, chat: Dict[str, Any]) -> List[str]:
    marked = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    return [key["text"] for row in marked[-1]["reply_markup"]["inline_keyboard"] for key in row] if marked else []


async def next_message(api: FakeBotApi, chat: Dict[str, Any], before: int) -> str:
    await api.wait_for(lambda a: len(a.sent(chat["id"])) > before, timeout=30)
    return api.sent(chat["id"])[before]["text"]


async def test_the_step_is_agreed_by_both_in_their_own_chats_and_the_talk_stops_on_a_yes(stack, bot_api,
                                                                                        gateways) -> None:
    clock.reset()
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)
    await link(bot_api, ana, ben)
    couple = storage.couple_of(f"tg-{ana.id}")
    assert storage.couple_of(f"tg-{ben.id}") == couple

    before = len(bot_api.sent(ben_chat["id"]))
    asked = await say(bot_api, ana, ana_chat, "our action is a walk on saturday morning")
    assert any("asked your partner" in text and '"a walk on saturday morning"' in text for text in asked)
    for_ben = await next_message(bot_api, ben_chat, before)
    assert for_ben == ('Your partner suggested one small step for this week: "a walk on saturday morning". '
                       "Does it work for you too?")
    assert buttons(bot_api, ben_chat) == ["Yes, agreed", "Suggest a change"]
    assert storage.last_agreed_action(couple, before=clock.now() + timedelta(days=1)) is None

    changing = await press(bot_api, ben, ben_chat, "Suggest a change")
    assert any("What would you suggest instead?" in text for text in changing)
    before = len(bot_api.sent(ana_chat["id"]))
    await say(bot_api, ben, ben_chat, "our action is breakfast together on sunday")
    for_ana = await next_message(bot_api, ana_chat, before)
    assert '"breakfast together on sunday"' in for_ana and buttons(bot_api, ana_chat) == ["Yes, agreed",
                                                                                             "Suggest a change"]
    before = len(bot_api.sent(ben_chat["id"]))
    agreed = await press(bot_api, ana, ana_chat, "Yes, agreed")
    assert any(text.startswith('Agreed by you both: "breakfast together on sunday"') for text in agreed)
    ben_sees = await next_message(bot_api, ben_chat, before)
    assert ben_sees.startswith('Agreed by you both: "breakfast together on sunday"')
    assert storage.last_agreed_action(couple, before=clock.now() + timedelta(minutes=1)) == \
        "breakfast together on sunday"

    set_up = await say(bot_api, ana, ana_chat, "let's have a weekly state of us on sundays at 8pm")
    assert any("Sundays" in text for text in set_up)
    stop = await say(bot_api, ben, ben_chat, "cancel our sunday talks")
    assert any("for good?" in text for text in stop) and buttons(bot_api, ben_chat) == ["Yes, stop it", "Keep it"]
    assert storage.weekly_talk(couple).status == "active"
    stopped = await press(bot_api, ben, ben_chat, "Yes, stop it")
    assert any("no more weekly talks" in text for text in stopped)
    assert storage.weekly_talk(couple).status == "stopped"
