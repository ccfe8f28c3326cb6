"""The rituals of connection in the couple's language through the real REST channel (real rasa and action
servers, real database): a German-speaking couple sets up the daily check-in and the weekly talk and is
answered in German (days and times too), the prompt comes in German at its time, a mood is thanked in
German; a Spanish partner records a promise and is answered in Spanish."""
from __future__ import annotations

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import clock, storage
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack
SLOW = 120  # seconds a reply may take on a busy machine (the first one loads the model)


def test_a_german_couple_sets_up_its_check_in_and_is_answered_in_german(rasa_stack: RasaStack, stack_db: str) -> None:
    lena, tom = new_sender("rest"), new_sender("rest")
    her = {"partner_id": f"rest:{lena}", "channel": "rest", "chat_type": "private", "timezone": "Europe/Berlin",
           "language": "de"}
    him = {"partner_id": f"rest:{tom}", "channel": "rest", "chat_type": "private", "timezone": "Europe/Berlin"}
    rasa_stack.send(lena, "hallo", her, timeout=SLOW)
    rasa_stack.send(tom, "hi", him, timeout=SLOW)  # his client names no language
    couple = storage.couple_of(lena)
    storage.redeem_link_code(storage.create_link_code(couple), tom)
    # His words are English and his client names no language: English (and his zone is noted for his prompt).
    assert "nothing to snooze" in texts(rasa_stack.send(tom, "snooze the check-in for half an hour", him, timeout=SLOW))

    # Her client speaks German and so do her words: a 24-hour time with "Uhr" is read as said, never pm.
    # ("Wir wollen jeden Abend um 21 Uhr einchecken" is not yet read as setting up the check-in by the NLU.)
    # The time is a minute or two away (Berlin), so the servers' own clock reaches it before he answers.
    at = (clock.now() + timedelta(seconds=120)).astimezone(ZoneInfo("Europe/Berlin")).replace(second=0, microsecond=0)
    said = f"richte uns einen täglichen Check-in um {at.hour}:{at:%M} Uhr ein"  # "um 0:07 Uhr"
    set_up = texts(rasa_stack.send(lena, said, her, timeout=SLOW))
    assert "Erledigt." in set_up and f"jeden Tag um {at.hour}:{at:%M} Uhr Ortszeit Berlin" in set_up, set_up
    planned = {r.conversation_id: r for r in storage.pending_reminders(couple) if r.kind == storage.CHECKIN_KIND}
    assert {chat: r.details["language"] for chat, r in planned.items()} == {lena: "de", tom: "de"}

    # His prompt at its time (the controllable clock: claimed at its due moment, not a minute before).
    reminder = planned[tom]
    assert reminder.due_at - clock.now() < timedelta(minutes=3)  # today's, not tomorrow's
    early = storage.claim_due_reminders("early", limit=1000, now=reminder.due_at - timedelta(minutes=1))
    assert reminder.id not in {r.id for r in early}
    assert reminder.id in {r.id for r in storage.claim_due_reminders("gateway", limit=1000, now=reminder.due_at)}
    [prompt] = rasa_stack.trigger(tom, "EXTERNAL_checkin", "checkin")
    while clock.now() < reminder.due_at - timedelta(seconds=50):  # a prompt is answered from a minute before
        time.sleep(1)
    assert prompt["text"].startswith("Zeit für deinen Check-in. Wie geht es dir heute?")
    assert [b["payload"] for b in prompt["buttons"]][1] == '/checkin_mood{"checkin_mood": "2"}'

    thanked = rasa_stack.send(tom, '/checkin_mood{"checkin_mood": "2"}', him, timeout=SLOW)
    said = texts(thanked)
    assert "Danke, dass du hinspürst. Es ist in Ordnung, wenn es sich heute gedrückt anfühlt." in said, said
    assert any(b["title"] in ("Das war's für heute", "Heute nicht") and b["payload"] == "that's all"
               for r in thanked for b in r.get("buttons", []))
    done = texts(rasa_stack.send(tom, "that's all", him, timeout=SLOW))
    assert "Danke, dass du dir diesen Moment nimmst." in done, done

    # Moved in her words: every evening at 21:00, then weekdays at 7:30 in the morning (not 19:30 every day).
    evening = texts(rasa_stack.send(lena, "richte uns einen täglichen Check-in jeden Abend um 21 Uhr ein", her,
                                    timeout=SLOW))
    assert "In Ordnung, euer Check-in ist jetzt jeden Tag um 21:00 Uhr Ortszeit Berlin." in evening, evening
    workdays = texts(rasa_stack.send(lena, "verschieb unseren Check-in auf werktags um 7:30 Uhr", her, timeout=SLOW))
    assert "In Ordnung, euer Check-in ist jetzt werktags um 7:30 Uhr Ortszeit Berlin." in workdays, workdays
    moved = storage.daily_checkin(couple)
    assert (moved.hour, moved.minute, moved.weekdays) == (7, 30, "01234")

    talk = texts(rasa_stack.send(lena, "unser wöchentliches gespräch bitte jeden sonntag um 20 uhr", her, timeout=SLOW))
    assert "Euer Wochengespräch ist jeden Sonntag um 20:00 Uhr Ortszeit Berlin" in talk, talk
    stopped = texts(rasa_stack.send(lena, "stop the check-ins", her, timeout=SLOW))
    assert "Ich habe die Check-ins beendet." in stopped, stopped


def test_a_spanish_partner_records_a_promise_and_is_answered_in_spanish(rasa_stack: RasaStack, stack_db: str) -> None:
    sol = new_sender("rest")
    meta = {"partner_id": f"rest:{sol}", "channel": "rest", "chat_type": "private", "timezone": "Europe/Madrid",
            "language": "es"}
    rasa_stack.send(sol, "hola", meta, timeout=SLOW)
    added = texts(rasa_stack.send(sol, "prometo avisarte cuando cambien los planes", meta, timeout=SLOW))
    assert "He guardado tu promesa: «avisarte cuando cambien los planes»." in added, added
    couple = storage.couple_of(sol)
    assert [p.text for p in storage.promises_of(couple)] == ["avisarte cuando cambien los planes"]
    listed = texts(rasa_stack.send(sol, "show our promises", meta, timeout=SLOW))
    assert "Vuestras promesas ahora mismo:\n• avisarte cuando cambien los planes" in listed, listed
    own = texts(rasa_stack.send(sol, "/promise_mark", meta, timeout=SLOW))
    assert "Estas promesas son tuyas" in own, own
