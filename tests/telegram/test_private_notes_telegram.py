"""Issue 16 on Telegram, two partners, real rasa and action servers, the fake Bot API.

Asked in their group, the bot invites them to private chats and starts nothing. Each partner
sorts the yes/no/maybe list alone in their private chat by pressing buttons (and typing a
condition and an own item); each ends at the overlap, which the other sees from their side.
One writes a reflection and sends it by choice: it reaches the partner's private chat through
the reminder loop. The therapist, with both partners sharing, sees none of it in the review
app's pages or exports; no table, tracker or log holds an answer, condition or own item.
"""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
from sqlalchemy import create_engine, inspect, text

from bot import storage
from bot.telegram.texts import ui
from bot.web.review import setup_review
from tests.review.conftest import fast_hashing  # noqa: F401 - fixture
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings, start_gateway
from tests.telegram.fake_bot_api import FakeBotApi, Person, private_chat
from tests.telegram.test_journey_sharing import Browser, cli_add
from tests.telegram.test_telegram_stack import new_group, people, say

pytestmark = pytest.mark.stack

PRACTICE = "Alder Couples Practice"
NO = "No, not now"
OWN_WORDS = "Maybe, in my own words…"
ANA_CONDITION = "after a slow walk together zebra41"
BEN_CONDITION = "if we go gently otter58"
OWN = "Reading aloud in bed quokka77"
REFLECTION = "we laughed on sunday heron93"
SECRETS = (ANA_CONDITION, BEN_CONDITION, OWN, REFLECTION, "Maybe, if we go slowly", "Maybe, if I can stop")
ANA_PICKS = {"Holding hands": "Yes", "A long hug": OWN_WORDS, "Sleeping in the same bed": "Maybe, if we go slowly",
             "Having sex": NO, "Kissing for longer": "Yes", OWN: "Yes"}
BEN_PICKS = {"Holding hands": "Maybe, if I can stop any time", "A long hug": "Yes", "Sleeping in the same bed": "Yes",
             "Having sex": "Yes", "Kissing for longer": NO, OWN: OWN_WORDS}


@pytest.fixture
def stack(sealed_stack: RasaStack) -> RasaStack:
    """The running stack; this process (the gateway) uses the stack's key."""
    return sealed_stack


def _keyboards(api: FakeBotApi, chat: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [m for m in api.sent(chat["id"]) if m.get("reply_markup")]


async def tap(api: FakeBotApi, person: Person, chat: Dict[str, Any], title: str) -> List[str]:
    """Press ``title`` on the newest keyboard and wait for the answer (a short quiet)."""
    params = _keyboards(api, chat)[-1]
    key = next(k for row in params["reply_markup"]["inline_keyboard"] for k in row if k["text"] == title)
    message = {"message_id": 4242, "date": 0, "chat": chat, "from": api.me, "text": params["text"],
               "reply_markup": params["reply_markup"]}
    before = len(api.sent(chat["id"]))
    api.push(api.callback(person, chat, key["callback_data"], message))
    return await api.replies(chat["id"], before, quiet=0.6)


async def type_(api: FakeBotApi, person: Person, chat: Dict[str, Any], words: str) -> List[str]:
    before = len(api.sent(chat["id"]))
    api.push(api.message(person, chat, words))
    return await api.replies(chat["id"], before, quiet=0.6)


async def sort_list(api: FakeBotApi, person: Person, picks: Dict[str, str], condition: str) -> List[str]:
    """Sort the whole list in the private chat; the replies to the last tap."""
    chat = private_chat(person)
    said = await say(api, person, chat, "yes no maybe list", at_least=2)
    assert any("Only what you both put in yes or maybe is ever shown" in s for s in said)
    own_added = False
    for _ in range(60):
        last = _keyboards(api, chat)[-1]["text"]
        if "something of your own" in last:
            if not own_added:
                await tap(api, person, chat, "Add my own")
                await type_(api, person, chat, OWN)
                own_added = True
                continue
            before = len(api.texts(chat["id"]))
            await tap(api, person, chat, "That's all")
            return await until(api, chat, before, ("change your answers any time", "sorted theirs too"))
        item = last.split("\n")[-1].replace("Your own: ", "")
        title = picks.get(item, NO)
        answered = await tap(api, person, chat, title)
        if title == OWN_WORDS:
            assert any(f'what would make "{item}" a yes' in s for s in answered)
            await type_(api, person, chat, condition)
    raise AssertionError("the list never ended")


async def until(api: FakeBotApi, chat: Dict[str, Any], before: int, endings: tuple) -> List[str]:
    """The texts sent to ``chat`` after ``before`` once one of them contains one of ``endings``
    (Telegram's rate limiter spaces a chat's messages about a second apart)."""
    await api.wait_for(lambda a: any(e in t for t in a.texts(chat["id"])[before:] for e in endings), timeout=60)
    return api.texts(chat["id"])[before:]


def _stored(url: str) -> str:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return "\n".join(json.dumps([str(v) for v in row]) for table in inspect(connection).get_table_names()
                             for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()


async def test_two_partners_sort_privately_and_meet_only_in_the_overlap(stack, bot_api, fast_hashing,  # noqa: F811
                                                                         monkeypatch) -> None:
    cli_add(monkeypatch, "alder@example.org", "--name", PRACTICE)
    gateway = await start_gateway(gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token),
                                  extra_parts=(setup_review,))
    therapist = Browser(gateway.url)
    try:
        ana, ben = people("Ana", "Ben")
        ana_chat, ben_chat, group = private_chat(ana), private_chat(ben), new_group()
        await say(bot_api, ana, ana_chat, "/start", at_least=2)
        await say(bot_api, ben, ben_chat, "/start", at_least=2)
        code = re.search(r"/link (\S+)", " ".join(await say(bot_api, ana, ana_chat, "/link")))[1]
        assert await say(bot_api, ben, ben_chat, f"/link {code}") == [ui("link.done")]

        # in their group: one kind line, no list
        await say(bot_api, ana, group, "/start", at_least=1)
        keyboards = len(_keyboards(bot_api, group))
        invited = await say(bot_api, ana, group, "yes no maybe list", reply_to_bot=True)
        assert len(invited) == 1 and "Open a private chat with me" in invited[0]
        assert len(_keyboards(bot_api, group)) == keyboards  # no answer buttons in the group

        waiting = " ".join(await sort_list(bot_api, ana, ANA_PICKS, ANA_CONDITION))
        assert "When your partner has sorted theirs too" in waiting
        ben_sees = " ".join(await sort_list(bot_api, ben, BEN_PICKS, BEN_CONDITION))
        assert "Here is where you both said yes or maybe" in ben_sees
        assert f"• A long hug: you yes; your partner maybe ({ANA_CONDITION})" in ben_sees
        assert f"• {OWN}: you maybe ({BEN_CONDITION}); your partner yes" in ben_sees
        assert "Having sex" not in ben_sees and "Kissing for longer" not in ben_sees
        before = len(bot_api.texts(ana.id))
        bot_api.push(bot_api.message(ana, ana_chat, "our yes no maybe list"))
        ana_sees = " ".join(await until(bot_api, ana_chat, before, ("start yours again",)))
        assert "• Holding hands: you yes; your partner maybe (Maybe, if I can stop any time)" in ana_sees
        assert f"• {OWN}: you yes; your partner maybe ({BEN_CONDITION})" in ana_sees
        assert "Having sex" not in ana_sees and "Kissing for longer" not in ana_sees
        for chat in (group,):  # the group never saw an item, an answer or the overlap
            everything = " ".join(bot_api.texts(chat["id"]))
            assert "Holding hands" not in everything and "both said yes" not in everything

        # a reflection, sent because Ana chose to: it reaches Ben's private chat only
        await say(bot_api, ana, ana_chat, "where are we going", at_least=2)
        await tap(bot_api, ana, ana_chat, "Staying and rebuilding")
        await type_(bot_api, ana, ana_chat, REFLECTION)
        await tap(bot_api, ana, ana_chat, "Skip this one")
        read_back = " ".join(await type_(bot_api, ana, ana_chat, "skip"))
        assert REFLECTION in read_back
        await tap(bot_api, ana, ana_chat, "Send it to my partner")
        before = len(bot_api.texts(ben.id))
        assert "because you chose to" in " ".join(await tap(bot_api, ana, ana_chat, "Yes, send my words"))
        await bot_api.wait_for(lambda api: any(REFLECTION in t for t in api.texts(ben.id)[before:]), timeout=30)
        assert not any(REFLECTION in t for t in bot_api.texts(group["id"]))

        # the therapist, with both sharing, sees none of it
        await therapist.sign_in("alder@example.org")
        made = await therapist.post_form("/review/practice", "/review/practice", {"label": "Closeness couple"})
        assert made.status == 303
        practice = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", await (await therapist.get("/review/practice")).text())[1]
        await say(bot_api, ana, ana_chat, f"/link {practice}")
        couple = storage.couple_of(f"tg-{ana.id}")
        for person in (ana, ben):
            storage.set_share_consent(storage.partner_by_key(f"tg:{person.id}").id, True)
        pages = []
        for path in ("", "/export.json", "/export.csv", "/export.html"):
            response = await therapist.get(f"/review/couples/{couple}{path}")
            assert response.status == 200, path
            pages.append(await response.text())
        assert any("/start" in p or "link" in p.lower() for p in pages)
        for secret in SECRETS:
            assert all(secret.lower() not in p.lower() for p in pages), secret
        assert all("Holding hands" not in p for p in pages)

        stored = _stored(stack.database_url)
        logs = "\n".join(p.read_text(errors="replace") for p in Path(stack.log_dir).glob("*.log"))
        trackers = json.dumps([await asyncio.to_thread(stack.tracker, f"tg-{p.id}") for p in (ana, ben)])
        for secret in SECRETS:
            for where, blob in (("database", stored), ("logs", logs), ("trackers", trackers)):
                assert secret.lower() not in blob.lower(), (secret, where)
    finally:
        await therapist.close()
        await gateway.stop()
