"""'Are you a bot?' over REST with real rasa and action servers: one message says it, never two alike.

Rasa's answer (``utter_bot_challenge`` in domain.yml) says it is an AI in English, so the disclosure
line does not follow it (``said_by`` in content/disclosure.yml); asked in another language, the line
comes in that language. What rasa's process decided is in the database, so another process agrees.
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml

from bot import content, disclosure
from bot.config import PROJECT_ROOT
from tests.stack import new_sender

pytestmark = pytest.mark.stack

LINES = content.load("disclosure")["lines"]
BOT_CHALLENGE = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]["utter_bot_challenge"][0][
    "text"]


def texts(replies: List[Dict[str, Any]]) -> List[str]:
    return [r.get("text") or ((r.get("custom") or {}).get("kintsugi") or {}).get("text") or "" for r in replies]


def test_the_bot_challenge_reply_is_itself_a_disclosure() -> None:
    assert "AI" in BOT_CHALLENGE and "not a person" in BOT_CHALLENGE
    assert content.load("disclosure")["said_by"] == {"utter_bot_challenge": "en"}


@pytest.mark.parametrize("question", ["are you a bot?", "are you a real person", "am i talking to a human"])
def test_asked_in_english_one_message_says_it(rasa_stack, question) -> None:
    sender = new_sender("rest")
    opening = texts(rasa_stack.send(sender, "hi", {"language": "en"}))
    assert opening.count(LINES["en"]) == 1  # the first message's line
    replies = texts(rasa_stack.send(sender, question, {"language": "en"}))
    assert BOT_CHALLENGE in replies, replies  # rasa understood the question and answered it
    assert [t for t in replies if t in (BOT_CHALLENGE, LINES["en"])] == [BOT_CHALLENGE]


def test_asked_as_the_very_first_message_one_message_says_it(rasa_stack) -> None:
    sender = new_sender("rest")
    replies = texts(rasa_stack.send(sender, "are you a bot?", {"language": "en"}))
    assert [t for t in replies if t in (BOT_CHALLENGE, LINES["en"])] == [BOT_CHALLENGE], replies
    later = texts(rasa_stack.send(sender, "ok, we argued about money again", {"language": "en"}))
    assert LINES["en"] not in later  # it counts as told


def test_asked_in_german_the_line_comes_in_german(rasa_stack) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "hallo", {"language": "de"})
    replies = texts(rasa_stack.send(sender, "bist du ein Mensch?", {"language": "de"}))
    assert replies.count(LINES["de"]) == 1 and LINES["en"] not in replies


def test_what_rasa_decided_is_in_the_database(rasa_stack, stack_db) -> None:
    sender = new_sender("rest")
    assert LINES["en"] in texts(rasa_stack.send(sender, "hello", {"language": "en"}))
    other_process = disclosure.Disclosures(disclosure.DatabaseStore())
    why, _ = other_process.check(sender, "hello again", {"language": "en"})
    assert why is None  # a second replica (or rasa restarted) on the same database does not show it again
