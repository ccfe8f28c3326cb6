"""The weekly talk in the couple's language, and its stop question answered in words, end to end on Telegram
(real ptb Application → fake Bot API, real rasa and action servers, this process's reminder loop):

- a German couple's group: the talk opens at the agreed time in German with a German start button, the first
  turn begins and ends in German;
- "stop the weekly talk for good?" answered by typing, not pressing: "nein" keeps it, "ja" stops it (German
  clients), "sí" stops it (a Spanish client), each in the writer's language.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest

from bot import clock, storage
from tests.telegram.conftest import gateway_settings
from tests.telegram.fake_bot_api import FakeBotApi, Person, private_chat
from tests.telegram.test_pause_between_two_stack import link
from tests.telegram.test_telegram_stack import new_group, people, press, say, stack  # noqa: F401 (fixture)

pytestmark = pytest.mark.stack


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


def speaking(person: Person, language: str) -> Person:
    """The same Telegram user, their client now set to ``language``."""
    return Person(person.id, person.first_name, language)


def buttons(api: FakeBotApi, chat: Dict[str, Any]) -> List[str]:
    marked = [m for m in api.sent(chat["id"]) if m.get("reply_markup")]
    return [key["text"] for row in marked[-1]["reply_markup"]["inline_keyboard"] for key in row] if marked else []


async def test_a_german_group_hears_its_weekly_talk_in_german(stack, bot_api, gateways) -> None:
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = (speaking(p, "de") for p in people("Ana", "Ben"))
    group = new_group()
    await say(bot_api, ana, group, "@kintsugi_test_bot let's have a weekly state of us on sundays at 8pm")
    couple = storage.couple_of(f"tg-{group['id']}")
    [opening] = [r for r in storage.pending_reminders(couple) if r.kind == "weekly_talk"]
    assert opening.details["language"] == "de"

    before = len(bot_api.sent(group["id"]))
    clock.set_now(opening.due_at + timedelta(seconds=1), ticking=True)  # the gateway's loop reaches the slot
    await bot_api.wait_for(lambda api: len(api.sent(group["id"])) > before, timeout=30)
    opened = bot_api.sent(group["id"])[before]
    assert opened["text"].startswith("Zeit für euer Wochengespräch") and "zugewandt" in opened["text"]
    assert buttons(bot_api, group) == ["Wir sind bereit"]
    clock.reset()
    started = await press(bot_api, ben, group, "Wir sind bereit")
    assert any("ie erste Runde beginnt jetzt: 10 Minuten" in text for text in started), started  # "Ben, die ..."
    first = min((r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"), key=lambda r: r.due_at)
    before = len(bot_api.sent(group["id"]))
    clock.set_now(first.due_at + timedelta(seconds=1), ticking=True)
    await bot_api.wait_for(lambda api: len(api.sent(group["id"])) > before, timeout=30)
    assert bot_api.sent(group["id"])[before]["text"].startswith("Die erste Runde ist vorbei. Bevor ihr antwortet")


async def test_the_stop_question_answered_by_typing(stack, bot_api, gateways) -> None:
    clock.reset()
    await gateways(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token))
    ana, ben = people("Ana", "Ben")
    await link(bot_api, ana, ben)  # linked with English clients (the link test's words), then they speak
    ana, ben = speaking(ana, "es"), speaking(ben, "de")
    ana_chat, ben_chat = private_chat(ana), private_chat(ben)
    couple = storage.couple_of(f"tg-{ana.id}")
    await say(bot_api, ana, ana_chat, "let's have a weekly state of us on sundays at 8pm")
    assert storage.weekly_talk(couple).status == "active"

    asked = await say(bot_api, ben, ben_chat, "wir wollen das Wochengespräch nicht mehr")
    assert asked == ["Euer wöchentliches Gespräch ganz beenden? Ihr könnt es jederzeit wieder einrichten."]
    assert buttons(bot_api, ben_chat) == ["Ja, beenden", "Behalten"]
    kept = await say(bot_api, ben, ben_chat, "nein")
    assert kept == ["In Ordnung, euer Wochengespräch bleibt, wie es ist."]
    assert storage.weekly_talk(couple).status == "active"
    await say(bot_api, ben, ben_chat, "wir wollen das Wochengespräch nicht mehr")
    stopped = await say(bot_api, ben, ben_chat, "ja")
    assert stopped[0].startswith("In Ordnung, keine Wochengespräche mehr.")
    assert storage.weekly_talk(couple).status == "stopped"
    again = await say(bot_api, ben, ben_chat, "ja")  # nothing asked any more: a yes stops nothing
    assert not any("keine Wochengespräche" in text for text in again)

    await say(bot_api, ana, ana_chat, "let's have a weekly state of us on sundays at 8pm")
    asked = await say(bot_api, ana, ana_chat, "ya no queremos charlas semanales")
    assert asked == ["¿Dejar vuestra charla semanal para siempre? Podéis volver a ponerla cuando queráis."]
    stopped = await say(bot_api, ana, ana_chat, "sí")
    assert stopped[0].startswith("De acuerdo, no habrá más charlas semanales.")
    assert storage.weekly_talk(couple).status == "stopped"
