"""The weekly "state of us" (SQLite and PostgreSQL): the agreed slot opens once a week in each partner's
own chat when the couple has no group (two gateways' loops, the controllable clock), two equal timed turns,
the closing action kept and recalled next week; a crisis inside interrupts it; the pause signal still starts a pause."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import List
from zoneinfo import ZoneInfo

import pytest

from actions.weekly_talk import (ActionTalkAction, ActionTalkOpen, ActionTalkSetup, ActionTalkStart, ActionTalkTurn,
                                 action_words, named_weekday)
from bot import clock, storage
from bot.storage import events as ev
from tests.action_kit import responses, run, tracker
from tests.test_actions_checkins import ANA, BEN, _linked_couple
from tests.test_rituals_fortnight import Delivered, _gateway

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("said, kept", [
    ("our action is a walk on saturday morning", "a walk on saturday morning"),
    ("Our action this week is to cook dinner together on Friday.", "cook dinner together on Friday"),
    ("we agreed to text each other at lunch", "text each other at lunch"),
    ("this week we will plan one evening out", "plan one evening out"),
    ("a hug before work", "a hug before work"),
])
def test_the_action_in_the_couples_words(said, kept) -> None:
    assert action_words(said) == kept


def test_the_weekday_named() -> None:
    assert named_weekday("state of us every sunday at 8pm") == 6
    assert named_weekday("on Fridays at 7") == 4
    assert named_weekday("every evening at 9") is None


def test_agreed_opened_two_turns_an_action_recalled_next_week(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")  # a Monday
    ana = _linked_couple()
    _, messages = run(ActionTalkSetup(), tracker("ana-chat", "a weekly talk please", "talk_setup", metadata=ANA))
    assert responses(messages) == ["utter_talk_ask_slot"]
    _, messages = run(ActionTalkSetup(), tracker("ana-chat", "let's have a weekly state of us on sundays at 8pm",
                                                 "talk_setup", metadata=ANA))
    assert responses(messages) == ["utter_talk_set"] and "Sundays" in str(messages) and "8:00 pm" in str(messages)
    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]

    def run_until(moment: datetime, step: timedelta = timedelta(minutes=20)) -> None:
        while clock.now() < moment:
            for gateway in gateways:
                asyncio.run(gateway.tick())
            clock.advance(step)

    run_until(datetime(2026, 6, 21, 20, 1, tzinfo=BERLIN))
    # No group: Ana, who set it up, and Ben each get it once in their own chat, in the same words.
    [opening, bens] = sorted((d for d in log if d.reminder.kind == "weekly_talk"),
                             key=lambda d: d.reminder.conversation_id)
    assert (opening.reminder.conversation_id, bens.reminder.conversation_id) == ("ana-chat", "ben-chat")
    assert bens.text == opening.text and bens.reminder.due_at == opening.reminder.due_at
    assert opening.reminder.due_at.astimezone(BERLIN).strftime("%a %H:%M") == "Sun 20:00"
    assert "turn toward you, or away" in opening.text and "Last week" not in opening.text
    _, messages = run(ActionTalkOpen(), tracker("ana-chat", "", "EXTERNAL_weekly_talk", metadata=ANA))
    assert messages[0]["buttons"][0]["payload"] == "/talk_start"
    _, messages = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA))
    assert "10 minutes" in messages[0]["text"]
    run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA))  # a double tap
    assert len(storage.talks_of(ana.couple_id)) == 1
    started = clock.now()
    run_until(started + timedelta(minutes=25), timedelta(minutes=5))
    # No group: the turn ends reach both partners' own chats, once each; Ben is told the first turn began.
    turns = sorted(((d.reminder.conversation_id, d.reminder.details["turn"], d.reminder.due_at - started, d.text)
                    for d in log if d.reminder.kind == "talk_turn"), key=lambda t: (t[1], t[0]))
    assert [t[:3] for t in turns] == [("ben-chat", 0, timedelta(0)),
                                      ("ana-chat", 1, timedelta(minutes=10)), ("ben-chat", 1, timedelta(minutes=10)),
                                      ("ana-chat", 2, timedelta(minutes=20)), ("ben-chat", 2, timedelta(minutes=20))]
    assert turns[0][3] == messages[0]["text"]  # the same start Ana was told when she pressed
    assert "say back what they heard" in turns[1][3] and turns[1][3] == turns[2][3]
    assert "one small, concrete thing" in turns[3][3] and turns[3][3] == turns[4][3]
    _, for_ben = run(ActionTalkTurn(), tracker("ben-chat", "", "EXTERNAL_talk_turn", metadata=BEN))
    assert "one small, concrete thing" in for_ben[0]["text"]  # the same reminder fired in Ben's web or REST chat
    _, messages = run(ActionTalkTurn(), tracker("ana-chat", "", "EXTERNAL_talk_turn", metadata=ANA))
    assert "one small, concrete thing" in messages[0]["text"]
    _, messages = run(ActionTalkAction(), tracker("ana-chat", "our action is a walk on saturday morning",
                                                  "talk_action", metadata=ANA))
    assert "asked your partner" in str(messages) and "a walk on saturday morning" in str(messages)
    _, messages = run(ActionTalkAction(), tracker("ben-chat", "/talk_action", "talk_action", metadata=BEN,
                                                  entities=[{"entity": "talk_choice", "value": "agree"}]))
    assert "Agreed by you both" in str(messages)  # kept once both said yes (tests/test_talk_steps.py)
    run_until(datetime(2026, 6, 28, 20, 30, tzinfo=BERLIN))
    openings = [d for d in log if d.reminder.kind == "weekly_talk" and d.reminder.conversation_id == "ana-chat"]
    assert len(openings) == 2 and len({d.reminder.id for d in log}) == len(log)
    assert len([d for d in log if d.reminder.kind == "weekly_talk"]) == 4  # two weeks, two chats
    assert 'Last week you agreed on one small thing: "a walk on saturday morning"' in openings[1].text


def test_a_crisis_inside_the_talk_stops_its_timers(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    talk = storage.start_talk(ana.couple_id, "ana-chat")
    log: List[Delivered] = []
    gateway = _gateway(log)
    test_clock.advance(minutes=4)
    storage.log_event("ana-chat", ev.CRISIS_ROUTED, couple_id=ana.couple_id, partner_id=ana.partner_id)
    for _ in range(6):
        test_clock.advance(minutes=5)
        asyncio.run(gateway.tick())
    assert [d for d in log if d.reminder.kind == "talk_turn"] == []
    assert storage.talks_of(ana.couple_id)[0].status == "interrupted" and talk.status == "open"
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_turn"] == []


def test_moving_and_stopping_the_slot(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    storage.plan_rituals()
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 5, 10, 0, "Europe/Berlin", "ana-chat")
    storage.plan_rituals()
    openings = [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "weekly_talk"]
    assert sorted(r.conversation_id for r in openings) == ["ana-chat", "ben-chat"]  # the moved slot only
    assert {r.due_at.astimezone(BERLIN).strftime("%a %H:%M") for r in openings} == {"Sat 10:00"}
    assert storage.stop_weekly_talk(ana.couple_id) and not storage.stop_weekly_talk(ana.couple_id)
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "weekly_talk"] == []
    assert storage.plan_rituals() == 0 or all(r.kind != "weekly_talk" for r in storage.pending_reminders(ana.couple_id))


def test_after_forget_the_talk_opens_where_the_other_partner_is(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    ben = storage.identify("ben-chat", "rest:ben-chat")
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    storage.set_money_date(ana.couple_id, 1, 6, 19, 0, "Europe/Berlin", "ana-chat")
    storage.set_weekly_talk(ana.couple_id, ben.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")  # Ben's plan
    storage.plan_rituals()
    assert sorted((r.kind, r.conversation_id) for r in storage.pending_reminders(ana.couple_id)
                  if r.kind in ("weekly_talk", "money_date")) == [
        ("money_date", "ana-chat"), ("money_date", "ben-chat"),
        ("weekly_talk", "ana-chat"), ("weekly_talk", "ben-chat")]
    from bot.storage.erasure import erase_partner

    erase_partner("rest:ana-chat", ["ana-chat"])
    assert [r for r in storage.pending_reminders(ben.couple_id) if r.conversation_id == "ana-chat"] == []
    storage.plan_rituals()  # the same week and month again, now where Ben is
    chats = sorted((r.kind, r.conversation_id) for r in storage.pending_reminders(ben.couple_id)
                   if r.kind in ("weekly_talk", "money_date"))
    assert chats == [("money_date", "ben-chat"), ("weekly_talk", "ben-chat")]  # Ben's own, once each


def test_a_group_made_after_planning_takes_the_openings_once(database: str, test_clock) -> None:
    """Planned in each partner's own chat, then they make a group: the openings nobody got yet move there
    (two gateways' loops, once), and a later week is planned there only."""
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")  # a Monday
    ana = _linked_couple()
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    storage.set_money_date(ana.couple_id, 1, 6, 19, 0, "Europe/Berlin", "ben-chat")
    storage.plan_rituals()
    planned = sorted((r.kind, r.conversation_id) for r in storage.pending_reminders(ana.couple_id))
    assert planned == [("money_date", "ana-chat"), ("money_date", "ben-chat"),
                       ("weekly_talk", "ana-chat"), ("weekly_talk", "ben-chat")]
    storage.identify("our-group", ANA["partner_id"], chat_type="group")
    storage.identify("our-group", BEN["partner_id"], chat_type="group")
    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    for _ in range(2):
        for gateway in gateways:
            asyncio.run(gateway.tick())
    assert sorted((r.kind, r.conversation_id) for r in storage.pending_reminders(ana.couple_id)) == [
        ("money_date", "our-group"), ("weekly_talk", "our-group")]
    while clock.now() < datetime(2026, 7, 5, 20, 30, tzinfo=BERLIN):  # two talks (21 and 28 June), July's money date
        for gateway in gateways:
            asyncio.run(gateway.tick())
        near = clock.now().astimezone(BERLIN).hour in (18, 19, 20)
        clock.advance(timedelta(minutes=30) if near else timedelta(hours=3))
    assert {d.reminder.conversation_id for d in log} == {"our-group"}
    assert [(d.reminder.kind, d.at.astimezone(BERLIN).strftime("%m-%d %H")) for d in log] == [
        ("weekly_talk", "06-21 20"), ("weekly_talk", "06-28 20"), ("money_date", "07-05 19"), ("weekly_talk", "07-05 20")]
