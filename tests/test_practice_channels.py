"""Joining a practice and sharing with it, typed in the widget or over REST: real rasa, actions and DB."""
from __future__ import annotations

import pytest

from bot.storage.couples import couple_of, partner_by_key
from bot.storage.practice import create_practice_code, practice_of_couple
from bot.storage.therapists import create_therapist
from bot.rasa_plugins.typed_commands import read_command
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts


@pytest.mark.parametrize("text, expected", [
    ("/link ABCDE-FGHJK", ("join_practice", "ABCDE-FGHJK")),
    ("/link abcde-fghjk", ("join_practice", "abcde-fghjk")),
    ("our therapist's code is KLMNP-23456", ("join_practice", "KLMNP-23456")),
    ("ABCDE2FGHJ", ("join_practice", "ABCDE2FGHJ")),
    ("/consent off", ("consent_off", None)),
    ("/consent on", ("consent_on", None)),
    ("/consent", None),  # an intent of the domain: Rasa's own /intent handling reads it
    ("understand", None),
    ("it was heart-break after heart-break", None),
    ("self-control", None),
])
def test_typed_commands_are_read_by_shape(text, expected) -> None:
    assert read_command(text) == expected


def _web(session: str, partner: str, **extra):
    return {"partner_id": f"web:{session}:{partner}", "channel": "web", "chat_type": "web", "language": "en",
            "timezone": "Europe/London", **extra}


@pytest.mark.stack
def test_a_typed_code_joins_and_each_partner_consents_and_withdraws(rasa_stack: RasaStack, stack_db: str) -> None:
    therapist = create_therapist("harbour@example.org", "a long enough passphrase 42",
                                 display_name="Harbour Couples Practice")
    code = create_practice_code(therapist.id).shown
    sender = new_sender("web")
    a, b = _web(sender, "A"), _web(sender, "B")
    rasa_stack.send(sender, "hello", a)
    before = texts(rasa_stack.send(sender, "/consent", a))
    assert "haven't joined" in before
    joined = texts(rasa_stack.send(sender, f"our code is {code}", a))
    assert "Harbour Couples Practice" in joined and "Nothing is shared yet" in joined
    assert "harbour@example.org" not in joined
    assert practice_of_couple(couple_of(sender)).name == "Harbour Couples Practice"
    assert partner_by_key(f"web:{sender}:A").consent_share is False

    shown = rasa_stack.send(sender, "share our chats with our therapist", a)
    assert "not sharing with Harbour Couples Practice" in texts(shown)
    buttons = [b for r in shown for b in r.get("buttons") or []]
    assert [(x["title"], x["payload"]) for x in buttons] == [("Share with Harbour Couples Practice", "/consent_on")]
    done = texts(rasa_stack.send(sender, "/consent_on", a))
    assert "sharing with Harbour Couples Practice now" in done
    assert partner_by_key(f"web:{sender}:A").consent_share is True
    assert not partner_by_key(f"web:{sender}:B") or partner_by_key(f"web:{sender}:B").consent_share is False

    rasa_stack.send(sender, "/consent on", b)
    assert partner_by_key(f"web:{sender}:B").consent_share is True
    stopped = texts(rasa_stack.send(sender, "stop sharing with our therapist", a))
    assert "stopped sharing" in stopped
    assert partner_by_key(f"web:{sender}:A").consent_share is False
    assert partner_by_key(f"web:{sender}:B").consent_share is True


@pytest.mark.stack
def test_a_wrong_or_missing_code_is_answered_kindly(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    assert "don't recognise" in texts(rasa_stack.send(sender, "/link ZZZZZ-ZZZZZ"))
    assert "ABCDE-FGHJK" in texts(rasa_stack.send(sender, "our therapist gave us a code"))
