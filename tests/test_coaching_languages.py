"""Issue 16 in the person's language: the yes/no/maybe list, the reflection, what question coaching says
after a wording is chosen, and the reflect-first nudge, for German, Spanish and French speakers.

Run as the action server runs them. The language comes from the client (Telegram's language code, the
widget's page language), else the one kept with the person's note, else the typed words.
"""
from __future__ import annotations

import re
import string
from typing import Any, Dict, List

import pytest

from actions.closeness import ActionAskClosenessAnswer, ActionClosenessStart, ActionClosenessWrapup, \
    ValidateClosenessForm
from actions.feelings import ActionListenToFeelings
from actions.question_timing import ActionAskQuestionTiming
from actions.questions import ActionQuestionWrapup, ValidateQuestionForm
from actions.reflection import ActionAskReflectionAnswer, ActionReflectionStart, ValidateReflectionForm
from bot import closeness, content, private_words, sealed, storage
from bot.language import coaching_after
from tests.action_kit import domain, run, run_validation, tracker

LANGS = ("de", "es", "fr")
# A word each language's texts must show, and one that only English has.
MARK = {"de": "Händchen halten", "es": "Darnos la mano", "fr": "Se tenir la main"}
YES = {"de": "Ja", "es": "Sí", "fr": "Oui"}
NO = {"de": "Nein, jetzt nicht", "es": "No, ahora no", "fr": "Non, pas maintenant"}
SLOWLY = {"de": "Vielleicht, wenn wir es langsam angehen", "es": "Quizás, si vamos despacio",
          "fr": "Peut-être, si on y va doucement"}
FINISH = {"de": "Das ist alles", "es": "Eso es todo", "fr": "C'est tout"}


def meta(partner: str, language: str) -> Dict[str, Any]:
    return {"partner_id": partner, "channel": "telegram", "chat_type": "private", "language": language}


def _fields(text: str) -> set:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _english_responses() -> Dict[str, str]:
    return {name: variations[0]["text"] for name, variations in domain()["responses"].items()}


@pytest.mark.parametrize("language", LANGS)
def test_every_sentence_and_word_is_translated_with_the_same_placeholders(language: str) -> None:
    english = _english_responses()
    for flow, prefixes in (("closeness", ("utter_closeness_", "utter_private_")), ("reflection", ("utter_reflection_",))):
        said = private_words.texts(flow, language)["responses"]
        wanted = {n for n in english if n.startswith(prefixes) and n != "utter_private_note"}  # the safety note
        assert wanted <= set(said), (flow, sorted(wanted - set(said)))
        for name, text in said.items():
            assert _fields(text) == _fields(english[name]), (flow, name)
    after = coaching_after.texts(language)
    for name, text in after.items():
        if name.startswith("utter_"):
            assert _fields(text) == _fields(english[name]), name
    assert {"utter_ask_question_timing", "utter_question_go_ahead", "utter_answering_tips",
            "utter_question_scheduled"} <= set(after)
    words = private_words.texts("closeness", language)
    assert set(words["items"]) == {i.id for i in closeness.items()}
    assert set(words["groups"]) == {g["id"] for g in content.load("closeness.yml")["groups"]}
    for direction in content.load("reflection")["directions"]:
        assert len(private_words.texts("reflection", language)["directions"][direction]["prompts"]) == 3


@pytest.mark.parametrize("language", LANGS)
def test_the_list_speaks_the_persons_language_from_start_to_overlap(key: str, language: str) -> None:
    ana = storage.identify("tg-201", "tg:201")
    storage.identify("tg-202", "tg:202")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-202")
    people = {"tg-201": meta("tg:201", language), "tg-202": meta("tg:202", language)}
    for sender, data in people.items():
        _, said = run(ActionClosenessStart(), tracker(sender, "yes no maybe list", "closeness_list", metadata=data))
        assert said[0]["response"] == "utter_closeness_intro"
        assert said[0]["text"] == private_words.texts("closeness", language)["responses"]["utter_closeness_intro"]
        first = True
        while True:
            _, asked = run(ActionAskClosenessAnswer(), tracker(sender, "", metadata=data, active_loop="closeness_form"))
            message = asked[0]
            titles = [b["title"] for b in message["buttons"]]
            if message["response"] == "utter_closeness_own_offer":
                assert titles == [private_words.texts("closeness", language)["own_item"]["add"], FINISH[language]]
                pick = FINISH[language]
            else:
                if first:
                    assert MARK[language] in message["text"] and "Holding hands" not in message["text"]
                    assert titles[0] == YES[language] and NO[language] in titles and "Yes" not in titles
                    first = False
                item = message["item"]
                pick = SLOWLY[language] if item == MARK[language] else YES[language] if sender == "tg-201" else NO[language]
            payload = next(b["payload"] for b in message["buttons"] if b["title"] == pick)
            result, _ = run_validation(ValidateClosenessForm(), "closeness_answer", payload,
                                       tracker(sender, payload, "private_pick", metadata=data,
                                               active_loop="closeness_form"))
            if result == {"closeness_answer": "done"}:
                break
    _, said = run(ActionClosenessWrapup(), tracker("tg-202", "", slots={"closeness_answer": "done"},
                                                   metadata=people["tg-202"]))
    overlap = said[0]["text"]
    assert said[0]["response"] == "utter_closeness_overlap"
    assert MARK[language] in overlap and SLOWLY[language] in overlap  # the one item both put in maybe
    assert len([line for line in overlap.splitlines() if line.startswith("•")]) == 1
    assert "your partner" not in overlap and "Here is where" not in overlap


def test_without_a_client_language_the_typed_words_decide_and_are_kept(key: str) -> None:
    data = {"partner_id": "web:x:A", "channel": "rest", "chat_type": "private"}
    run(ActionClosenessStart(), tracker("r-1", "Ich möchte bitte meine Liste zur Nähe machen, ja nein vielleicht",
                                        "closeness_list", metadata=data))
    _, asked = run(ActionAskClosenessAnswer(), tracker("r-1", "", metadata=data, active_loop="closeness_form"))
    assert MARK["de"] in asked[0]["text"]  # kept with the sealed note: later presses carry no words
    assert private_words.choose(None, None, "what about the list") == "en"
    assert private_words.choose("es-ES", "de", "Ich möchte") == "es"


@pytest.mark.parametrize("language", LANGS)
def test_the_reflection_speaks_the_persons_language(key: str, language: str) -> None:
    storage.identify("tg-301", "tg:301")
    data = meta("tg:301", language)
    _, said = run(ActionReflectionStart(), tracker("tg-301", "where are we going", "where_are_we_going", metadata=data))
    translated = private_words.texts("reflection", language)
    assert said[0]["text"] == translated["responses"]["utter_reflection_intro"]
    _, asked = run(ActionAskReflectionAnswer(), tracker("tg-301", "", metadata=data, active_loop="reflection_form"))
    titles = [b["title"] for b in asked[0]["buttons"]]
    assert titles == [translated["directions"][d]["title"] for d in ("rebuild", "part", "unsure")]
    payload = asked[0]["buttons"][2]["payload"]
    run_validation(ValidateReflectionForm(), "reflection_answer", payload,
                   tracker("tg-301", payload, "private_pick", metadata=data, active_loop="reflection_form"))
    _, asked = run(ActionAskReflectionAnswer(), tracker("tg-301", "", metadata=data, active_loop="reflection_form"))
    assert asked[0]["text"].startswith(translated["directions"]["unsure"]["prompts"][0])
    assert asked[0]["buttons"][0]["title"] == translated["buttons"]["skip"]


@pytest.mark.parametrize("language, question, go_ahead", [
    ("de", "Waren ihre Fotos schöner als meine?", "Wenn du bereit bist, frag"),
    ("es", "¿Sus fotos eran más bonitas que las mías?", "Cuando estés preparada o preparado, pregunta"),
    ("fr", "Est-ce que ses photos étaient plus belles que les miennes ?", "Quand tu te sens prêt·e, demande"),
])
def test_after_a_wording_is_chosen_coaching_goes_on_in_the_askers_language(database: str, language: str,
                                                                          question: str, go_ahead: str) -> None:
    data = {"partner_id": "web:q:A", "channel": "rest", "chat_type": "private"}  # no client language: the question's
    result, _ = run_validation(ValidateQuestionForm(), "question_text", question,
                               tracker("q-7", question, metadata=data))
    slots = {**result, "question_choice": "reworded"}
    _, asked = run(ActionAskQuestionTiming(), tracker("q-7", "wording 1", slots=slots, metadata=data))
    timing = coaching_after.texts(language)
    assert asked == [{**asked[0], "text": timing["utter_ask_question_timing"]}]
    assert [b["title"] for b in asked[0]["buttons"]] == list(timing["timing_buttons"].values())
    assert [b["payload"] for b in asked[0]["buttons"]] == ["now", "later"]
    timed, _ = run_validation(ValidateQuestionForm(), "question_timing", "now",
                              tracker("q-7", "now", slots=slots, metadata=data))
    _, said = run(ActionQuestionWrapup(), tracker("q-7", "now", slots={**slots, **timed}, metadata=data))
    text = "\n".join(m["text"] for m in said)
    assert go_ahead in text and timing["utter_answering_tips"] in text
    assert "For the partner who answers" not in text and "When you're ready" not in text


def test_english_after_the_choice_is_the_domains_own(database: str) -> None:
    data = {"partner_id": "web:q:B", "channel": "rest", "chat_type": "private"}
    result, _ = run_validation(ValidateQuestionForm(), "question_text", "were her photos better than mine",
                               tracker("q-8", "x", metadata=data))
    _, asked = run(ActionAskQuestionTiming(), tracker("q-8", "wording 1", slots=result, metadata=data))
    assert asked[0]["response"] == "utter_ask_question_timing" and not asked[0].get("text")


@pytest.mark.parametrize("reply, language", [
    ("Das stimmt doch gar nicht, ich habe mich schon entschuldigt.", "de"),
    ("Eso no es verdad, ya te pedí perdón mil veces.", "es"),
    ("Je t'ai déjà demandé pardon pour ça.", "fr"),
])
def test_the_reflect_first_nudge_comes_in_the_replys_language(database: str, reply: str, language: str) -> None:
    data = {"partner_id": "web:n:B", "channel": "rest", "chat_type": "private"}
    _, said = run(ActionListenToFeelings(), tracker("n-1", reply, metadata=data))
    nudges = content.load("apology")["empathy"]["nudges_by_language"][language]
    texts: List[str] = [m.get("text") or "" for m in said]
    assert any(t in nudges for t in texts), texts
    assert not re.search(r"\b(before explaining|One gentle idea|It might help)\b", " ".join(texts))


def test_a_delivered_reflection_is_introduced_in_the_readers_language(key: str) -> None:
    from actions.reflection import ActionReflectionDelivered
    from bot import clock
    from tests.action_kit import user_event

    ana = storage.identify("tg-401", "tg:401")
    storage.identify("tg-402", "tg:402")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-402")
    storage.schedule_reminder(ana.couple_id, "tg-402", clock.now(), "reflection", {"sealed": sealed.seal("Not sure yet")})
    storage.claim_due_reminders("test", now=clock.now())  # being delivered, as the reminder loop does
    earlier = user_event("hola", metadata=meta("tg:402", "es"))
    _, said = run(ActionReflectionDelivered(), tracker("tg-402", "", "EXTERNAL_reflection", history=[earlier]))
    assert said[0]["text"].startswith("Tu pareja ha escrito una reflexión privada") and "Not sure yet" in said[0]["text"]
