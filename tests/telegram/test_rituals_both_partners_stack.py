"""Issue 15: the weekly "state of us" and the money date reach both partners (real ptb Application → fake Bot
API, real rasa and action servers, two gateways' reminder loops, the review app over HTTP).

Ana and Ben talk to the bot in their own private chats, linked, both sharing with their therapist. Ana sets
up the weekly talk in her chat, Ben the money date in his. At each slot both get the opening once, each in
their own chat, in the same words (nothing in it says who set it up), however many gateways look. Ben
starts the talk from his chat. Then they make a group: the openings already planned for their own chats
move to the group, and there only, once. The therapist's weeks count one talk and one money date a month.

The gateways run in this process, so the openings come due by moving the product's clock (bot/clock.py).
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any, Dict, List

import pytest

from bot import clock, storage
from bot.telegram.texts import ui
from bot.web.review import setup_review
from bot.web.review.couples import RITUAL_MEASURES
from tests.review.conftest import fast_hashing  # noqa: F401 - fixture
from tests.telegram.conftest import gateway_settings, start_gateway
from tests.telegram.fake_bot_api import FakeBotApi, private_chat
from tests.telegram.test_journey_sharing import Browser, cli_add
from tests.telegram.test_pause_between_two_stack import link
from tests.telegram.test_telegram_stack import new_group, people, press, say

pytestmark = pytest.mark.stack

PRACTICE = "Birch Couples Therapy"
BOT = "@kintsugi_test_bot"
TALK, MONEY = "weekly_talk", "money_date"
# What only each opening says (content/rituals.yml): the talk's guiding question, the money date's first line.
MARKS = {TALK: "turn toward you", MONEY: "It's time for your money date"}
RITUAL_ROW = re.compile(r'<tr data-ritual-week="([^"]+)">(.*?)</tr>', re.S)


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


def openings(api: FakeBotApi, chat_id: int, kind: str) -> List[Dict[str, Any]]:
    """The openings of ``kind`` a chat got."""
    return [m for m in api.sent(chat_id) if MARKS[kind] in m.get("text", "")]


def pending(couple: int, kind: str) -> List[str]:
    """The chats a ritual's planned opening will reach."""
    return sorted(r.conversation_id for r in storage.pending_reminders(couple) if r.kind == kind)


async def come_due(api: FakeBotApi, couple: int, kind: str, chat_ids: List[int]) -> datetime:
    """Move the clock just past the ritual's planned moment; wait until every chat got it, then a while more.
    Returns the moment."""
    [due] = {r.due_at for r in storage.pending_reminders(couple) if r.kind == kind}
    clock.set_now(due + timedelta(seconds=1), ticking=True)
    await api.wait_for(lambda a: all(openings(a, c, kind) for c in chat_ids), timeout=30)
    await asyncio.sleep(3.0)  # many more rounds of both loops (every 0.3 s): nothing comes twice
    return due


def in_due_order(couple: int) -> List[str]:
    """The two rituals, the one planned sooner first."""
    planned = storage.pending_reminders(couple)
    return sorted((TALK, MONEY), key=lambda kind: min(r.due_at for r in planned if r.kind == kind))


async def test_both_partners_get_the_talk_and_the_money_date_once_then_only_their_group(
        rasa_stack, stack_db, bot_api, fast_hashing, monkeypatch) -> None:  # noqa: F811
    cli_add(monkeypatch, "birch@example.org", "--name", PRACTICE, "--timezone", "Europe/London")
    settings = gateway_settings(bot_api, rasa_stack.rasa_url, rasa_token=rasa_stack.token)
    first = await start_gateway(settings, extra_parts=(setup_review,))  # Telegram, reminders, the review app
    second = await start_gateway(gateway_settings(bot_api, rasa_stack.rasa_url, rasa_token=rasa_stack.token,
                                                  webhook_url="https://gw2.example.org/tg", webhook_secret="s"))
    therapist = Browser(first.url)
    try:
        await therapist.sign_in("birch@example.org")
        made = await therapist.post_form("/review/practice", "/review/practice", {"label": "Ana and Ben"})
        assert made.status == 303
        code = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", await (await therapist.get("/review/practice")).text())[1]

        ana, ben = people("Ana", "Ben")
        ana_chat, ben_chat = private_chat(ana), private_chat(ben)
        await say(bot_api, ana, ana_chat, "hello")
        await link(bot_api, ana, ben)
        assert await say(bot_api, ana, ana_chat, f"/link {code}") == [ui("practice.joined", practice=PRACTICE)]
        for person, chat in ((ana, ana_chat), (ben, ben_chat)):
            await say(bot_api, person, chat, "/consent")
            assert await press(bot_api, person, chat, ui("consent.turn_on", practice=PRACTICE)) == \
                [ui("consent.now_on", practice=PRACTICE)]
        couple = storage.couple_of(f"tg-{ana.id}")
        assert storage.couple_of(f"tg-{ben.id}") == couple

        # Each sets up one ritual in their own chat, in their own words: the talk on Sundays at 6pm, the money
        # date on the first Sunday at 7pm (the same day or weeks later: a jump to it never passes a talk's slot
        # by less than an hour, so no talk opening is left to fire late).
        agreed = " ".join(await say(bot_api, ana, ana_chat, "let's have a weekly state of us on sundays at 6pm"))
        assert "Sundays" in agreed and "6:00 pm" in agreed
        money = " ".join(await say(bot_api, ben, ben_chat,
                                   "set up a money date on the first sunday of each month at 7pm"))
        assert "first Sunday" in money
        privately = sorted([f"tg-{ana.id}", f"tg-{ben.id}"])
        assert pending(couple, TALK) == privately and pending(couple, MONEY) == privately

        # At each slot both get the opening once, each in their own chat, in the same words.
        fired = []
        for kind in in_due_order(couple):
            fired.append(await come_due(bot_api, couple, kind, [ana.id, ben.id]))
            got = {chat: openings(bot_api, chat, kind) for chat in (ana.id, ben.id)}
            assert [len(g) for g in got.values()] == [1, 1], (kind, got)
            assert got[ana.id][0]["text"] == got[ben.id][0]["text"]
            assert not re.search(r"you asked|you set|your partner set", got[ben.id][0]["text"], re.I)
        talk_opening = openings(bot_api, ben.id, TALK)[0]
        assert [k["text"] for row in talk_opening["reply_markup"]["inline_keyboard"] for k in row] == ["We're ready"]
        assert "1. Look at the shared budget together" in openings(bot_api, ana.id, MONEY)[0]["text"]

        # Ben starts the talk from his own chat (the button on his opening).
        clock.reset()
        started = await press(bot_api, ben, ben_chat, "We're ready")
        assert any("10 minutes" in text for text in started)
        assert len(storage.talks_of(couple)) == 1

        # Two hours after the last slot the next ones are planned, in each partner's own chat again.
        clock.set_now(max(fired) + timedelta(hours=2), ticking=True)
        await bot_api.wait_for(lambda a: pending(couple, TALK) == privately and pending(couple, MONEY) == privately,
                               timeout=30)

        # They make a group: what was planned for their own chats moves there, once.
        group = new_group()
        await say(bot_api, ana, group, f"{BOT} hello")
        await say(bot_api, ben, group, f"{BOT} hi, it's Ben")
        assert storage.couple_of(f"tg-{group['id']}") == couple
        in_group = [f"tg-{group['id']}"]
        await bot_api.wait_for(lambda a: pending(couple, TALK) == in_group and pending(couple, MONEY) == in_group,
                               timeout=30)
        for kind in in_due_order(couple):
            await come_due(bot_api, couple, kind, [group["id"]])
            assert len(openings(bot_api, group["id"], kind)) == 1, kind
            assert [len(openings(bot_api, c, kind)) for c in (ana.id, ben.id)] == [1, 1], kind  # nothing new privately

        # The therapist: one talk (the one Ben started) and a money date in each of the two months.
        await therapist.close()
        therapist = Browser(first.url)
        await therapist.sign_in("birch@example.org")
        page = await (await therapist.get(f"/review/couples/{couple}/weeks")).text()
        assert "Money dates" in page
        rows = {week: dict(zip(RITUAL_MEASURES, re.findall(r'<td class="num">([^<]*)</td>', body)))
                for week, body in RITUAL_ROW.findall(page)}
        assert sum(int(r["talks"]) for r in rows.values()) == 1
        assert sum(int(r["money_dates"]) for r in rows.values()) == 2
        assert all(int(r["money_dates"]) <= 1 for r in rows.values())  # once a month, though it reached two chats
    finally:
        await therapist.close()
        await second.stop()
        await first.stop()
