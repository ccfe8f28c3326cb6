"""Issue 16, the apology builder in the writer's language: the steps, the wording notes (recognised in
German, Spanish and French too, with the owning alternative in that language), the read-back and its
buttons, the send or keep answer, and the apology delivered on the rasa path (web and REST).

Run as the action server runs them. The language is chosen as the private notes choose it
(``bot.private_words``): the client's, else the one the writer's words since the start are in, else English.
"""
from __future__ import annotations

import string
from typing import Any, Dict

import pytest

from actions.apology import ASK_PARTS, ActionApologyWrapup, ActionAskApologySend, ActionStartApology, \
    ValidateApologyForm, speaks
from actions.pause import ActionReminderMessage
from bot import clock, private_words, storage
from bot.language.apology import draft, owning_note, send_choice
from tests.action_kit import domain, run, run_validation, tracker, user_event

LANGS = ("de", "es", "fr")
START = {"de": "hilf mir, mich richtig zu entschuldigen", "es": "quiero pedirle perdón a mi mujer",
         "fr": "aide-moi à m'excuser"}
PARTS = {"apology_what": "te mentí sobre dónde estaba durante meses",
         "apology_chose": "elegí ocultártelo",
         "apology_impact": "te hizo dudar de todo",
         "apology_change": "he cortado todo contacto y te enseño el móvil cuando quieras"}


def meta(partner: str, language: Any = None) -> Dict[str, Any]:
    told = {"language": language} if language else {}
    return {"partner_id": partner, "channel": "rest", "chat_type": "private", **told}


def said(language: str, response: str) -> str:
    return str(private_words.texts("apology", language)["responses"][response])


def _fields(text: str) -> set:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


# --- the texts ------------------------------------------------------------------------------------------

APOLOGY_RESPONSES = sorted(name for name in domain()["responses"]
                           if name.startswith(("utter_apology_", "utter_ask_apology_")))


@pytest.mark.parametrize("language", LANGS)
def test_every_apology_text_has_its_translation_with_the_same_blanks(language: str) -> None:
    own = private_words.texts("apology", language)["responses"]
    assert sorted(own) == APOLOGY_RESPONSES
    for name in APOLOGY_RESPONSES:
        english = domain()["responses"][name][0]["text"]
        assert _fields(own[name]) == _fields(english), name
        assert own[name] != english
    for kind in ("minimising", "justifying", "blaming", "rushing"):
        words = private_words.texts("apology", language)["owning"][kind]
        assert words["note"] and words["instead"]


# --- the lexicon in each language ----------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    # German
    ("Es war doch nur online, ich habe ihr geschrieben", "minimising"),
    ("das war halb so wild, es hat mir nichts bedeutet", "minimising"),
    ("Wenn du mehr für mich da gewesen wärst, wäre das nie passiert", "justifying"),
    ("ich habe es getan, weil du nie Zeit für mich hattest", "justifying"),
    ("Sie hat angefangen, und ich war betrunken", "blaming"),
    ("es ist einfach passiert", "blaming"),
    ("Wann kommst du endlich darüber hinweg?", "rushing"),
    ("ich will das hinter uns lassen", "rushing"),
    # Spanish
    ("Solo fueron mensajes, no fue para tanto", "minimising"),
    ("no significó nada para mí", "minimising"),
    ("si me hubieras prestado más atención no habría pasado", "justifying"),
    ("lo hice porque nunca estabas en casa", "justifying"),
    ("ella me buscó y yo estaba borracho", "blaming"),
    ("fue su culpa, no paraba", "blaming"),
    ("quiero que pasemos página de una vez", "rushing"),
    ("¿hasta cuándo vamos a hablar de esto?", "rushing"),
    # French
    ("Ce n'était que des messages", "minimising"),
    ("c'était juste en ligne, ça ne voulait rien dire", "minimising"),
    ("si tu avais été plus présente, je ne l'aurais pas fait", "justifying"),
    ("parce que tu n'étais jamais là", "justifying"),
    ("Il m'a draguée et j'étais bourrée", "blaming"),
    ("c'est arrivé comme ça", "blaming"),
    ("il faut tourner la page maintenant", "rushing"),
    ("j'aimerais qu'on passe à autre chose", "rushing"),
])
def test_wording_that_gives_ownership_away_is_noticed_in_every_language(text: str, kind: str) -> None:
    found = owning_note(text)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize("text", [
    "Ich habe dich darüber belogen, wo ich war",
    "Ich habe mich entschieden, es dir zu verschweigen",
    "Es hat dich zweifeln lassen, was echt war",
    "Ich habe jeden Kontakt abgebrochen, und mein Handy steht dir offen",
    "Sie hat angefangen, mir zu misstrauen, und das verstehe ich",
    "te mentí sobre dónde estaba durante meses",
    "Elegí ocultártelo",
    "te hizo dudar de lo que era real",
    "no es nada fácil decirte esto: te engañé",
    "ella empezó a desconfiar de todo, y con razón",
    "Je t'ai menti sur l'endroit où j'étais",
    "J'ai choisi de te le cacher",
    "ça t'a fait douter de ce qui était vrai",
    "J'ai coupé tout contact, et mon téléphone t'est ouvert",
    "elle a commencé à douter de tout à cause de moi",
])
def test_owning_words_are_left_alone_in_every_language(text: str) -> None:
    assert owning_note(text) is None


@pytest.mark.parametrize("language, text, kind", [
    ("de", "es war doch nur ein Kuss", "minimising"),
    ("es", "lo hice porque tú nunca estabas para mí", "justifying"),
    ("fr", "j'étais ivre, c'est tout", "blaming"),
    ("es", "it was only online", "minimising"),  # any language's words; the note in the writer's
])
def test_the_note_and_the_owning_alternative_are_in_the_writers_language(language: str, text: str,
                                                                          kind: str) -> None:
    found = owning_note(text, language)
    words = private_words.texts("apology", language)["owning"][kind]
    assert found is not None and (found.kind, found.note, found.instead) == (kind, words["note"], words["instead"])
    english = owning_note(text)
    assert english is not None and english.note != found.note


@pytest.mark.parametrize("text, choice", [
    ("ja, schick sie", True), ("nein, ich behalte sie für mich", False), ("schick sie noch nicht", False),
    ("sí, envíasela", True), ("no, guárdala", False), ("todavía no", False),
    ("oui, envoie-les", True), ("non, garde-les pour moi", False), ("ne les envoie pas", False),
    ("hmm", None), ("quizás", None), ("je ne sais pas trop", None), ("ich weiß nicht", None),
])
def test_send_or_keep_is_read_in_every_language(text: str, choice: Any) -> None:
    assert send_choice(text) is choice


# --- which language -----------------------------------------------------------------------------------

def test_the_client_language_wins() -> None:
    assert speaks(tracker("ap-l", "help me apologise", "build_apology", metadata=meta("rest:l", "fr"))) == "fr"
    assert speaks(tracker("ap-l", START["de"], "build_apology", metadata=meta("rest:l", "en"))) == "en"


@pytest.mark.parametrize("language", LANGS)
def test_without_a_client_language_the_words_since_the_start_tell_it(language: str) -> None:
    start = user_event(START[language], "build_apology")
    # a short answer alone says nothing; the start of the builder still does
    assert speaks(tracker("ap-l", "ok", "affirm", metadata=meta("rest:l"), history=[start])) == language


def test_an_unclear_start_without_a_client_language_is_english() -> None:
    start = user_event("help me apologise", "build_apology")
    assert speaks(tracker("ap-l", "i lied to you", metadata=meta("rest:l"), history=[start])) == "en"
    old = user_event(START["es"], "build_apology")
    assert speaks(tracker("ap-l", "i lied", metadata=meta("rest:l"), history=[old, start])) == "en"


# --- the steps ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGS)
def test_the_intro_and_every_step_are_said_in_the_writers_language(database: str, language: str) -> None:
    _, messages = run(ActionStartApology(), tracker("ap-2", START[language], "build_apology",
                                                    metadata=meta("rest:2", language)))
    assert [(m["response"], m["text"]) for m in messages] == [("utter_apology_intro",
                                                               said(language, "utter_apology_intro"))]
    for ask in ASK_PARTS:
        action = ask()
        slot = action.name()[len("action_ask_"):]
        _, messages = run(action, tracker("ap-2", "x", metadata=meta("rest:2", language)))
        assert [(m["response"], m["text"]) for m in messages] == [(f"utter_ask_{slot}",
                                                                   said(language, f"utter_ask_{slot}"))]


def test_english_steps_stay_the_domains() -> None:
    _, messages = run(ASK_PARTS[0](), tracker("ap-3", "help me apologise", "build_apology",
                                              metadata=meta("rest:3")))
    assert [(m["response"], m["text"]) for m in messages] == [("utter_ask_apology_what", None)]


def test_a_note_that_asked_again_is_not_followed_by_the_question() -> None:
    from tests.action_kit import user_event as user

    history = [user(START["de"], "build_apology"), {"event": "action", "name": "apology_form"},
               user("es war doch nur online")]
    track = tracker("ap-4", "es war doch nur online", metadata=meta("rest:4", "de"), history=history[:-1])
    track.events.extend([{"event": "action", "name": "apology_form"}, {"event": "bot", "text": "..."},
                         {"event": "slot", "name": "apology_what", "value": None}])
    track.slots["requested_slot"] = "apology_what"
    _, messages = run(ASK_PARTS[0](), track)
    assert messages == []


@pytest.mark.parametrize("language, text", [("de", "es war doch nur online"), ("es", "solo fueron mensajes"),
                                            ("fr", "ce n'était qu'un flirt")])
def test_the_wording_note_comes_in_the_writers_language(database: str, language: str, text: str) -> None:
    track = tracker("ap-5", text, metadata=meta("rest:5", language))
    result, messages = run_validation(ValidateApologyForm(), "apology_what", text, track)
    assert result == {"apology_what": None, "apology_noted": ["apology_what"]}
    note = private_words.texts("apology", language)["owning"]["minimising"]
    expected = said(language, "utter_apology_owning").format(note=note["note"], instead=note["instead"])
    assert [(m["response"], m["text"]) for m in messages] == [("utter_apology_owning", expected)]
    # asked again, their words are kept as they are, said in their language
    result, messages = run_validation(ValidateApologyForm(), "apology_what", text,
                                      tracker("ap-5", text, metadata=meta("rest:5", language),
                                              slots={"apology_noted": ["apology_what"]}))
    assert result == {"apology_what": text}
    assert [m["text"] for m in messages] == [said(language, "utter_apology_kept_words")]


def test_the_read_back_is_in_the_writers_language_with_its_own_buttons() -> None:
    _, messages = run(ActionAskApologySend(), tracker("ap-6", "he cortado todo contacto", slots=PARTS,
                                                      metadata=meta("rest:6", "es")))
    assert len(messages) == 1
    message = messages[0]
    assert message["text"] == said("es", "utter_apology_read_back").format(draft=draft(list(PARTS.values())))
    assert message["text"].count("«Te mentí sobre dónde estaba durante meses. Elegí ocultártelo.") == 1
    assert message["utter_action"] == "utter_apology_read_back" and not message.get("response")
    assert message["buttons"] == [{"title": "Enviársela a mi pareja", "payload": "yes, send it"},
                                  {"title": "Guardarla para mí", "payload": "keep it for me"}]
    assert all(send_choice(b["payload"]) is (i == 0) for i, b in enumerate(message["buttons"]))


def test_english_read_back_keeps_the_domains_buttons() -> None:
    _, messages = run(ActionAskApologySend(), tracker("ap-6", "", slots=PARTS, metadata=meta("rest:6", "en")))
    assert [m["response"] for m in messages] == ["utter_apology_read_back"]
    assert not messages[0].get("buttons") and not messages[0].get("text")


def test_an_unclear_answer_asks_again_in_the_writers_language(database: str) -> None:
    track = tracker("ap-7", "je ne sais pas trop", metadata=meta("rest:7", "fr"))
    result, messages = run_validation(ValidateApologyForm(), "apology_send", "je ne sais pas trop", track)
    assert result == {"apology_send": None}
    assert [(m["response"], m["text"]) for m in messages] == [("utter_apology_send_unclear",
                                                               said("fr", "utter_apology_send_unclear"))]
    # then the draft is read back with the buttons in French (actions/forms.py makes the two one turn)
    _, messages = run(ActionAskApologySend(), tracker("ap-7", "je ne sais pas trop", slots=PARTS,
                                                      metadata=meta("rest:7", "fr")))
    assert [b["title"] for b in messages[0]["buttons"]] == ["Les envoyer à l'autre", "Les garder pour moi"]


# --- the end: kept, sent, delivered ---------------------------------------------------------------------

def _linked_couple():
    ana = storage.identify("rest-ana", "rest:ana")
    storage.identify("rest-ben", "rest:ben")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "rest-ben")
    return ana.couple_id


def test_kept_and_unreachable_are_said_in_the_writers_language(database: str) -> None:
    storage.identify("rest-ana", "rest:ana")
    _, messages = run(ActionApologyWrapup(), tracker("rest-ana", "nein", metadata=meta("rest:ana", "de"),
                                                     slots={**PARTS, "apology_send": "keep"}))
    assert [m["text"] for m in messages] == [said("de", "utter_apology_kept")]
    _, messages = run(ActionApologyWrapup(), tracker("rest-ana", "ja", metadata=meta("rest:ana", "de"),
                                                     slots={**PARTS, "apology_send": "send"}))
    assert [m["text"] for m in messages] == [said("de", "utter_apology_no_partner_chat")]


@pytest.mark.parametrize("reader, expected", [(None, "es"), ("fr", "fr"), ("en", "en")])
def test_the_delivered_apology_is_in_the_readers_language_else_the_writers(database: str, reader: Any,
                                                                            expected: str) -> None:
    couple = _linked_couple()
    start = user_event(START["es"], "build_apology")
    _, messages = run(ActionApologyWrapup(), tracker("rest-ana", "sí, envíasela", metadata=meta("rest:ana"),
                                                     slots={**PARTS, "apology_send": "send"}, history=[start]))
    assert [m["text"] for m in messages] == [said("es", "utter_apology_sent")]
    pending = storage.pending_reminders(couple)
    assert [(r.conversation_id, r.details["language"]) for r in pending] == [("rest-ben", "es")]
    storage.claim_due_reminders("test", now=clock.now())
    history = [user_event("hola", metadata=meta("rest:ben", reader))]
    _, delivered = run(ActionReminderMessage(), tracker("rest-ben", "", "EXTERNAL_reminder", history=history,
                                                        slots={"reminder_kind": "apology"}))
    assert [m["response"] for m in delivered] == ["utter_apology_delivered"]
    if expected == "en":
        assert delivered[0]["text"] is None and delivered[0]["apology"] == draft(list(PARTS.values()))
    else:
        assert delivered[0]["text"] == said(expected, "utter_apology_delivered").format(
            apology=draft(list(PARTS.values())))
