"""The weekly talk (issue 15), what was left: the closing step kept only once both partners said yes (either can
suggest a change), a talk stopped by a pause offered again at the pause's end in each partner's chat with whose
turn and the minutes left, the first answer deciding for both (the controllable clock and two gateways' reminder loops), and "stop the weekly talk" (the setup intent,
read by its stop words) asked once first.
The same through a real channel: tests/telegram/test_talk_step_telegram_stack.py."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import List
from zoneinfo import ZoneInfo

from actions.weekly_talk import (ActionTalkAction, ActionTalkSetup, ActionTalkStart, ActionTalkStopAnswer, ActionTalkTurn,
                                 wants_stop)
from bot import clock, storage
from bot.storage import events as ev
from bot.storage import talk_steps
from tests.action_kit import responses, run, tracker
from tests.test_actions_checkins import ANA, BEN, _linked_couple
from tests.test_rituals_fortnight import Delivered, _gateway

BERLIN = ZoneInfo("Europe/Berlin")


def _choice(value: str) -> list:
    return [{"entity": "talk_choice", "value": value}]


def _texts(messages: list) -> str:
    return " ".join(m.get("text") or "" for m in messages)


def _tick(gateways, log: List[Delivered], until: datetime, step: timedelta = timedelta(minutes=1)) -> None:
    while clock.now() < until:
        for gateway in gateways:
            asyncio.run(gateway.tick())
        clock.advance(step)


def test_the_step_is_kept_only_once_both_said_yes(database: str, test_clock) -> None:
    test_clock.at("20:25", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.start_talk(ana.couple_id, "ana-chat")
    _, said = run(ActionTalkAction(), tracker("ana-chat", "our action is a walk on saturday morning", "talk_action",
                                              metadata=ANA))
    assert "asked your partner" in _texts(said) and '"a walk on saturday morning"' in _texts(said)
    assert storage.last_agreed_action(ana.couple_id, before=clock.now() + timedelta(days=1)) is None
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_turn"] == []  # closing: no timers

    log: List[Delivered] = []
    _tick([_gateway(log), _gateway(log)], log, clock.now() + timedelta(minutes=3))
    [asked] = [d for d in log if d.reminder.kind == "talk_step"]  # once, across two gateways
    assert asked.reminder.conversation_id == "ben-chat"
    assert asked.text == ('Your partner suggested one small step for this week: "a walk on saturday morning". '
                          "Does it work for you too?")
    ben_sees = storage.latest_reminder("ben-chat", "talk_step")
    _, shown = run(ActionTalkTurn(), tracker("ben-chat", "", "EXTERNAL_talk_turn", metadata=BEN,
                                             slots={"reminder_kind": "talk_step"}))
    assert ben_sees is not None and [b["payload"] for b in shown[0]["buttons"]] == [
        '/talk_action{"talk_choice": "agree"}', '/talk_action{"talk_choice": "change"}']

    # Ana's own yes does not count; Ben asks for a change and suggests his own step, which Ana then agrees to.
    _, own = run(ActionTalkAction(), tracker("ana-chat", "/talk_action", "talk_action", metadata=ANA,
                                             entities=_choice("agree")))
    assert "waiting for your partner's yes" in _texts(own)
    _, change = run(ActionTalkAction(), tracker("ben-chat", "/talk_action", "talk_action", metadata=BEN,
                                                entities=_choice("change")))
    assert "What would you suggest instead?" in _texts(change)
    assert storage.last_agreed_action(ana.couple_id, before=clock.now() + timedelta(days=1)) is None
    run(ActionTalkAction(), tracker("ben-chat", "our action is breakfast together on sunday", "talk_action",
                                    metadata=BEN))
    _tick([_gateway(log)], log, clock.now() + timedelta(minutes=2))
    assert [d.reminder.conversation_id for d in log if d.reminder.kind == "talk_step"] == ["ben-chat", "ana-chat"]
    _, agreed = run(ActionTalkAction(), tracker("ana-chat", "/talk_action", "talk_action", metadata=ANA,
                                                entities=_choice("agree")))
    assert _texts(agreed).startswith('Agreed by you both: "breakfast together on sunday"')
    _tick([_gateway(log)], log, clock.now() + timedelta(minutes=2))
    told = [d for d in log if d.reminder.kind == "talk_step"][-1]
    assert told.reminder.conversation_id == "ben-chat" and told.text.startswith("Agreed by you both")
    assert storage.last_agreed_action(ana.couple_id, before=clock.now() + timedelta(minutes=1)) == \
        "breakfast together on sunday"
    _, again = run(ActionTalkAction(), tracker("ben-chat", "/talk_action", "talk_action", metadata=BEN,
                                               entities=_choice("agree")))
    assert "no step waiting" in _texts(again)


def test_the_step_in_the_partners_language(database: str, test_clock) -> None:
    test_clock.at("20:25", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    _, said = run(ActionTalkAction(), tracker("ana-chat", "unsere aktion ist ein spaziergang am sonntag",
                                              "talk_action", metadata={**ANA, "language": "de"}))
    assert "Ich halte es fest, sobald ihr beide Ja sagt" in _texts(said)
    [asked] = [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_step"]
    assert asked.details["language"] == "de"


def test_a_couple_with_one_partner_keeps_the_step_at_once(database: str, test_clock) -> None:
    test_clock.at("20:25", "Europe/Berlin", day="2026-06-21")
    solo = storage.identify("solo-chat", "rest:solo-chat")
    _, said = run(ActionTalkAction(), tracker("solo-chat", "our action is a walk", "talk_action",
                                              metadata={"partner_id": "rest:solo-chat"}))
    assert responses(said) == ["utter_talk_action_kept"]
    assert storage.last_agreed_action(solo.couple_id, before=clock.now() + timedelta(minutes=1)) == "a walk"


def test_after_a_pause_the_talk_is_offered_again_where_it_was(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.start_talk(ana.couple_id, "ana-chat")
    log: List[Delivered] = []
    gateways = [_gateway(log), _gateway(log)]
    _tick(gateways, log, clock.now() + timedelta(minutes=13))  # the second turn has run for 3 minutes
    pause_started = clock.now()
    storage.schedule_resume(ana.couple_id, "ana-chat", ana.partner_id, pause_started + timedelta(minutes=30))
    _tick(gateways, log, pause_started + timedelta(minutes=29))  # the second turn's end falls in the pause
    assert sorted((d.reminder.details["turn"], d.reminder.conversation_id) for d in log
                  if d.reminder.kind == "talk_turn") == [(0, "ben-chat"), (1, "ana-chat"), (1, "ben-chat")]
    assert storage.talks_of(ana.couple_id)[-1].status == "interrupted"
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_turn"] == []  # in both chats
    assert [d for d in log if d.reminder.kind == "talk_resume"] == []  # nothing offered while the pause runs
    _tick(gateways, log, pause_started + timedelta(minutes=33))
    offers = {d.reminder.conversation_id: d for d in log if d.reminder.kind == "talk_resume"}
    assert sorted(offers) == ["ana-chat", "ben-chat"]  # each partner's own chat, once across two gateways
    assert len([d for d in log if d.reminder.kind == "talk_resume"]) == 2
    offer = offers["ana-chat"]
    assert offer.at >= pause_started + timedelta(minutes=30)
    assert "stopped in the second turn, with about 7 minutes left" in offer.text and offers["ben-chat"].text == offer.text
    _, shown = run(ActionTalkTurn(), tracker("ana-chat", "", "EXTERNAL_talk_turn", metadata=ANA,
                                             slots={"reminder_kind": "talk_resume"}))
    assert [b["payload"] for b in shown[0]["buttons"]] == ['/talk_start{"talk_choice": "resume"}',
                                                           '/talk_start{"talk_choice": "later"}']

    _, resumed = run(ActionTalkStart(), tracker("ben-chat", "/talk_start", "talk_start", metadata=BEN,
                                                entities=_choice("resume")))
    assert "The second turn goes on: 7 minutes left" in _texts(resumed)
    back, before = clock.now(), len(log)
    _tick(gateways, log, back + timedelta(minutes=8))
    ends = sorted(((d.reminder.details["turn"], d.reminder.conversation_id, d.reminder.due_at - back, d.text)
                   for d in log[before:] if d.reminder.kind == "talk_turn"), key=lambda e: e[:2])
    assert [e[:3] for e in ends] == [(0, "ana-chat", timedelta(0)),  # Ana is told Ben picked it up
                                     (2, "ana-chat", timedelta(minutes=7)), (2, "ben-chat", timedelta(minutes=7))]
    assert ends[0][3].startswith("Welcome back. The second turn goes on: 7 minutes left")
    assert "one small, concrete thing" in ends[1][3] and ends[1][3] == ends[2][3]  # once in each chat
    assert storage.talks_of(ana.couple_id)[-1].status == "open"


def test_another_time_leaves_the_talk_and_a_crisis_offers_nothing(database: str, test_clock) -> None:
    test_clock.at("20:00", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.start_talk(ana.couple_id, "ana-chat")
    test_clock.advance(minutes=4)
    storage.schedule_resume(ana.couple_id, "ana-chat", ana.partner_id, clock.now() + timedelta(minutes=20))
    log: List[Delivered] = []
    _tick([_gateway(log)], log, clock.now() + timedelta(minutes=22))
    offers = [d for d in log if d.reminder.kind == "talk_resume"]
    assert sorted(d.reminder.conversation_id for d in offers) == ["ana-chat", "ben-chat"]
    assert all("the first turn, with about 6 minutes left" in d.text for d in offers)
    _, later = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start", metadata=ANA,
                                              entities=_choice("later")))
    assert "begin fresh" in _texts(later) and talk_steps.resume_point(ana.couple_id) is None
    _, nothing = run(ActionTalkStart(), tracker("ben-chat", "/talk_start", "talk_start", metadata=BEN,
                                                entities=_choice("resume")))  # Ana's "another time" is for both
    assert "no talk waiting" in _texts(nothing) and storage.talks_of(ana.couple_id)[-1].status == "stopped"

    storage.start_talk(ana.couple_id, "ana-chat")  # a crisis inside a talk: its timers stop, no offer follows
    storage.log_event("ana-chat", ev.CRISIS_ROUTED, couple_id=ana.couple_id, partner_id=ana.partner_id)
    _tick([_gateway(log)], log, clock.now() + timedelta(minutes=30))
    assert storage.talks_of(ana.couple_id)[-1].status == "interrupted"
    assert len([d for d in log if d.reminder.kind == "talk_resume"]) == 2
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "talk_resume"] == []


def test_stop_words_in_four_languages() -> None:
    for said in ("stop the weekly talk", "cancel our sunday talks", "no weekly talk anymore, thanks",
                 "keine wochengespräche mehr bitte", "cancela nuestra charla semanal", "annule nos discussions du dimanche"):
        assert wants_stop(said), said
    for said in ("let's have a weekly state of us on sundays at 8pm", "move our state of us to saturday at 11am",
                 "start the weekly talk", "estamos listos para la charla", "un point hebdomadaire le dimanche à 20h"):
        assert not wants_stop(said), said


def test_stopping_the_weekly_talk_asks_first(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    _, none = run(ActionTalkSetup(), tracker("ana-chat", "stop the weekly talk", "talk_setup", metadata=ANA))
    assert "no weekly talk to stop" in _texts(none)
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    storage.plan_rituals()
    _, asked = run(ActionTalkSetup(), tracker("ana-chat", "cancel our sunday talks", "talk_setup", metadata=ANA))
    assert "for good?" in _texts(asked) and [b["payload"] for b in asked[0]["buttons"]] == [
        '/talk_setup{"talk_choice": "yes"}', '/talk_setup{"talk_choice": "no"}']
    assert storage.weekly_talk(ana.couple_id).status == "active"
    _, kept = run(ActionTalkSetup(), tracker("ana-chat", "/talk_setup", "talk_setup", metadata=ANA,
                                            entities=_choice("no")))
    assert "stays as it is" in _texts(kept) and storage.weekly_talk(ana.couple_id).status == "active"
    _, stopped = run(ActionTalkSetup(), tracker("ben-chat", "/talk_setup", "talk_setup", metadata=BEN,
                                               entities=_choice("yes")))
    assert "no more weekly talks" in _texts(stopped) and storage.weekly_talk(ana.couple_id).status == "stopped"
    assert [r for r in storage.pending_reminders(ana.couple_id) if r.kind == "weekly_talk"] == []
    _, es = run(ActionTalkSetup(), tracker("ana-chat", "cancela nuestra charla semanal", "talk_setup",
                                          metadata={**ANA, "language": "es"}))
    assert "Ahora no hay ninguna charla semanal que detener." == _texts(es)


def test_the_talk_speaks_the_language_it_started_in(database: str, test_clock) -> None:
    """The opening in each partner's own chat in their language (the setter's where a partner's is unknown),
    the turns in the starter's, the offer after a pause and the resumed turn in the talk's own (kept with
    its reminders)."""
    test_clock.at("19:55", "Europe/Berlin", day="2026-06-21")
    ana = _linked_couple()
    storage.identify("ana-chat", ANA["partner_id"], language="es")
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    log: List[Delivered] = []
    gateway = _gateway(log)
    _tick([gateway], log, clock.now() + timedelta(minutes=6))
    [opening, bens] = sorted((d for d in log if d.reminder.kind == "weekly_talk"),
                             key=lambda d: d.reminder.conversation_id)
    assert opening.reminder.details["language"] == "es" and bens.reminder.conversation_id == "ben-chat"
    assert opening.text.startswith("Es la hora de vuestra charla semanal") and "se acercaba a ti" in opening.text
    assert bens.text == opening.text  # Ben's client never named a language: the talk's own
    storage.identify("ben-chat", BEN["partner_id"], language="de-DE")  # now it has: next week's is in German
    storage.plan_rituals(couple_id=ana.couple_id, now=clock.now() + timedelta(hours=2))
    assert {r.conversation_id: r.details["language"] for r in storage.pending_reminders(ana.couple_id)
            if r.kind == "weekly_talk"} == {"ana-chat": "es", "ben-chat": "de"}
    _, started = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start",
                                                metadata={**ANA, "language": "es"}))
    assert _texts(started).startswith("Empieza el primer turno: 10 minutos")
    _tick([gateway], log, clock.now() + timedelta(minutes=13))
    told, first_end, bens_end = sorted((d for d in log if d.reminder.kind == "talk_turn"),
                                       key=lambda d: (d.reminder.details["turn"], d.reminder.conversation_id))
    assert first_end.reminder.conversation_id == "ana-chat" and first_end.text.startswith("Se acabó el primer turno.")
    # Ben's own chat, in his language: told the first turn began, then its end
    assert told.reminder.conversation_id == "ben-chat" and told.text.startswith("Die erste Runde beginnt jetzt")
    assert bens_end.reminder.conversation_id == "ben-chat" and bens_end.text.startswith("Die erste Runde ist vorbei.")
    pause_started = clock.now()
    storage.schedule_resume(ana.couple_id, "ben-chat", None, pause_started + timedelta(minutes=20))
    _tick([gateway], log, pause_started + timedelta(minutes=22))
    offers = {d.reminder.conversation_id: d.text for d in log if d.reminder.kind == "talk_resume"}
    assert offers["ana-chat"].startswith("Vuestra pausa ha terminado. Vuestra charla semanal se detuvo en el segundo turno")
    assert offers["ben-chat"].startswith("Eure Pause ist vorbei. Euer Wochengespräch hat in der zweiten Runde aufgehört")
    _, shown = run(ActionTalkTurn(), tracker("ana-chat", "", "EXTERNAL_talk_turn", metadata=ANA,
                                             slots={"reminder_kind": "talk_resume"}))
    assert [b["title"] for b in shown[0]["buttons"]] == ["Seguir donde estábamos", "En otro momento"]
    _, resumed = run(ActionTalkStart(), tracker("ana-chat", "/talk_start", "talk_start",
                                                metadata={**ANA, "language": "es"}, entities=_choice("resume")))
    assert _texts(resumed).startswith("Qué bien que estéis de vuelta. Sigue el segundo turno")
    before = len(log)
    _tick([gateway], log, clock.now() + timedelta(minutes=8))
    said = {(d.reminder.conversation_id, d.reminder.details["turn"]): d.text for d in log[before:]
            if d.reminder.kind == "talk_turn"}
    assert said[("ana-chat", 2)].startswith("Se acabó el tiempo.")
    assert said[("ben-chat", 0)].startswith("Schön, dass ihr wieder da seid. Es geht weiter mit der zweiten Runde")
    assert set(said) == {("ana-chat", 2), ("ben-chat", 0), ("ben-chat", 2)}
    _, fr = run(ActionTalkAction(), tracker("ana-chat", "notre action est une balade samedi", "talk_action",
                                            metadata={**ANA, "language": "fr"}))
    assert "« une balade samedi »" in _texts(fr)


def _asked_history(question: list) -> list:
    """The bot's stop question (with its buttons) and the slot it set, as they stand in the tracker."""
    return [{"event": "bot", "text": question[0]["text"], "data": {"buttons": question[0]["buttons"]}},
            {"event": "slot", "name": "talk_stop_asked", "value": True}]


def test_the_stop_question_answered_in_words(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    de = {**ANA, "language": "de"}
    events, asked = run(ActionTalkSetup(), tracker("ana-chat", "keine wochengespräche mehr", "talk_setup", metadata=de))
    assert events == [{"event": "slot", "timestamp": None, "name": "talk_stop_asked", "value": True}]
    open_question = {"slots": {"talk_stop_asked": True}, "history": _asked_history(asked)}
    events, kept = run(ActionTalkStopAnswer(), tracker("ana-chat", "nein", "deny", metadata=de, **open_question))
    assert _texts(kept) == "In Ordnung, euer Wochengespräch bleibt, wie es ist."
    assert events[0]["name"] == "talk_stop_asked" and events[0]["value"] is None
    for said, intent in (("Ja, beenden", "talk_setup"), ("ja", "affirm"), ("Ja, beenden", "talk_start")):
        storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
        action = {"talk_start": ActionTalkStart(), "affirm": ActionTalkStopAnswer()}.get(intent, ActionTalkSetup())
        _, stopped = run(action, tracker("ana-chat", said, intent, metadata=de, **open_question))
        assert _texts(stopped).startswith("In Ordnung, keine Wochengespräche mehr"), said
        assert storage.weekly_talk(ana.couple_id).status == "stopped"
    # Once something else was said after the question, a yes is no longer its answer.
    storage.set_weekly_talk(ana.couple_id, ana.partner_id, 6, 20, 0, "Europe/Berlin", "ana-chat")
    later = [*_asked_history(asked), {"event": "bot", "text": "Something else.", "data": {}}]
    events, unclear = run(ActionTalkStopAnswer(), tracker("ana-chat", "yes", "affirm", metadata=ANA,
                                                     slots={"talk_stop_asked": True}, history=later))
    assert responses(unclear) == ["utter_clarify"] and storage.weekly_talk(ana.couple_id).status == "active"
    assert events[0]["name"] == "talk_stop_asked" and events[0]["value"] is None


def test_a_bare_yes_or_no_is_read_in_four_languages() -> None:
    from bot.rasa_plugins.typed_commands import bare_answer

    for said in ("yes", "Ja!", "sí", "si", "oui", "d'accord", "vale", "ok"):
        assert bare_answer(said) == "affirm", said
    for said in ("no", "Nein.", "non", "jetzt nicht", "ahora no"):
        assert bare_answer(said) == "deny", said
    for said in ("yes, stop it", "no more weekly talks", "maybe", "/talk_setup", "", "nope " * 20):
        assert bare_answer(said) is None, said


def test_the_slot_and_the_questions_in_the_couples_language(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin", day="2026-06-15")
    ana = _linked_couple()
    _, set_up = run(ActionTalkSetup(), tracker("ana-chat", "lass uns sonntags um 20 Uhr unser Wochengespräch haben",
                                               "talk_setup", metadata={**ANA, "language": "de"}))
    assert responses(set_up) == ["utter_talk_set"]
    slot = storage.weekly_talk(ana.couple_id)
    assert (slot.weekday, slot.hour, slot.minute) == (6, 20, 0)
    _, asked = run(ActionTalkSetup(), tracker("ana-chat", "queremos una charla semanal", "talk_setup",
                                              metadata={**ANA, "language": "es"}))
    assert responses(asked) == ["utter_talk_ask_slot"] and "«los domingos a las 20:00»" in _texts(asked)
    solo = storage.identify("solo-chat", "rest:solo-chat")
    _, kept = run(ActionTalkAction(), tracker("solo-chat", "notre action est une balade samedi", "talk_action",
                                              metadata={"partner_id": "rest:solo-chat", "language": "fr"}))
    assert responses(kept) == ["utter_talk_action_kept"] and _texts(kept).startswith("C'est noté : « une balade samedi »")
    assert storage.last_agreed_action(solo.couple_id, before=clock.now() + timedelta(minutes=1)) == "une balade samedi"
