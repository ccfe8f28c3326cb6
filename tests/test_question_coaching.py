"""Question coaching (issue 16, item 3): kinds, the asker's own topic, wordings that never turn on the asker."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import content
from bot.language.coaching import LANGUAGES, advise, wordings_for
from bot.language.coaching_choice import read_choice
from bot.language.coaching_evaluate import addresses_partner, load_items, rates, score, turns_on_asker
from bot.language.coaching_topics import find_topic

DEV = Path(__file__).resolve().parent / "coaching" / "dev.yml"
KINDS = ("comparison", "whats_wrong_with_me", "graphic_detail", "timeline_facts")
SAMPLE_TOPIC = {"en": "the photos", "de": "die Fotos", "es": "las fotos", "fr": "les photos"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_keeps_the_topic_speaks_to_the_partner_and_never_turns_on_the_asker(kind, language) -> None:
    with_topic = wordings_for(kind, language, SAMPLE_TOPIC[language])
    plain = wordings_for(kind, language, None)
    assert 2 <= len(with_topic) <= 3 and 2 <= len(plain) <= 3
    for wording in with_topic:
        assert SAMPLE_TOPIC[language].lower() in wording.lower(), wording
    for wording in with_topic + plain:
        assert "{" not in wording
        assert not turns_on_asker(wording, language), wording
        assert addresses_partner(wording, language), wording


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_sentence(language) -> None:
    english, other = content.load("coaching/wordings")["en"], content.load("coaching/wordings")[language]
    assert set(other) == set(english)
    assert set(other["intro"]) == set(KINDS) and set(other["buttons"]) == {"pick", "keep", "own"}


def test_the_checks_catch_wordings_that_turn_on_the_asker() -> None:
    old = "Is there something about our intimacy that you've wanted and been afraid to tell me?"
    assert turns_on_asker(old, "en")  # the fixed wording issue 16 complained about
    assert turns_on_asker("What couldn't you find with me?", "en")
    assert turns_on_asker("Was I not enough?", "en")
    assert not turns_on_asker("About the photos: what were you looking for?", "en")


@pytest.mark.parametrize("question, lang, topic", [
    ("were the photos she sent better than mine?", "en", "the photos"),
    ("What about all the nights away?", "en", "all the nights away"),
    ("how far did it go that night at the wedding", "en", "that night at the wedding"),
    ("why did you go on those business trips", "en", "those business trips"),
    ("AND THE MONEY??", "en", "the money"),
    ("did you send her photos", "en", "her photos"),
    ("is she prettier than me", "en", None),
    ("Was war in unserem Bett los?", "de", "unser Bett"),
    ("Was passierte im Hotel?", "de", "das Hotel"),
    ("¿Qué pasó en nuestra cama?", "es", "nuestra cama"),
    ("¿Cuánto dinero del viaje?", "es", "el dinero"),
    ("Tu étais à l'hôtel avec elle ?", "fr", "l'hôtel"),
    ("C'était au bureau ?", "fr", "le bureau"),
    ("", "en", None),
    ("🙂🙂🙂", "fr", None),
])
def test_the_persons_own_topic_is_found(question, lang, topic) -> None:
    assert find_topic(question, lang) == topic


def test_a_comparison_about_the_photos_keeps_the_photos_in_every_wording() -> None:
    advice = advise("Were her photos better than mine? Be honest")
    assert advice.kind == "comparison" and advice.topic == "her photos"
    assert len(advice.wordings) == 3 and all("her photos" in w for w in advice.wordings)
    assert all("mine" not in w and " me " not in f" {w} " .replace("tell me", "") for w in advice.wordings)


@pytest.mark.parametrize("question, language", [
    ("War sie besser im Bett als ich?", "de"), ("¿Era ella más guapa que yo?", "es"),
    ("Est-ce qu'elle était plus belle que moi ?", "fr"), ("was he better in bed than me", "en"),
])
def test_wordings_come_in_the_questions_language(question, language) -> None:
    advice = advise(question, language="en")  # the client says English; the question says otherwise
    assert advice.language == language and advice.wordings
    assert advice.wordings == wordings_for(advice.kind, language, advice.topic)


def test_motive_and_meaning_questions_are_kept_as_they_are() -> None:
    for question in ("why did you do it", "What did the trips mean to you?", "Warum?", "¿Por qué lo hiciste?"):
        advice = advise(question)
        assert advice.kind == "motive_meaning" and advice.wordings == ()


@pytest.mark.parametrize("text", ["", " ", "🙂" * 500, "x" * 100_000, "\x00\x00", "?!?!"])
def test_bad_input_gets_an_answer_and_breaks_nothing(text) -> None:
    advice = advise(text)
    assert advice.kind in KINDS + ("motive_meaning", "none")


def test_off_limits_ground_rules_still_checked() -> None:
    advice = advise("what happened at the hotel that night, describe it", "anything about the hotel")
    assert advice.off_limits_hits == ("hotel",) and advice.kind == "graphic_detail"
    assert all("the hotel" in w or "that night" in w for w in advice.wordings)


@pytest.mark.parametrize("said, offered, own_mode, expected", [
    ("wording 2", 3, False, ("pick", 2)), ("2", 3, False, ("pick", 2)), ("the second one", 3, False, ("pick", 2)),
    ("3", 2, False, ("unclear", None)), ("keep my question", 3, False, ("keep", None)),
    ("Meine Frage behalten", 3, False, ("keep", None)), ("my own words", 3, False, ("own", None)),
    ("Con mis palabras", 3, False, ("own", None)), ("gentler wording", 3, False, ("pick", 1)),
    ("hmm", 3, False, ("unclear", None)), ("🙂", 3, False, ("unclear", None)),
    ("What did the photos mean to you?", 3, False, ("words", "What did the photos mean to you?")),
    ("why though", 3, True, ("words", "why though")),
    ("When did you first meet her", 3, False, ("words", "When did you first meet her")),
])
def test_the_askers_choice_is_read(said, offered, own_mode, expected) -> None:
    assert read_choice(said, offered, own_mode) == expected


def test_development_examples_in_sample() -> None:
    """The examples the lexicon was built on (in sample: this guards against regressions only)."""
    got = rates(score(load_items(DEV)))
    assert got["kind_accuracy"] >= 0.97 and got["topic_kept"] >= 0.97 and got["turned"] == 0.0
