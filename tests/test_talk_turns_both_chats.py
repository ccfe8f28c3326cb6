"""The weekly talk's turn ends reach both partners (issue 15): a couple without a group gets the "first turn
begins now", both turn ends and the closing question in each partner's own chat, each in that chat's
language, once across two gateways; a couple with a group gets them once there. Whatever stops a talk stops
it in every chat together: the closing step, a pause (an offer in every chat, each in its language; the first
answer decides for both, once even when both press at once), /forget. A chat linked mid-talk gets what is left once.
The same through the real REST channel: tests/test_stack_talk_reminders.py."""
from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import List

from actions.weekly_talk import ActionTalkStart, ActionTalkTurn
from bot import clock, storage
from bot.storage import talk_steps
from bot.storage.db import session_scope
from bot.storage.erasure import erase_partner
from bot.storage.pauses import share_pending_reminders
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


def test_a_pause_stops_both_chats_and_offers_in_each_chats_language(database: str, test_clock) -> None:
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
    offers = sorted((r.conversation_id, r.details["language"]) for r in storage.pending_reminders(ana.couple_id)
                    if r.kind == "talk_resume")
    assert offers == [("ana-chat", "es"), ("ben-chat", "fr")]  # one per chat, two gateways interrupting


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


def _paused_talk(test_clock, ben_language: str = "fr") -> storage.Who:
    """Ana starts a talk in her chat (Ben's reads French); Ben calls a pause 3 minutes in; its end offers it."""
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("ben-chat", BEN["partner_id"], language=ben_language)
    storage.start_talk(ana.couple_id, "ana-chat", language="en")
    test_clock.advance(minutes=3)
    storage.schedule_resume(ana.couple_id, "ben-chat", None, clock.now() + timedelta(minutes=20))
    return ana


def _choice(value: str) -> list:
    return [{"entity": "talk_choice", "value": value}]


def test_the_offer_reaches_both_chats_and_the_first_yes_resumes_once(database: str, test_clock) -> None:
    ana = _paused_talk(test_clock)
    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    _tick(gateways, clock.now() + timedelta(minutes=22))
    offers = {d.reminder.conversation_id: d.text for d in log if d.reminder.kind == "talk_resume"}
    assert len([d for d in log if d.reminder.kind == "talk_resume"]) == 2
    assert offers["ana-chat"].startswith("Your pause is over.")
    assert offers["ben-chat"].startswith("Votre pause est terminée.")  # Ben's own chat, in his language
    ben_yes = tracker("ben-chat", "/talk_start", "talk_start", metadata={**BEN, "language": "fr"},
                      entities=_choice("resume"))
    _, first = run(ActionTalkStart(), ben_yes)
    assert first[0]["text"].startswith("Content de vous retrouver. Le premier tour continue : encore 7 minutes")
    _, tapped_again = run(ActionTalkStart(), ben_yes)  # a double tap: it goes on, not a second talk
    assert tapped_again[0]["text"].startswith("Vous y êtes : votre point de la semaine a déjà repris")
    assert _turns(ana.couple_id) == [("ana-chat", 0, "en"), ("ana-chat", 1, "en"), ("ana-chat", 2, "en"),
                                     ("ben-chat", 1, "fr"), ("ben-chat", 2, "fr")]
    _, anas = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA,
                                             entities=_choice("resume")))  # Ana presses a moment later
    assert anas[0]["text"] == "Good to have you here. Your talk already goes on: the first turn, about 7 minutes left."
    assert [t for t in _turns(ana.couple_id) if t[1] == 0] == []  # she is told as she pressed: not again
    _, later = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA,
                                              entities=_choice("later")))  # "another time" after it went on
    assert later[0]["text"].startswith("Good to have you here. Your talk already goes on")
    assert storage.talks_of(ana.couple_id)[-1].status == "open" and len(storage.talks_of(ana.couple_id)) == 1
    before = len(log)
    _tick(gateways, clock.now() + timedelta(minutes=20))
    assert sorted((d.reminder.conversation_id, d.reminder.details["turn"]) for d in log[before:]) == [
        ("ana-chat", 1), ("ana-chat", 2), ("ben-chat", 1), ("ben-chat", 2)]  # each turn end once in each chat


def test_both_pressing_at_the_same_moment_resume_once(database: str, test_clock) -> None:
    ana = _paused_talk(test_clock)
    log: List[Delivered] = []
    _tick([_gateway(log)], clock.now() + timedelta(minutes=22))
    now = clock.now()
    start = threading.Barrier(2)
    points: List[object] = []

    def press(chat: str) -> None:
        start.wait()
        points.append(talk_steps.resume_talk(ana.couple_id, language="en", conversation_id=chat, now=now))

    pressing = [threading.Thread(target=press, args=(chat,)) for chat in ("ana-chat", "ben-chat")]
    for thread in pressing:
        thread.start()
    for thread in pressing:
        thread.join()
    assert len([p for p in points if p is not None]) == 1  # one gateway each, one talk picked up
    assert sorted(t[:2] for t in _turns(ana.couple_id) if t[1]) == [("ana-chat", 1), ("ana-chat", 2),
                                                                    ("ben-chat", 1), ("ben-chat", 2)]


def test_another_time_from_one_partner_ends_the_offer_for_both(database: str, test_clock) -> None:
    ana = _paused_talk(test_clock)
    log: List[Delivered] = []
    _tick([_gateway(log)], storage.active_pause(ana.couple_id).resume_at - timedelta(minutes=1))
    assert storage.talks_of(ana.couple_id)[-1].status == "interrupted"
    assert len([r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_resume"]) == 2
    # Ben answers (the pause's own button brought him back) before Ana's offer went out: it is not sent anymore
    _, later = run(ActionTalkStart(), tracker("ben-chat", "/talk_start", "talk_start", metadata=BEN,
                                              entities=_choice("later")))
    assert "begin fresh" in later[0]["text"] or "repartirez de zéro" in later[0]["text"]
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_resume"] == []
    _, anas = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA,
                                             entities=_choice("resume")))
    assert anas[0]["text"].startswith("There's no talk waiting to be picked up.")
    assert _turns(ana.couple_id) == [] and storage.talks_of(ana.couple_id)[-1].status == "stopped"


def test_a_chat_linked_mid_talk_gets_the_turn_ends_left_once(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = storage.identify("ana-chat", ANA["partner_id"], timezone="Europe/Berlin")
    storage.start_talk(ana.couple_id, "ana-chat", language="en")  # Ana alone so far
    assert _turns(ana.couple_id) == [("ana-chat", 1, "en"), ("ana-chat", 2, "en")]
    test_clock.advance(minutes=12)
    log: List[Delivered] = []
    _tick([_gateway(log)], clock.now() + timedelta(minutes=1))  # the first turn ended in Ana's chat
    storage.identify("ben-chat", BEN["partner_id"], language="es")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "ben-chat")
    assert _turns(ana.couple_id) == [("ana-chat", 2, "en"), ("ben-chat", 2, "es")]  # what is left, in his words
    with session_scope() as session:  # shared again (another gateway, a second link): nothing more
        assert share_pending_reminders(session, ana.couple_id, "ben-chat") == []
    storage.identify("our-group", ANA["partner_id"], chat_type="group")  # a group made mid-talk
    storage.identify("our-group", BEN["partner_id"], chat_type="group")
    with session_scope() as session:
        assert share_pending_reminders(session, ana.couple_id, "our-group") == []  # both read it already
    before = len(log)
    _tick([_gateway(log), _gateway(log)], clock.now() + timedelta(minutes=10))
    said = sorted((d.reminder.conversation_id, d.text[:12]) for d in log[before:])
    assert said == [("ana-chat", "Time's up. T"), ("ben-chat", "Se acabó el ")]


def test_a_chat_linked_while_the_talk_waits_after_a_pause_gets_the_offer(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = storage.identify("ana-chat", ANA["partner_id"], timezone="Europe/Berlin")
    storage.start_talk(ana.couple_id, "ana-chat", language="de")
    test_clock.advance(minutes=3)
    storage.schedule_resume(ana.couple_id, "ana-chat", ana.partner_id, clock.now() + timedelta(minutes=20))
    log: List[Delivered] = []
    _tick([_gateway(log)], clock.now() + timedelta(minutes=8))  # the first turn's end fell in the pause
    storage.identify("ben-chat", BEN["partner_id"], language="fr")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "ben-chat")
    offers = sorted((r.conversation_id, r.details["language"]) for r in storage.pending_reminders(ana.couple_id)
                    if r.kind == "talk_resume")
    assert offers == [("ana-chat", "de"), ("ben-chat", "fr")]
