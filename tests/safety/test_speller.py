"""Spelling repair in front of the lexicon (bot/safety/speller.py)."""
from __future__ import annotations

from typing import Any

import pytest

from bot.safety.speller import Speller


def test_only_unknown_words_are_repaired_towards_the_targets() -> None:
    speller = Speller(known={"bills", "paying"}, targets={"pills", "bottle", "swallowed"})
    assert speller.correct("botle") == "bottle"
    assert speller.correct("swalowed") == "swallowed"
    assert speller.correct("bills") is None  # a known word stays, even one letter from "pills"
    assert speller.correct("pils") is None or speller.correct("pils") == "pills"
    assert speller.correct("xylophone") is None  # nothing close
    assert speller.correct("dye") is None  # too short to guess


def test_the_same_first_letter_and_a_small_distance_are_required() -> None:
    speller = Speller(known=(), targets={"overdose", "kill"})
    assert speller.correct("ovrdose") == "overdose"
    assert speller.correct("koll") == "kill"
    assert speller.correct("bill") is None  # a different first letter is another word
    assert speller.correct("kxxl") is None  # two edits in a short word


def test_a_repair_counts_only_where_the_lexicon_then_matches(detector: Any) -> None:
    # "umzubringen" is a lexicon word; the repaired reading matches over the repaired word
    hits = detector.hits("ich will mich heute umzubrigen")
    assert any(h.level != "none" for h in hits)
    # an everyday word the project never saw is left alone when no worrying phrase appears
    assert detector.lexicon_assess("paying the bills tonight").level == "none"


@pytest.mark.parametrize("text", ["", "a" * 10_000, "\u200b\u200b", "😀 " * 200, "مرحبا kil myslef"])
def test_odd_input_still_gets_a_level(detector: Any, text: str) -> None:
    assert detector.assess(text).level in {"none", "check", "crisis"}
