"""Question coaching over the REST channel (numbered options), real rasa and action servers (issue 16, item 3)."""
from __future__ import annotations

import re

import pytest

from bot import storage
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def numbered(replies) -> list:
    """The numbered wordings of an offer, as a REST client reads them."""
    return [m.group(1) for m in re.finditer(r'^\d\. ["„«] ?(.+?) ?["“»]$', texts(replies), re.M)]


def test_typing_a_number_picks_that_wording_and_the_topic_stays(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "I want to ask him a question")
    offer = rasa_stack.send(sender, "were the texts she sent you sexier than mine??")
    wordings = numbered(offer)
    assert len(wordings) == 3 and all("the texts" in w for w in wordings), texts(offer)
    assert "gentler" in texts(offer)
    timing = rasa_stack.send(sender, "3")
    assert "ready to talk about this now" in texts(timing)
    final = rasa_stack.send(sender, "now")
    assert f'"{wordings[2]}"' in texts(final) and "sexier" not in texts(final)


def test_german_question_gets_german_wordings_and_own_words_work(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta = {"partner_id": "rest:anna", "language": "de", "channel": "rest"}
    rasa_stack.send(sender, "I want to ask my husband a question", meta)
    offer = rasa_stack.send(sender, "War sie besser im Bett als ich?", meta)
    assert "Sanftere Wege" in texts(offer) and "Meine Frage behalten" in str(offer)
    own = rasa_stack.send(sender, "Mit eigenen Worten", meta)
    assert "Schreib sie so" in texts(own)
    rasa_stack.send(sender, "Was hast du bei ihr gesucht?", meta)
    final = rasa_stack.send(sender, "now", meta)
    assert "Wenn du bereit bist, frag: „Was hast du bei ihr gesucht?“" in texts(final)  # after the choice: German too
    assert "Für den Menschen, der antwortet" in texts(final) and "For the partner who answers" not in texts(final)


def test_off_limits_rules_are_still_checked_on_the_offer(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    meta_a = {"partner_id": "rest:ola", "channel": "rest"}
    meta_b = {"partner_id": "rest:kai", "channel": "rest"}
    rasa_stack.send(sender, "hello", meta_a)
    a = storage.identify(sender, "rest:ola")
    b = storage.identify(sender, "rest:kai")
    storage.propose_rules(a.couple_id, a.partner_id, {"off_limits": "nothing about the hotel"})
    storage.confirm_rules(a.couple_id, a.partner_id)
    storage.confirm_rules(a.couple_id, b.partner_id)
    rasa_stack.send(sender, "I want to ask a question", meta_a)
    offer = rasa_stack.send(sender, "describe what you did in the hotel room", meta_a)
    assert "off limits" in texts(offer) and "hotel" in texts(offer)
    assert all("the hotel room" in w for w in numbered(offer))
