"""The rituals of connection in the couple's language through the real REST channel (real rasa and action
servers, real database): a German-speaking couple sets up the daily check-in and the weekly talk and is
answered in German (days and times too), the prompt comes in German at its time, a mood is thanked in
German; German, French and Spanish couples set up the check-in in their own words ("Wir wollen jeden Abend um
21 Uhr einchecken") and each partner's prompt is planned in their language; a Spanish partner records a promise
and is answered in Spanish."""
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

    # Moved in her own words: every evening at 21:00, then weekdays at 7:30 in the morning (not 19:30 every day).
    evening = texts(rasa_stack.send(lena, "Wir wollen jeden Abend um 21 Uhr einchecken", her, timeout=SLOW))
    assert "In Ordnung, euer Check-in ist jetzt jeden Tag um 21:00 Uhr Ortszeit Berlin." in evening, evening
    workdays = texts(rasa_stack.send(lena, "verschieb unseren Check-in auf werktags um 7:30 Uhr", her, timeout=SLOW))
    assert "In Ordnung, euer Check-in ist jetzt werktags um 7:30 Uhr Ortszeit Berlin." in workdays, workdays
    moved = storage.daily_checkin(couple)
    assert (moved.hour, moved.minute, moved.weekdays) == (7, 30, "01234")

    talk = texts(rasa_stack.send(lena, "unser wöchentliches gespräch bitte jeden sonntag um 20 uhr", her, timeout=SLOW))
    assert "Euer Wochengespräch ist jeden Sonntag um 20:00 Uhr Ortszeit Berlin" in talk, talk
    stopped = texts(rasa_stack.send(lena, "stop the check-ins", her, timeout=SLOW))
    assert "Ich habe die Check-ins beendet." in stopped, stopped


def _couple(rasa_stack: RasaStack, zone: str, language: str, hello: str) -> tuple:
    """Two linked partners on REST: the first one's client names ``language``, the second one's none."""
    first, second = new_sender("rest"), new_sender("rest")
    hers = {"partner_id": f"rest:{first}", "channel": "rest", "chat_type": "private", "timezone": zone,
            "language": language}
    his = {"partner_id": f"rest:{second}", "channel": "rest", "chat_type": "private", "timezone": zone}
    rasa_stack.send(first, hello, hers, timeout=SLOW)
    rasa_stack.send(second, "hi", his, timeout=SLOW)
    couple = storage.couple_of(first)
    storage.redeem_link_code(storage.create_link_code(couple), second)
    # His zone is noted when he first asks for something of the rituals (as in the German journey above).
    assert "nothing to snooze" in texts(rasa_stack.send(second, "snooze the check-in for half an hour", his,
                                                        timeout=SLOW))
    return first, hers, second, couple


def _planned_prompts(couple: str, zone: str) -> dict:
    """Each partner's next check-in prompt: (local hour, local minute, language)."""
    return {r.conversation_id: (r.due_at.astimezone(ZoneInfo(zone)).hour, r.due_at.astimezone(ZoneInfo(zone)).minute,
                                r.details["language"])
            for r in storage.pending_reminders(couple) if r.kind == storage.CHECKIN_KIND}


def _prompt_of(rasa_stack: RasaStack, couple: str, partner: str) -> dict:
    """What the partner sees when the gateway delivers his planned check-in prompt: this one reminder marked
    delivered (not every due one: other couples share the database), then the reminder intent triggered."""
    [reminder] = [r for r in storage.pending_reminders(couple)
                  if r.kind == storage.CHECKIN_KIND and r.conversation_id == partner]
    storage.mark_reminder_sent(reminder.id)
    [prompt] = rasa_stack.trigger(partner, "EXTERNAL_checkin", "checkin")
    return prompt


def test_a_german_couple_sets_up_its_check_in_in_its_own_words(rasa_stack: RasaStack, stack_db: str) -> None:
    """Issue 15: "Wir wollen jeden Abend um 21 Uhr einchecken" (the words a couple types, not the bot's own
    "richte ... ein") sets up the daily check-in at 21:00 every day; she is answered in German and his
    prompt comes in German at 21:00 Berlin time."""
    lena, her, tom, couple = _couple(rasa_stack, "Europe/Berlin", "de", "hallo")
    set_up = texts(rasa_stack.send(lena, "Wir wollen jeden Abend um 21 Uhr einchecken", her, timeout=SLOW))
    assert set_up.startswith("Erledigt. Ich melde mich jeden Tag um 21:00 Uhr Ortszeit Berlin bei jedem von euch"), \
        set_up
    daily = storage.daily_checkin(couple)
    assert (daily.hour, daily.minute, daily.weekdays) == (21, 0, "0123456")
    assert _planned_prompts(couple, "Europe/Berlin") == {lena: (21, 0, "de"), tom: (21, 0, "de")}
    prompt = _prompt_of(rasa_stack, couple, tom)  # what he sees at 21:00
    assert prompt["text"].startswith("Zeit für deinen Check-in. Wie geht es dir heute?"), prompt


def test_a_french_and_a_spanish_couple_set_up_their_check_in_in_their_own_words(rasa_stack: RasaStack,
                                                                                 stack_db: str) -> None:
    """The same in French ("on aimerait ...") and Spanish ("¿podemos ... juntos ...?"): set up in their words,
    answered in their language, the other partner's prompt planned at that time and shown in that language."""
    camille, hers, louis, couple = _couple(rasa_stack, "Europe/Paris", "fr", "bonsoir")
    set_up = texts(rasa_stack.send(camille, "on aimerait faire le check-in ensemble chaque soir à 21h30", hers,
                                   timeout=SLOW))
    assert set_up.startswith("C'est fait. Je viendrai vers chacun de vous chaque jour à 21 h 30, heure de Paris,"), \
        set_up
    assert _planned_prompts(couple, "Europe/Paris") == {camille: (21, 30, "fr"), louis: (21, 30, "fr")}
    prompt = _prompt_of(rasa_stack, couple, louis)
    assert prompt["text"].startswith("C'est l'heure de ton check-in. Comment te sens-tu aujourd'hui ?"), prompt

    lucia, hers, pablo, couple = _couple(rasa_stack, "Europe/Madrid", "es", "hola")
    set_up = texts(rasa_stack.send(lucia, "¿podemos hacer el check-in juntos cada noche a las 22?", hers,
                                   timeout=SLOW))
    assert set_up.startswith("Hecho. Os escribiré a cada uno"), set_up
    assert "22:00" in set_up, set_up
    assert _planned_prompts(couple, "Europe/Madrid") == {lucia: (22, 0, "es"), pablo: (22, 0, "es")}
    prompt = _prompt_of(rasa_stack, couple, pablo)
    assert prompt["text"].startswith("Es la hora de tu check-in. ¿Cómo te sientes hoy?"), prompt


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
