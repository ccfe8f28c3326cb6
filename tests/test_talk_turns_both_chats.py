"""The weekly talk's turn ends reach both partners (issue 15): a couple without a group gets the "first turn
begins now", both turn ends and the closing question in each partner's own chat, each in that chat's
language, once across two gateways; a couple with a group gets them once there. Whatever stops a talk stops
it in every chat together: the closing step, a pause (one offer, in the talk's own language), /forget.
The same through the real REST channel: tests/test_stack_talk_reminders.py."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import List

from actions.weekly_talk import ActionTalkStart, ActionTalkTurn
from bot import clock, storage
from bot.storage import talk_steps
from bot.storage.erasure import erase_partner
from tests.action_kit import run, tracker
from tests.test_actions_checkins import ANA, BEN, _linked_couple
from tests.test_rituals_fortnight import Delivered, _gateway


def _tick(gateways, until) -> None:
    while clock.now() < until:
        for gateway in gateways:
            asyncio.run(gateway.tick())
        clock.advance(timedelta(minutes=1))


def _turns(couple_id: int) -> List[tuple]:
    return sorted((r.conversation_id, r.details["turn"], r.details["language"])
                  for r in storage.pending_reminders(couple_id) if r.kind == "talk_turn")


def test_each_partners_own_chat_in_its_language_once(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("ben-chat", BEN["partner_id"], language="fr-FR")
    storage.start_talk(ana.couple_id, "ana-chat", language="de")
    assert _turns(ana.couple_id) == [("ana-chat", 1, "de"), ("ana-chat", 2, "de"),  # the talk's own language
                                     ("ben-chat", 0, "fr"), ("ben-chat", 1, "fr"), ("ben-chat", 2, "fr")]
    log: List[Delivered] = []
    _tick([_gateway(log), _gateway(log)], clock.now() + timedelta(minutes=21))
    said = {(d.reminder.conversation_id, d.reminder.details["turn"]): d.text for d in log}
    assert len(log) == len(said) == 5  # every chat once, two gateways looking
    assert said[("ben-chat", 0)].startswith("Le premier tour commence")
    assert said[("ana-chat", 1)].startswith("Die erste Runde ist vorbei.")
    assert said[("ben-chat", 1)].startswith("Le premier tour est fini.")
    assert said[("ana-chat", 2)] != said[("ben-chat", 2)] and said[("ana-chat", 2)].startswith("Die Zeit ist um.")
    # on web or REST the same reminder fires in rasa: Ben's chat says its own latest one
    _, shown = run(ActionTalkTurn(), tracker("ben-chat", "", "EXTERNAL_talk_turn", metadata=BEN))
    assert shown[0]["text"] == said[("ben-chat", 2)]


def test_a_group_gets_them_once(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("our-group", ANA["partner_id"], chat_type="group")
    storage.identify("our-group", BEN["partner_id"], chat_type="group")
    storage.start_talk(ana.couple_id, "our-group", language="en")
    assert _turns(ana.couple_id) == [("our-group", 1, "en"), ("our-group", 2, "en")]


def test_pressed_in_a_group_only_one_partner_spoke_in_it_stays_there(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = storage.identify("ana-chat", ANA["partner_id"], timezone="Europe/Berlin")
    storage.identify("our-group", ANA["partner_id"], chat_type="group")
    storage.start_talk(ana.couple_id, "our-group", language="en")
    assert _turns(ana.couple_id) == [("our-group", 1, "en"), ("our-group", 2, "en")]


def test_pressed_in_a_private_chat_while_the_couple_has_a_group(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("our-group", ANA["partner_id"], chat_type="group")
    storage.identify("our-group", BEN["partner_id"], chat_type="group")
    storage.start_talk(ana.couple_id, "ana-chat", language="en")  # Ana was told in her chat; the group once
    assert _turns(ana.couple_id) == [("our-group", 0, "en"), ("our-group", 1, "en"), ("our-group", 2, "en")]


def test_the_other_partner_pressing_too_is_one_talk_told_once(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    _, first = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA))
    _, second = run(ActionTalkStart(), tracker("ben-chat", "/talk_start", "talk_start", metadata=BEN))
    assert first[0]["text"] == second[0]["text"] and "10 minutes" in first[0]["text"]
    assert len(storage.talks_of(ana.couple_id)) == 1
    assert [t for t in _turns(ana.couple_id) if t[1] == 0] == []  # Ben was told as he pressed: not again
    log: List[Delivered] = []
    _tick([_gateway(log)], clock.now() + timedelta(minutes=21))
    assert sorted((d.reminder.conversation_id, d.reminder.details["turn"]) for d in log) == [
        ("ana-chat", 1), ("ana-chat", 2), ("ben-chat", 1), ("ben-chat", 2)]


def test_closing_early_stops_every_chats_timers(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.start_talk(ana.couple_id, "ana-chat")
    storage.record_talk_action(ana.couple_id, ana.partner_id, "a walk on saturday", "ana-chat")
    assert _turns(ana.couple_id) == []
    storage.start_talk(ana.couple_id, "ben-chat", now=clock.now() + timedelta(days=7))
    talk_steps.propose_step(ana.couple_id, ana.partner_id, "phones away at dinner", "ana-chat",
                            now=clock.now() + timedelta(days=7, minutes=5))
    assert _turns(ana.couple_id) == []


def test_a_pause_stops_both_chats_and_offers_once_in_the_talks_language(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("ben-chat", BEN["partner_id"], language="fr")
    storage.start_talk(ana.couple_id, "ana-chat", language="es")
    test_clock.advance(minutes=3)
    storage.schedule_resume(ana.couple_id, "ben-chat", None, clock.now() + timedelta(minutes=30))
    log: List[Delivered] = []
    _tick([_gateway(log), _gateway(log)], clock.now() + timedelta(minutes=25))
    assert [d for d in log if d.reminder.kind == "talk_turn" and d.reminder.details["turn"]] == []
    assert _turns(ana.couple_id) == [] and storage.talks_of(ana.couple_id)[-1].status == "interrupted"
    [offer] = [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_resume"]
    assert (offer.conversation_id, offer.details["language"]) == ("ana-chat", "es")


def test_forget_ends_the_talk_in_every_chat(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.start_talk(ana.couple_id, "ana-chat")
    test_clock.advance(minutes=12)
    log: List[Delivered] = []
    _tick([_gateway(log)], clock.now() + timedelta(minutes=1))
    erase_partner("rest:ana-chat", ["ana-chat"])
    assert _turns(ana.couple_id) == []  # Ben's closing question does not come half a talk later
    assert storage.talks_of(ana.couple_id)[-1].status == "stopped"
    before = len(log)
    _tick([_gateway(log)], clock.now() + timedelta(minutes=15))
    assert [d for d in log[before:] if d.reminder.kind in ("talk_turn", "talk_resume")] == []
