"""The rituals' intents in a couple's own German, Spanish and French words (issue 15), measured on held-out
lines: ``ritual_phrases_heldout.yml`` was written before the de/es/fr training examples for these intents were
added and is never used to build the model (no line of it is in data/nlu: checked below).

Measured with the trained model (rasa's Agent, the whole NLU pipeline with its fallback and safety guard):
before the examples were added 52 of 108 lines (0.48) got their intent (de 19/36, es 16/36, fr 17/36), after
them 94 of 108 (0.87; de 34/36, es 29/36, fr 31/36). The 14 lines still missed were left as they are: examples
written to fix them would turn this check into training data.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml

from bot import PROJECT_ROOT

HERE = Path(__file__).parent
LINES: Dict[str, Dict[str, List[str]]] = yaml.safe_load((HERE / "ritual_phrases_heldout.yml").read_text("utf-8"))
CASES: List[Tuple[str, str, str]] = [(intent, language, line) for intent, languages in LINES.items()
                                     for language, lines in languages.items() for line in lines]
MIN_ACCURACY = 0.80  # over all lines
MIN_PER_LANGUAGE = 0.75


@pytest.fixture(scope="module")
def read() -> Dict[str, str]:
    """Each held-out line's intent as the trained model reads it."""
    from rasa.core.agent import Agent

    from bot.stack import train_if_changed

    agent = Agent.load(str(train_if_changed()))
    return {line: asyncio.run(agent.parse_message(line))["intent"]["name"] for _, _, line in CASES}


def test_the_held_out_lines_are_not_in_the_training_data() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    trained = {example.get("text").strip().lower() for example in load_data(str(PROJECT_ROOT / "data/nlu"))
               .intent_examples}
    assert [line for _, _, line in CASES if line.strip().lower() in trained] == []
    assert {intent: sum(map(len, languages.values())) >= 12 for intent, languages in LINES.items()} == \
           {intent: True for intent in LINES}


def test_the_rituals_are_read_in_german_spanish_and_french_words(read: Dict[str, str]) -> None:
    right: Dict[str, List[bool]] = {}
    for intent, language, line in CASES:
        right.setdefault(language, []).append(read[line] == intent)
    misses: Dict[str, Any] = {line: f"{intent} read as {read[line]}" for intent, _, line in CASES
                              if read[line] != intent}
    overall = sum(map(sum, right.values())) / len(CASES)
    per_language = {language: round(sum(hits) / len(hits), 2) for language, hits in right.items()}
    assert overall >= MIN_ACCURACY, (overall, misses)
    assert all(share >= MIN_PER_LANGUAGE for share in per_language.values()), (per_language, misses)
