"""The welcome in the person's language over the real REST channel (real rasa and action servers): a first
message from a Spanish client gets the welcome with its disclaimer in Spanish, the greeting and the AI
disclosure line too; a client that names no language is welcomed in the language of a clear first
message ("¿hacia dónde vamos?", "wo stehen wir?"), and in English otherwise; the word the disclaimer names
("ayuda", "Hilfe", "aide") shows the help lines in that language."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from bot import private_words
from bot.disclosure import line as disclosure_line
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts
from tests.test_welcome_languages import DISCLAIMER

pytestmark = pytest.mark.stack


def _meta(sender: str, language: Optional[str] = None) -> Dict[str, Any]:
    meta = {"partner_id": f"rest:{sender}", "channel": "rest", "chat_type": "private"}
    return {**meta, "language": language} if language else meta


def _words(language: str, response: str) -> str:
    return private_words.texts("welcome", language)["responses"][response]


def _resources_lead(language: str) -> str:
    """The first words of the help lines in ``language`` (``content/safety/_replies.yml``)."""
    from bot import content

    return content.load("safety/_replies")[language]["utter_get_resources"].split(":")[0]


def _shown(replies: List[Dict[str, Any]]) -> str:
    """What the chat shows; a REST client gets each paragraph as its own message, joined again here."""
    return "\n\n".join(texts([reply]) for reply in replies if texts([reply]))


def test_a_spanish_client_is_welcomed_in_spanish_with_the_disclaimer(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    replies = rasa_stack.send(sender, "hola", _meta(sender, "es"))
    shown = _shown(replies)
    assert _words("es", "utter_welcome") in shown
    assert [part for part in DISCLAIMER["es"] if part not in shown] == []
    assert "not a therapist" not in shown and "emergency" not in shown
    assert _words("es", "utter_greet") in shown  # "hola" is a greeting: the greeting follows, in Spanish
    [greeting] = [r for r in replies if r.get("text") == _words("es", "utter_greet")]
    assert [b["title"] for b in greeting["buttons"]] == \
           [b["title"] for b in private_words.texts("welcome", "es")["buttons"]["utter_greet"]]
    assert shown.endswith(disclosure_line("es"))
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "greet"

    help_lines = rasa_stack.send(sender, "ayuda", _meta(sender, "es"))  # the word the disclaimer names
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "get_resources"
    [payload] = [r["custom"]["kintsugi"] for r in help_lines if (r.get("custom") or {}).get("kintsugi")]
    assert payload["kind"] == "resources" and payload["text"].startswith(_resources_lead("es"))
    assert _words("es", "utter_welcome") not in _shown(help_lines)  # welcomed once


@pytest.mark.parametrize("language, words, help_word", [("es", "¿hacia dónde vamos?", "ayuda"),
                                                        ("de", "wo stehen wir?", "Hilfe"),
                                                        ("fr", "bonjour", "aide")])
def test_without_a_client_language_a_clear_first_message_decides(rasa_stack: RasaStack, stack_db: str,
                                                                 language: str, words: str, help_word: str) -> None:
    sender = new_sender("rest")
    shown = _shown(rasa_stack.send(sender, words, _meta(sender)))
    assert _words(language, "utter_welcome") in shown
    assert shown.endswith(disclosure_line(language))
    other = new_sender("rest")  # the word the disclaimer names, from someone whose client speaks the language
    replies = rasa_stack.send(other, help_word, _meta(other, language))
    assert rasa_stack.tracker(other)["latest_message"]["intent"]["name"] == "get_resources"
    [payload] = [r["custom"]["kintsugi"] for r in replies if (r.get("custom") or {}).get("kintsugi")]
    assert payload["kind"] == "resources" and payload["text"].startswith(_resources_lead(language))


def test_an_english_first_message_is_welcomed_in_english(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    shown = _shown(rasa_stack.send(sender, "hi, we're new here", _meta(sender)))
    assert "I'm not a therapist and I'm not an emergency service" in shown
    assert all(_words(language, "utter_welcome") not in shown for language in ("de", "es", "fr"))
