"""Issue 16, "each of the five starts from plain words": German, Spanish and French partners start the
yes/no/maybe list, "where are we going", deleting a private note and question coaching by typing, over
the real REST channel against the real rasa and action servers, and get the first step in their language.

The client tells its language as a REST client does (``metadata.language``). The NLU figures for these
starting phrases are the cross-validation gate in tests/test_dialogue.py.
"""
from __future__ import annotations

import pytest

from bot import private_words
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def _meta(sender: str, language: str) -> dict:
    return {"partner_id": f"rest:{sender}", "channel": "rest", "chat_type": "private", "language": language}


def _said(flow: str, language: str, response: str) -> str:
    """The response's first paragraph in ``language`` (a REST client gets each paragraph as a message)."""
    return str(private_words.texts(flow, language)["responses"][response]).split("\n")[0]


@pytest.mark.parametrize("language, words", [("de", "ich möchte meine ja nein vielleicht liste machen"),
                                             ("es", "quiero hacer la lista de sí, no y quizás"),
                                             ("fr", "je voudrais faire ma liste oui non peut-être")])
def test_the_list_starts_from_plain_words_in_the_partners_language(rasa_stack: RasaStack, stack_db: str,
                                                                   language: str, words: str) -> None:
    sender = new_sender("rest")
    start = rasa_stack.send(sender, words, _meta(sender, language))
    assert _said("closeness", language, "utter_closeness_intro") in texts(start)
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "closeness_list"
    assert rasa_stack.tracker(sender)["active_loop"].get("name") == "closeness_form"


@pytest.mark.parametrize("language, words", [("de", "wo stehen wir eigentlich?"),
                                             ("es", "¿hacia dónde vamos?"),
                                             ("fr", "où est-ce qu'on va, nous deux ?")])
def test_where_are_we_going_starts_from_plain_words_in_the_partners_language(rasa_stack: RasaStack, stack_db: str,
                                                                            language: str, words: str) -> None:
    sender = new_sender("rest")
    start = rasa_stack.send(sender, words, _meta(sender, language))
    said = texts(start)
    assert _said("reflection", language, "utter_reflection_intro") in said
    assert _said("reflection", language, "utter_reflection_ask_direction") in said
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "where_are_we_going"


@pytest.mark.parametrize("language, words", [("de", "lösch meine liste"), ("es", "borra mi lista, por favor"),
                                             ("fr", "supprime ma liste oui non peut-être")])
def test_deleting_a_private_list_starts_from_plain_words(rasa_stack: RasaStack, stack_db: str, language: str,
                                                         words: str) -> None:
    sender = new_sender("rest")
    said = texts(rasa_stack.send(sender, words, _meta(sender, language)))
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "delete_private_note"
    assert _said("closeness", language, "utter_private_nothing_to_delete") in said


@pytest.mark.parametrize("language, words", [("de", "ich habe eine frage an meinen mann"),
                                             ("es", "quiero preguntarle algo a mi marido"),
                                             ("fr", "j'ai une question à poser à ma femme")])
def test_question_coaching_and_the_apology_builder_are_recognised(rasa_stack: RasaStack, stack_db: str,
                                                                  language: str, words: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, words, _meta(sender, language))
    tracker = rasa_stack.tracker(sender)
    assert tracker["latest_message"]["intent"]["name"] == "ask_a_question"
    assert tracker["active_loop"].get("name") == "question_form"
    apology = {"de": "hilf mir, mich richtig zu entschuldigen", "es": "ayúdame a pedir perdón",
               "fr": "aide-moi à m'excuser"}[language]
    other = new_sender("rest")
    rasa_stack.send(other, apology, _meta(other, language))
    tracker = rasa_stack.tracker(other)
    assert tracker["latest_message"]["intent"]["name"] == "build_apology"
    assert tracker["active_loop"].get("name") == "apology_form"
