"""Whose button, and a double tap counted once across gateways: the real Telegram Application, two partners.

Every flow's buttons as the product words them (domain.yml, the pause's quick times, the
check-in reminder) are sent by a scripted rasa into the couple's group. A press by the
partner the buttons are not for gets a short, kind alert and changes nothing: no message
to rasa, no edited keyboard. The person they are for is handled as usual. Open buttons
(menus, calling a pause, confirming the rules) work for either partner, each as themselves.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Dict, List

import pytest
import yaml

from bot import PROJECT_ROOT, storage
from bot.storage.models import utcnow
from bot.telegram.buttons import split_owner, whose_text
from bot.telegram.texts import ui
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import Person, group_chat

ANA = Person(501, "Ana", "en")
BEN = Person(502, "Ben", "de")
GROUP = group_chat(-100500)
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def domain_buttons(response: str) -> List[Dict[str, Any]]:
    return [dict(b) for b in DOMAIN["responses"][response][0]["buttons"]]


def pause_quick_times() -> List[Dict[str, Any]]:
    from actions.pause_time import quick_times

    return quick_times("Europe/Berlin", timedelta(minutes=20))


# flow -> the buttons rasa sends in it, for the person who wrote
FLOWS = {
    "question timing (Now / Later)": lambda: domain_buttons("utter_ask_question_timing"),
    "pause quick times": pause_quick_times,
    "pause during a question": lambda: domain_buttons("utter_question_during_pause"),
    "ground rules: which rule to change": lambda: domain_buttons("utter_ask_change_rule_name"),
    "apology: send or keep": lambda: domain_buttons("utter_apology_read_back"),
    "promises: a mark": lambda: domain_buttons("utter_promise_mark_ask"),
    "check-in note": lambda: domain_buttons("utter_ask_checkin_note"),
}


@pytest.fixture(autouse=True)
def _db(sqlite_database: str) -> str:
    return sqlite_database


def message_of(bot_api, sent: Dict[str, Any]) -> Dict[str, Any]:
    """The message as Telegram would carry it in a callback query."""
    return {"message_id": 900 + len(bot_api.calls), "date": 0, "chat": GROUP, "from": bot_api.me,
            "text": sent["text"], "reply_markup": sent["reply_markup"]}


async def press(bot_api, person: Person, sent: Dict[str, Any], row: int = 0) -> None:
    data = sent["reply_markup"]["inline_keyboard"][row][0]["callback_data"]
    bot_api.push(bot_api.callback(person, GROUP, data, message_of(bot_api, sent)))


async def answered(bot_api, count: int) -> Dict[str, Any]:
    await bot_api.wait_for(lambda api: len(api.methods("answerCallbackQuery")) >= count)
    return bot_api.methods("answerCallbackQuery")[count - 1]


@pytest.mark.parametrize("flow", list(FLOWS))
async def test_a_button_for_one_partner_pressed_by_the_other_changes_nothing(
        flow, bot_api, fake_rasa, gateways) -> None:
    buttons = FLOWS[flow]()
    fake_rasa.script = lambda body: [{"text": "Your choice?", "buttons": buttons}] \
        if body["message"] == "let's go" else [{"text": "Noted."}]
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, GROUP, "@kintsugi_test_bot let's go"))
    await bot_api.wait_for_messages(GROUP["id"])
    sent = bot_api.sent(GROUP["id"])[0]
    keys = [row[0]["callback_data"] for row in sent["reply_markup"]["inline_keyboard"]]
    assert all(split_owner(k)[1] == ANA.id and len(k.encode()) <= 64 for k in keys)  # Ana's, within Telegram's limit

    await press(bot_api, BEN, sent)
    alert = await answered(bot_api, 1)
    assert alert["text"] == whose_text(BEN.language_code) and alert["show_alert"] in (True, "true", "True")
    await asyncio.sleep(0.5)
    assert len(fake_rasa.received) == 1 and bot_api.methods("editMessageReplyMarkup") == []
    assert len(bot_api.sent(GROUP["id"])) == 1

    await press(bot_api, ANA, sent)
    await bot_api.wait_for_messages(GROUP["id"], 2)
    assert fake_rasa.received[-1]["message"] == buttons[0]["payload"]
    assert fake_rasa.received[-1]["metadata"]["partner_id"] == f"tg:{ANA.id}"
    assert bot_api.methods("editMessageReplyMarkup")[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == \
        ui("button_chosen_group", name="Ana", what=buttons[0]["title"])


async def test_open_buttons_work_for_either_partner_as_themselves(bot_api, fake_rasa, gateways) -> None:
    buttons = domain_buttons("utter_rules_read_back") + domain_buttons("utter_reflect_feelings")
    fake_rasa.script = lambda body: [{"text": "Here are your rules.", "buttons": buttons}] \
        if body["message"] == "our rules" else [{"text": "Thank you."}]
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, GROUP, "@kintsugi_test_bot our rules"))
    await bot_api.wait_for_messages(GROUP["id"])
    sent = bot_api.sent(GROUP["id"])[0]
    assert [row[0]["callback_data"] for row in sent["reply_markup"]["inline_keyboard"]] == \
        [b["payload"] for b in buttons]
    await press(bot_api, BEN, sent)  # Ben confirms the rules Ana read back: as Ben
    await bot_api.wait_for_messages(GROUP["id"], 2)
    assert fake_rasa.received[-1]["message"] == "/confirm_rules"
    assert fake_rasa.received[-1]["metadata"]["partner_id"] == f"tg:{BEN.id}"


async def test_a_button_can_name_whose_it_is(bot_api, fake_rasa, gateways) -> None:
    """A confirmation only the other partner may give: the action names them on the button."""
    fake_rasa.script = lambda body: [{"text": "Ben, does this feel right to you?", "buttons": [
        {"title": "Yes", "payload": "/affirm", "for": f"tg:{BEN.id}"},
        {"title": "Any of you", "payload": "/deny", "for": "anyone"}]}] if body["message"] == "done" else []
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    bot_api.push(bot_api.message(ANA, GROUP, "@kintsugi_test_bot done"))
    await bot_api.wait_for_messages(GROUP["id"])
    sent = bot_api.sent(GROUP["id"])[0]
    await press(bot_api, ANA, sent)  # Ana cannot confirm for Ben
    assert (await answered(bot_api, 1))["text"] == whose_text(ANA.language_code)
    await asyncio.sleep(0.3)
    assert len(fake_rasa.received) == 1
    await press(bot_api, BEN, sent)
    await bot_api.wait_for(lambda api: len(fake_rasa.received) == 2)
    assert fake_rasa.received[-1]["metadata"]["partner_id"] == f"tg:{BEN.id}"


async def test_a_check_in_reminder_in_the_group_is_its_partners(bot_api, fake_rasa, gateways) -> None:
    ana = storage.identify(f"tg-{GROUP['id']}", f"tg:{ANA.id}", channel="telegram", chat_type="supergroup",
                           display_name="Ana")
    storage.schedule_reminder(ana.couple_id, f"tg-{GROUP['id']}", utcnow() - timedelta(seconds=5), "checkin",
                              {"partner_id": ana.partner_id})
    await gateways(gateway_settings(bot_api, fake_rasa.url))
    await bot_api.wait_for_messages(GROUP["id"])
    sent = bot_api.sent(GROUP["id"])[0]
    assert split_owner(sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"])[1] == ANA.id
    await press(bot_api, BEN, sent)  # Ben's mood is his own check-in's, not Ana's
    assert (await answered(bot_api, 1))["text"] == whose_text(BEN.language_code)
    await asyncio.sleep(0.3)
    assert fake_rasa.received == []
    await press(bot_api, ANA, sent)
    await bot_api.wait_for(lambda api: fake_rasa.received)
    assert fake_rasa.received[0]["message"] == '/checkin_mood{"checkin_mood": "1"}'


async def test_a_double_tap_reaching_two_gateways_counts_once(bot_api, fake_rasa, gateways) -> None:
    fake_rasa.script = lambda body: [{"text": "When shall we come back?", "buttons": pause_quick_times()}] \
        if body["message"] == "we need a break" else [{"text": "Okay."}]
    settings = [gateway_settings(bot_api, fake_rasa.url, webhook_url=f"https://gw{n}.example.org/tg/hook",
                                 webhook_secret="s") for n in (1, 2)]
    one, two = [await gateways(s) for s in settings]
    hook = "/tg/hook"
    assert await bot_api.post_webhook(one.url + hook, bot_api.message(ANA, GROUP, "@kintsugi_test_bot we need a break"),
                                      "s") == 200
    await bot_api.wait_for_messages(GROUP["id"])
    sent = bot_api.sent(GROUP["id"])[0]
    data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    message = message_of(bot_api, sent)
    taps = [bot_api.callback(ANA, GROUP, data, message) for _ in range(2)]  # two updates, one per gateway
    statuses = await asyncio.gather(bot_api.post_webhook(one.url + hook, taps[0], "s"),
                                    bot_api.post_webhook(two.url + hook, taps[1], "s"))
    assert statuses == [200, 200]
    await answered(bot_api, 2)
    await asyncio.sleep(0.5)
    assert [r["message"] for r in fake_rasa.received].count(pause_quick_times()[0]["payload"]) == 1
    assert sorted(a.get("text") or "" for a in bot_api.methods("answerCallbackQuery")) == \
        sorted(["", ui("button_already_chosen")])
