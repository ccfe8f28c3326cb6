"""The welcome, the greeting and "welcome back" in the person's language (``actions/session.py``,
``content/welcome_i18n/``): the client's language first, else the first message's own when it is clearly
German, Spanish or French (marked by the rasa server's channels, ``bot/rasa_plugins/first_words.py``),
else English. The disclaimer keeps its meaning in every language."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest

from actions.pause import ActionResume
from actions.session import WORDS_LANGUAGE, ActionGreet, ActionSessionStart
from bot import clock, private_words, storage
from bot.rasa_plugins import first_words
from tests.action_kit import domain, responses, run, tracker

# What each language's disclaimer must say: not a therapist, not an emergency service, call the local
# emergency number, and the word that shows the help lines.
DISCLAIMER = {
    "en": ["not a therapist", "not an emergency service", "local emergency number", '"help"'],
    "de": ["kein Therapeut", "kein Notdienst", "Notruf", "„Hilfe“"],
    "es": ["No soy terapeuta", "ni un servicio de emergencias", "número de emergencias", "«ayuda»"],
    "fr": ["pas thérapeute", "pas un service d'urgence", "numéro d'urgence", "« aide »"],
}


def _start(sender: str, meta: Dict[str, Any]) -> List[Dict[str, Any]]:
    start = tracker(sender, slots={"session_started_metadata": meta})
    start.events = []  # a new person: the first message is not in the tracker yet
    return run(ActionSessionStart(), start)[1]


def _welcome(language: str) -> str:
    if language == "en":
        return domain()["responses"]["utter_welcome"][0]["text"]
    return private_words.texts("welcome", language)["responses"]["utter_welcome"]


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_each_welcome_keeps_the_disclaimer(language: str) -> None:
    welcome = _welcome(language)
    assert [part for part in DISCLAIMER[language] if part not in welcome] == []
    assert len(welcome) < 600  # short


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_a_client_in_another_language_is_welcomed_in_it(sqlite_database: str, language: str) -> None:
    [message] = _start(f"w-{language}", {"channel": "rest", "language": f"{language}-XX"})
    assert message["text"] == _welcome(language) and message["response"] == "utter_welcome"


def test_the_client_language_comes_before_the_words(sqlite_database: str) -> None:
    [message] = _start("w-en", {"channel": "rest", "language": "en", WORDS_LANGUAGE: "es"})
    assert responses([message]) == ["utter_welcome"] and message.get("text") is None  # the domain's English


def test_without_a_client_language_the_first_words_decide(sqlite_database: str) -> None:
    [message] = _start("w-words", {"channel": "rest", WORDS_LANGUAGE: "de"})
    assert message["text"] == _welcome("de")
    [message] = _start("w-pt", {"channel": "rest", "language": "pt", WORDS_LANGUAGE: "fr"})
    assert message["text"] == _welcome("fr")  # a client language we do not speak
    [message] = _start("w-none", {"channel": "rest"})
    assert message.get("text") is None and responses([message]) == ["utter_welcome"]


def test_the_channel_marks_a_clear_first_message_with_its_language_only() -> None:
    assert first_words.flag("¿hacia dónde vamos?", {"language": "es"})[WORDS_LANGUAGE] == "es"
    assert first_words.flag("wo stehen wir?", None)[WORDS_LANGUAGE] == "de"
    assert WORDS_LANGUAGE not in first_words.flag("where are we going?", {WORDS_LANGUAGE: "fr"})  # never the client's
    assert WORDS_LANGUAGE not in first_words.flag("/greet", None)


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_the_greeting_speaks_the_client_language_with_its_buttons(sqlite_database: str, language: str) -> None:
    _, [message] = run(ActionGreet(), tracker("g-1", "/greet", "greet", metadata={"language": language}))
    words = private_words.texts("welcome", language)
    assert message["text"] == words["responses"]["utter_greet"]
    assert message["buttons"] == words["buttons"]["utter_greet"]
    assert [b["payload"] for b in message["buttons"]] == ["/im_flooded", "/ask_a_question", "/set_ground_rules"]


def test_the_greeting_follows_the_words_and_stays_english_otherwise(sqlite_database: str) -> None:
    _, [message] = run(ActionGreet(), tracker("g-2", "hola", "greet"))
    assert message["text"] == private_words.texts("welcome", "es")["responses"]["utter_greet"]
    _, [message] = run(ActionGreet(), tracker("g-3", "hi", "greet"))
    assert responses([message]) == ["utter_greet"] and message.get("text") is None and not message["buttons"]


def test_welcome_back_after_a_pause_in_the_persons_language(database: str) -> None:
    who = storage.identify("conv-w")
    storage.schedule_resume(who.couple_id, "conv-w", who.partner_id, clock.now() + timedelta(minutes=30))
    _, messages = run(ActionResume(), tracker("conv-w", "estamos listos, podemos seguir", "ready_to_resume"))
    words = private_words.texts("welcome", "es")["responses"]
    assert [m["text"] for m in messages] == [words["utter_welcome_back"], words["utter_greet"]]
