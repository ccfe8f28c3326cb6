"""The weekly talk in the widget (Chromium, real stack) for a German browser: the opening the gateway's reminder
loop sends at the agreed slot, the start button, the first turn and its end all in German; then "stop the weekly
talk for good?" answered by typing "ja"."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot import storage
from tests.stack import RasaStack
from tests.test_stack_talk_reminders import Gateway
from tests.web_widget.test_widget_private_notes import device, press, turn  # noqa: F401 (fixture)
from tests.web_widget.test_widget_stack import gateway  # noqa: F401 (fixture)

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_a_german_browser_hears_its_weekly_talk_in_german(device, gateway, rasa_stack: RasaStack,  # noqa: F811
                                                          stack_db: str) -> None:
    ana = device(gateway.url, "de-DE", "Europe/Berlin")
    set_up = turn(ana, lambda: ana.say("let's have a weekly state of us on sundays at 8pm"), lambda t: "20:00" in t)
    assert "Erledigt. Euer Wochengespräch ist jeden Sonntag um 20:00" in set_up  # the browser's language
    couple = storage.couple_of(ana.session_id())
    [opening] = [r for r in storage.pending_reminders(couple) if r.kind == "weekly_talk"]
    assert opening.details["language"] == "de"

    loop = Gateway(rasa_stack)
    opened = turn(ana, lambda: loop.tick_at(opening.due_at + timedelta(seconds=1)),
                  lambda t: "Wochengespräch" in t and "zu kurz kam" in t)
    assert "Zeit für euer Wochengespräch: etwa 20 Minuten, nur ihr zwei." in opened
    started = press(ana, "Wir sind bereit", lambda t: "beginnt jetzt" in t)
    assert "Die erste Runde beginnt jetzt: 10 Minuten" in started
    first = min((r for r in storage.pending_reminders(couple) if r.kind == "talk_turn"), key=lambda r: r.due_at)
    ended = turn(ana, lambda: loop.tick_at(first.due_at + timedelta(seconds=1)), lambda t: "Runde ist vorbei" in t)
    assert ended.startswith("Die erste Runde ist vorbei. Bevor ihr antwortet")

    asked = turn(ana, lambda: ana.say("wir wollen das Wochengespräch nicht mehr"), lambda t: "beenden?" in t)
    assert asked == "Euer wöchentliches Gespräch ganz beenden? Ihr könnt es jederzeit wieder einrichten."
    stopped = turn(ana, lambda: ana.say("ja"), lambda t: "keine Wochengespräche mehr" in t)
    assert stopped.startswith("In Ordnung, keine Wochengespräche mehr.") and "not sure" not in stopped
    assert storage.weekly_talk(couple).status == "stopped"
