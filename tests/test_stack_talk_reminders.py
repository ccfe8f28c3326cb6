"""The weekly talk's two reminders through the real REST channel (real rasa and action servers, real database),
delivered by the gateway's own reminder loop (``bot.reminders.ReminderLoop``: claims, the pause and hold check,
rasa's EXTERNAL_talk_turn) on this process's controllable clock, each ending at what the other partner's chat
received (the bot's messages in their rasa conversation):

- the step confirmed by both: Ana suggests the week's step in her chat; Ben's chat is asked, with buttons; his yes
  keeps it, and Ana's chat is told it is agreed;
- both partners reached: Ana sets up the weekly talk in her chat, Ben the money date in his; at each slot
  both chats get the opening once (two gateways' loops), in the same words;
- the turns in both partners' own chats: Ana presses "We're ready" in hers; Ben's chat is told the first turn
  began, then gets the first turn's end and the closing question, once each across two gateways' loops;
- the resume after a pause, in German: the opening, the first turn and, once Ana's talk was stopped by the pause
  Ben called, the offer to pick it up in both chats, the turn picked up and its end, all in the language the
  talk was set up and started in;
- the resume offer in the other partner's own chat: Ben, whose pause stopped Ana's talk, gets the offer in his
  chat and presses "Pick up where we were"; Ana's chat is told once that it goes on (two gateways), her own
  press a moment later says it already does, and each turn end left comes once in each chat.
"""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot import clock, storage
from bot.config import get_settings
from bot.rasa_client import RasaClient
from bot.reminders import RasaSender, ReminderLoop
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def _couple(rasa_stack: RasaStack, language: str) -> tuple:
    """Ana (Berlin) and Ben (New York), each in their own REST chat, linked as one couple."""
    ana_chat, ben_chat = new_sender("rest"), new_sender("rest")
    ana = {"partner_id": f"rest:{ana_chat}", "channel": "rest", "chat_type": "private", "timezone": "Europe/Berlin",
           "language": language}
    ben = {"partner_id": f"rest:{ben_chat}", "channel": "rest", "chat_type": "private",
           "timezone": "America/New_York", "language": language}
    rasa_stack.send(ana_chat, "hi", ana)
    rasa_stack.send(ben_chat, "hi", ben)
    couple = storage.couple_of(ana_chat)
    storage.redeem_link_code(storage.create_link_code(couple), ben_chat)
    assert storage.couple_of(ben_chat) == couple
    return couple, (ana_chat, ana), (ben_chat, ben)


class Gateway:
    """The gateway's reminder loop, ticked by hand at moments of this process's clock; rasa answers each
    reminder on the conversation's own channel."""

    def __init__(self, rasa_stack: RasaStack) -> None:
        self.rasa_stack = rasa_stack
        self.loop = ReminderLoop(web.Application(), get_settings())

    def tick_at(self, moment: datetime) -> None:
        clock.set_now(moment)

        async def tick() -> None:
            client = RasaClient(self.rasa_stack.rasa_url, self.rasa_stack.token)
            self.loop._senders = [RasaSender(client)]
            try:
                await self.loop.tick()
            finally:
                await client.close()

        failed: List[BaseException] = []

        def run() -> None:  # its own thread: a browser test's driver may hold this thread's event loop
            try:
                asyncio.run(tick())
            except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
                failed.append(exc)

        try:
            worker = threading.Thread(target=run)
            worker.start()
            worker.join()
        finally:
            clock.reset()
        if failed:
            raise failed[0]


def received(rasa_stack: RasaStack, chat: str) -> List[Dict[str, Any]]:
    """Every bot message of a conversation so far (text and buttons), as rasa sent them."""
    return [{"text": e.get("text") or "", "buttons": (e.get("data") or {}).get("buttons") or []}
            for e in rasa_stack.tracker(chat)["events"] if e.get("event") == "bot"]


def _due(couple: int, kind: str) -> List[storage.DueReminder]:
    return [r for r in storage.pending_reminders(couple) if r.kind == kind]


def test_the_step_is_asked_in_the_other_partners_chat_and_the_yes_comes_back(rasa_stack: RasaStack,
                                                                             stack_db: str) -> None:
    couple, (ana_chat, ana), (ben_chat, ben) = _couple(rasa_stack, "en")
    gateway = Gateway(rasa_stack)
    asked = rasa_stack.send(ana_chat, "our action is a walk on saturday morning", ana)
    assert "asked your partner" in texts(asked)
    [step] = _due(couple, "talk_step")
    assert step.conversation_id == ben_chat
    before = len(received(rasa_stack, ben_chat))
    gateway.tick_at(step.due_at + timedelta(seconds=1))
    [for_ben] = received(rasa_stack, ben_chat)[before:]
    assert for_ben["text"] == ('Your partner suggested one small step for this week: "a walk on saturday morning". '
                               "Does it work for you too?")
    assert [b["title"] for b in for_ben["buttons"]] == ["Yes, agreed", "Suggest a change"]
    assert storage.last_agreed_action(couple, before=clock.now() + timedelta(days=1)) is None

    agreed = rasa_stack.send(ben_chat, for_ben["buttons"][0]["payload"], ben)
    assert texts(agreed).startswith('Agreed by you both: "a walk on saturday morning"')
    [told] = _due(couple, "talk_step")
    assert told.conversation_id == ana_chat
    before = len(received(rasa_stack, ana_chat))
    gateway.tick_at(told.due_at + timedelta(seconds=1))
    [for_ana] = received(rasa_stack, ana_chat)[before:]
    assert for_ana["text"].startswith('Agreed by you both: "a walk on saturday morning"') and not for_ana["buttons"]
    assert storage.last_agreed_action(couple, before=clock.now() + timedelta(minutes=1)) == "a walk on saturday morning"


def test_a_talk_stopped_by_a_pause_is_offered_again_in_its_own_language(rasa_stack: RasaStack,
                                                                        stack_db: str) -> None:
    couple, (ana_chat, ana), (ben_chat, ben) = _couple(rasa_stack, "de")
    gateway = Gateway(rasa_stack)
    rasa_stack.send(ana_chat, "lass uns sonntags um 20 Uhr unser Wochengespräch haben", ana)
    openings = _due(couple, "weekly_talk")  # no group: one in each partner's own chat, both in German
    assert sorted(r.conversation_id for r in openings) == sorted([ana_chat, ben_chat])
    assert {r.details["language"] for r in openings} == {"de"}
    [opening] = [r for r in openings if r.conversation_id == ana_chat]
    assert opening.due_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M") == "Sun 20:00"
    before = len(received(rasa_stack, ana_chat))
    gateway.tick_at(opening.due_at + timedelta(seconds=1))
    [opened] = received(rasa_stack, ana_chat)[before:]
    assert opened["text"].startswith("Zeit für euer Wochengespräch: etwa 20 Minuten, nur ihr zwei.")
    assert "Gab es ein Bedürfnis von dir, das diese Woche zu kurz kam?" in opened["text"]
    assert [(b["title"], b["payload"]) for b in opened["buttons"]] == [("Wir sind bereit", "/talk_start")]

    started = rasa_stack.send(ana_chat, "/talk_start", ana)
    assert texts(started).startswith("Die erste Runde beginnt jetzt: 10 Minuten")
    first, second = sorted((r for r in _due(couple, "talk_turn") if r.conversation_id == ana_chat),
                           key=lambda r: r.due_at)
    assert (first.details["language"], second.details["language"]) == ("de", "de")

    # Ben is flooded a moment into the first turn and calls a pause from his own chat.
    rasa_stack.send(ben_chat, "I'm flooded, I need to stop", ben)
    rasa_stack.send(ben_chat, "in 30 minutes", ben)
    pause = storage.active_pause(couple)
    assert pause is not None and pause.resume_at > second.due_at
    before = len(received(rasa_stack, ana_chat))
    gateway.tick_at(first.due_at + timedelta(seconds=1))  # the first turn's end falls in the pause
    gateway.tick_at(second.due_at + timedelta(seconds=1))
    while_paused = [m["text"] for m in received(rasa_stack, ana_chat)[before:]]
    assert [t for t in while_paused if "Runde" in t or "Zeit ist um" in t] == []  # no turn ends in the pause
    assert any(t.startswith("Your partner needed a pause") for t in while_paused)  # only the pause's own notice
    assert storage.talks_of(couple)[-1].status == "interrupted"
    offers = _due(couple, "talk_resume")  # one in each partner's own chat
    assert sorted((r.conversation_id, r.details["language"]) for r in offers) == sorted([(ana_chat, "de"),
                                                                                         (ben_chat, "de")])
    [offer] = [r for r in offers if r.conversation_id == ana_chat]

    gateway.tick_at(offer.due_at + timedelta(seconds=1))
    shown = [m for m in received(rasa_stack, ana_chat)[before:] if m["buttons"]
             and m["buttons"][0]["payload"].startswith("/talk_start")]
    assert [m["text"] for m in shown] == [
        "Eure Pause ist vorbei. Euer Wochengespräch hat in der ersten Runde aufgehört, mit etwa 10 Minuten übrig. "
        "Möchtet ihr dort weitermachen oder ein andermal abschließen?"]
    assert [b["title"] for b in shown[0]["buttons"]] == ["Dort weitermachen", "Ein andermal"]

    rasa_stack.send(ben_chat, "/ready_to_resume", ben)  # the pause's own button: both are back
    resumed = rasa_stack.send(ana_chat, shown[0]["buttons"][0]["payload"], ana)
    assert texts(resumed).startswith("Schön, dass ihr wieder da seid. Es geht weiter mit der ersten Runde: noch 10 Minuten.")
    again = sorted((r for r in _due(couple, "talk_turn") if r.conversation_id == ana_chat), key=lambda r: r.due_at)
    assert [r.details["turn"] for r in again] == [1, 2] and {r.details["language"] for r in again} == {"de"}
    assert sorted(r.details["turn"] for r in _due(couple, "talk_turn") if r.conversation_id == ben_chat) == [0, 1, 2]
    before = len(received(rasa_stack, ana_chat))
    gateway.tick_at(again[0].due_at + timedelta(seconds=1))
    [turn_end] = received(rasa_stack, ana_chat)[before:]
    assert turn_end["text"].startswith("Die erste Runde ist vorbei. Bevor ihr antwortet")
    assert "zweite Runde: 10 Minuten" in turn_end["text"]


def test_both_partners_get_the_talk_and_the_money_date_in_their_own_chats_once(rasa_stack: RasaStack,
                                                                              stack_db: str) -> None:
    couple, (ana_chat, ana), (ben_chat, ben) = _couple(rasa_stack, "en")
    gateways = [Gateway(rasa_stack), Gateway(rasa_stack)]
    set_up = texts(rasa_stack.send(ana_chat, "let's have a weekly state of us on sundays at 6pm", ana))
    assert "Sundays at 6:00 pm" in set_up and "I'll open it for both of you" in set_up and "open it here" not in set_up
    assert "first Sunday" in texts(rasa_stack.send(ben_chat, "set up a money date on the first sunday of each month "
                                                             "at 7pm", ben))
    marks = {"weekly_talk": "turn toward you", "money_date": "It's time for your money date"}
    for kind, mark in marks.items():
        planned = _due(couple, kind)
        assert sorted(r.conversation_id for r in planned) == sorted([ana_chat, ben_chat]), kind
        [due] = {r.due_at for r in planned}
        before = {chat: len(received(rasa_stack, chat)) for chat in (ana_chat, ben_chat)}
        for step in (1, 2, 30):  # both gateways, a few times each: every chat once
            for gateway in gateways:
                gateway.tick_at(due + timedelta(seconds=step))
        got = {chat: [m for m in received(rasa_stack, chat)[before[chat]:] if mark in m["text"]]
               for chat in (ana_chat, ben_chat)}
        assert [len(g) for g in got.values()] == [1, 1], (kind, got)
        assert got[ana_chat][0]["text"] == got[ben_chat][0]["text"]  # the same words for the one who did not set it up
        assert _due(couple, kind) == [] or all(r.due_at > due for r in _due(couple, kind))
    [bens] = [m for m in received(rasa_stack, ben_chat) if marks["weekly_talk"] in m["text"]]
    assert [b["payload"] for b in bens["buttons"]] == ["/talk_start"]


def _talk_opened(rasa_stack: RasaStack) -> tuple:
    """An English couple, each in their own chat, two gateways; Ana sets up the weekly talk and its opening
    has reached both chats."""
    couple, (ana_chat, ana), (ben_chat, ben) = _couple(rasa_stack, "en")
    gateways = [Gateway(rasa_stack), Gateway(rasa_stack)]
    rasa_stack.send(ana_chat, "let's have a weekly state of us on sundays at 6pm", ana)
    [opening] = [r for r in _due(couple, "weekly_talk") if r.conversation_id == ana_chat]
    for gateway in gateways:
        gateway.tick_at(opening.due_at + timedelta(seconds=1))
    return couple, (ana_chat, ana), (ben_chat, ben), gateways


def test_the_turn_ends_reach_the_other_partners_own_chat_once(rasa_stack: RasaStack, stack_db: str) -> None:
    couple, (ana_chat, ana), (ben_chat, ben), gateways = _talk_opened(rasa_stack)
    started = texts(rasa_stack.send(ana_chat, "/talk_start", ana))  # "We're ready", pressed in Ana's own chat
    assert started.startswith("The first turn begins now: 10 minutes")
    planned = _due(couple, "talk_turn")
    assert sorted((r.conversation_id == ben_chat, r.details["turn"]) for r in planned) == [
        (False, 1), (False, 2), (True, 0), (True, 1), (True, 2)]
    before = {chat: len(received(rasa_stack, chat)) for chat in (ana_chat, ben_chat)}
    for due in sorted({r.due_at for r in planned}):
        for step in (1, 2, 30):  # both gateways, a few times each: every chat once
            for gateway in gateways:
                gateway.tick_at(due + timedelta(seconds=step))
    bens = [m["text"] for m in received(rasa_stack, ben_chat)[before[ben_chat]:]]
    anas = [m["text"] for m in received(rasa_stack, ana_chat)[before[ana_chat]:]]
    assert len(bens) == 3 and bens[0] == started  # Ben is told the first turn began, in the same words
    assert bens[1].startswith("Time's up for the first turn.") and "say back what they heard" in bens[1]
    assert bens[2].startswith("Time's up. Thank you both") and "one small, concrete thing" in bens[2]
    assert anas == bens[1:]  # Ana, who pressed, gets the same two turn ends, once each
    assert _due(couple, "talk_turn") == []


def test_the_other_partner_picks_the_talk_up_from_his_own_chat(rasa_stack: RasaStack, stack_db: str) -> None:
    couple, (ana_chat, ana), (ben_chat, ben), gateways = _talk_opened(rasa_stack)
    assert texts(rasa_stack.send(ana_chat, "/talk_start", ana)).startswith("The first turn begins now")
    [first] = [r for r in _due(couple, "talk_turn") if r.conversation_id == ana_chat and r.details["turn"] == 1]
    told = [r for r in _due(couple, "talk_turn") if r.details["turn"] == 0]
    for gateway in gateways:
        gateway.tick_at(told[0].due_at + timedelta(seconds=1))  # Ben is told the first turn began

    rasa_stack.send(ben_chat, "I'm flooded, I need to stop", ben)  # Ben calls a pause from his own chat
    rasa_stack.send(ben_chat, "in 30 minutes", ben)
    assert storage.active_pause(couple) is not None
    for step in (1, 2):
        for gateway in gateways:
            gateway.tick_at(first.due_at + timedelta(seconds=step))  # the first turn's end falls in the pause
    assert storage.talks_of(couple)[-1].status == "interrupted"
    offers = _due(couple, "talk_resume")
    assert sorted(r.conversation_id for r in offers) == sorted([ana_chat, ben_chat])
    before = {chat: len(received(rasa_stack, chat)) for chat in (ana_chat, ben_chat)}
    for step in (1, 2, 30):
        for gateway in gateways:
            gateway.tick_at(offers[0].due_at + timedelta(seconds=step))
    shown = {chat: [m for m in received(rasa_stack, chat)[before[chat]:]
                    if m["buttons"] and m["buttons"][0]["payload"].startswith("/talk_start")]
             for chat in (ana_chat, ben_chat)}
    assert [len(m) for m in shown.values()] == [1, 1]  # the offer once in each partner's own chat
    [bens] = shown[ben_chat]
    assert bens["text"].startswith("Your pause is over. Your \"state of us\" stopped in the first turn")
    assert [b["title"] for b in bens["buttons"]] == ["Pick up where we were", "Another time"]

    rasa_stack.send(ben_chat, "/ready_to_resume", ben)  # the pause's own button: both are back
    before = {chat: len(received(rasa_stack, chat)) for chat in (ana_chat, ben_chat)}
    picked = texts(rasa_stack.send(ben_chat, bens["buttons"][0]["payload"], ben))
    assert picked.startswith("Welcome back. The first turn goes on:")
    again = texts(rasa_stack.send(ben_chat, bens["buttons"][0]["payload"], ben))  # a double tap
    assert again.startswith("Good to have you here. Your talk already goes on: the first turn")
    planned = _due(couple, "talk_turn")
    assert sorted((r.conversation_id == ben_chat, r.details["turn"]) for r in planned) == [
        (False, 0), (False, 1), (False, 2), (True, 1), (True, 2)]
    [told_ana] = [r for r in planned if r.details["turn"] == 0]
    for step in (1, 2, 30):
        for gateway in gateways:
            gateway.tick_at(told_ana.due_at + timedelta(seconds=step))
    anas = [m["text"] for m in received(rasa_stack, ana_chat)[before[ana_chat]:]]
    assert anas == [picked]  # Ana sees the talk go on, once, in the same words
    [anas_offer] = shown[ana_chat]
    late = texts(rasa_stack.send(ana_chat, anas_offer["buttons"][0]["payload"], ana))  # her press comes later
    assert late.startswith("Good to have you here. Your talk already goes on")
    assert len(storage.talks_of(couple)) == 1
    before = {chat: len(received(rasa_stack, chat)) for chat in (ana_chat, ben_chat)}
    for due in sorted({r.due_at for r in _due(couple, "talk_turn")}):
        for step in (1, 2, 30):
            for gateway in gateways:
                gateway.tick_at(due + timedelta(seconds=step))
    ends = {chat: [m["text"][:16] for m in received(rasa_stack, chat)[before[chat]:]] for chat in (ana_chat, ben_chat)}
    assert ends[ana_chat] == ends[ben_chat] == ["Time's up for th", "Time's up. Thank"]
    assert _due(couple, "talk_turn") == []
