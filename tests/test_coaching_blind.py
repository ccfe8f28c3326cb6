"""Question coaching and the defensiveness notice on text never tuned on: the frozen blind batches.

tests/coaching_blind/batch1.yml (130 questions: text, kind, language, topic),
tests/defensiveness_blind/batch1.yml (110 replies, defensive or not) and tests/defensiveness_blind/batch2.yml
(160 replies) were written from the category definitions only, by someone who had read neither the lexicons
nor the development examples. Each was scored once (batch 1s when the coaching was built, commit 24763a2;
defensiveness batch 2 with the lexicon frozen at 56dc279); the floors below sit at or just under those
figures, so a change that makes either worse on unseen text fails. docs/question-coaching.md and
docs/defensiveness.md hold the figures and a review table of every line
(``python -m bot.language.coaching_docs``; the last test checks they are up to date).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.language import coaching_docs
from bot.language import coaching_evaluate as qe
from bot.language import defensiveness_evaluate as de
from tests.report import record

# Scored once, 2026-11-30 (commit 24763a2): kinds 104/130 = 80.0%, labelled topic kept in every wording
# 24/38 = 63.2%, wordings turning the question on the asker 0/249.
COACHING_FLOORS = {"kind_accuracy": 0.79, "topic_kept": 0.62, "turned": 0.0}
# Scored once as it stood (commit 24763a2, blind): precision 6/6 = 100%, recall 6/55 = 10.9%, no wrong nudge.
# Then the lexicon was widened from the helper's own development examples (tests/defensiveness/dev.yml)
# and the batch re-scored: NO LONGER BLIND. Precision 19/20 = 95.0%, recall 19/55 = 34.5%, 1 wrong nudge.
# Widened again (round 2, tests/defensiveness/dev2.yml) and frozen before batch 2 was opened; batch 1
# re-scored (not blind): precision 32/32 = 100%, recall 32/55 = 58.2%, no wrong nudge.
DEFENSIVE_FLOORS = {"precision": 0.99, "recall": 0.58}
# Blind batch 2 (tests/defensiveness_blind/batch2.yml, 160 replies, written by another session from the definitions
# only), scored ONCE with the lexicon frozen at commit 56dc279: precision 29/32 = 90.6%, recall 29/80 = 36.2%,
# 3 wrong nudges on 80 calm replies (EN 1/50, DE 1/10, ES 1/10, FR 0/10). Not tuned after that score.
DEFENSIVE_FLOORS_2 = {"precision": 0.90, "recall": 0.36, "wrong_nudges": 3}


def test_question_coaching_on_blind_batch1() -> None:
    items = qe.load_items(coaching_docs.COACHING_BLIND)
    figures = qe.score(items)
    record(f"Question coaching on blind batch1 ({len(items)} questions never tuned on, scored once)",
           qe.lines(figures))
    got = qe.rates(figures)
    assert got["kind_accuracy"] >= COACHING_FLOORS["kind_accuracy"]
    assert got["topic_kept"] >= COACHING_FLOORS["topic_kept"]
    assert got["turned"] <= COACHING_FLOORS["turned"]


def test_defensiveness_notice_on_blind_batch1() -> None:
    items = de.load_items(coaching_docs.DEFENSIVE_BLIND)
    figures = de.score(items)
    record(f"Defensiveness notice on batch1 ({len(items)} replies; blind score as it stood: precision 6/6, recall "
           f"6/55 = 10.9%; re-scored after widening the lexicon twice on own examples, no longer blind)",
           de.lines(figures))
    got = de.rates(figures.overall)
    assert got["precision"] >= DEFENSIVE_FLOORS["precision"]
    assert got["recall"] >= DEFENSIVE_FLOORS["recall"]


def test_defensiveness_notice_on_blind_batch2() -> None:
    items = de.load_items(coaching_docs.DEFENSIVE_BLIND2)
    figures = de.score(items)
    record(f"Defensiveness notice on blind batch2 ({len(items)} replies never tuned on, scored once with the lexicon "
           f"frozen at 56dc279)", de.lines(figures))
    got = de.rates(figures.overall)
    assert got["precision"] >= DEFENSIVE_FLOORS_2["precision"]
    assert got["recall"] >= DEFENSIVE_FLOORS_2["recall"]
    assert figures.overall["fp"] <= DEFENSIVE_FLOORS_2["wrong_nudges"]


def test_blind_batches_are_frozen_and_well_formed() -> None:
    for path, label, size in ((coaching_docs.COACHING_BLIND, "kind", 100), (coaching_docs.DEFENSIVE_BLIND, "label", 100),
                              (coaching_docs.DEFENSIVE_BLIND2, "label", 150)):
        text = path.read_text(encoding="utf-8")
        items = yaml.safe_load(text)["lines"]
        assert text.startswith("# Blind set") and "Frozen" in text.splitlines()[0]
        assert len(items) >= size and len({i["text"] for i in items}) == len(items)
        assert {i["lang"] for i in items} == {"en", "de", "es", "fr"} and all(i[label] for i in items)


def test_docs_are_what_the_generator_writes() -> None:
    """docs/question-coaching.md and docs/defensiveness.md are reproducible from the sets and the code."""
    for path, build in ((coaching_docs.COACHING_DOC, coaching_docs.coaching_doc),
                        (coaching_docs.DEFENSIVE_DOC, coaching_docs.defensiveness_doc)):
        assert path.read_text(encoding="utf-8") == build(coaching_docs._intro(path)), \
            f"{path.name} is stale: run python -m bot.language.coaching_docs"


def test_dev_and_blind_sets_share_only_the_two_known_lines() -> None:
    """Two short, common questions were written word for word in both sets, independently (found when the
    blind batch was scored; docs/question-coaching.md gives the figure without them). No other line may."""
    dev = {i["text"].strip().lower() for i in qe.load_items(coaching_docs.COACHING_DEV)}
    blind = {i["text"].strip().lower() for i in qe.load_items(coaching_docs.COACHING_BLIND)}
    assert dev & blind == {"is she prettier than me?", "am i too old for you now?"}
    assert Path(coaching_docs.COACHING_DEV).parent != Path(coaching_docs.COACHING_BLIND).parent


def test_defensiveness_development_examples_in_sample() -> None:
    """The lexicon's own examples, including the hurt partner's words that must never get the nudge."""
    figures = de.score(de.load_items(Path(__file__).resolve().parent / "defensiveness" / "dev.yml"))
    assert figures.overall["fp"] == 0 and de.rates(figures.overall)["recall"] >= 0.95


def test_defensiveness_round_two_examples_in_sample() -> None:
    """Round 2's own examples (five sets, each scored before the lexicon was widened on it): no wrong nudge on
    any calm line, the hurt partner's included; 141/152 defensive lines nudged when the lexicon was frozen."""
    figures = de.score(de.load_items(Path(__file__).resolve().parent / "defensiveness" / "dev2.yml"))
    assert figures.overall["fp"] == 0 and de.rates(figures.overall)["recall"] >= 0.92
