"""The crisis detector on text the project never tuned on: the frozen blind batches.

Each batch in tests/safety/blind/ was written by someone who had read only the category
definitions. The figures are printed by `make test` beside the in-sample ones; the floors
asserted here are the batch's measured figures (docs/safety-eval.md), so a change that
makes the detector worse on unseen text fails, while the issue's targets are printed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from bot.safety.evaluate import lines, score
from bot.safety.training import content_dir, settings
from tests.report import record

BLIND = Path(__file__).resolve().parent / "blind"
# Floors per batch: the figures measured when the batch was first scored (never tuned on), less a
# point or so: the second opinion is retrained whenever its examples or the everyday NLU examples
# change, which moves a message or two either way; a real regression moves more.
FLOORS: Dict[str, Dict[str, float]] = {
    # Batches 1-5 were all seen before round 5, so only batch 6 is a blind figure for it; floors for
    # 1-5 stay where rounds 3-4 left them (round 5 moved each within them); docs/safety-eval.md has
    # every score.
    # batch 1: recall 0.912, crisis on safe 0.008, check on safe 0.093
    "batch1": {"recall": 0.89, "crisis_on_safe": 0.02, "check_on_safe": 0.10},
    # batch 2: recall 0.963, crisis on safe 0.009, check on safe 0.119
    "batch2": {"recall": 0.94, "crisis_on_safe": 0.02, "check_on_safe": 0.135},
    # batch 3: recall 0.964, crisis on safe 0.000, check on safe 0.083
    "batch3": {"recall": 0.945, "crisis_on_safe": 0.015, "check_on_safe": 0.095},
    # batch 4, first score (round 3): recall 0.976, crisis 0.076, check 0.174; after round 4: 0.976 / 0.009 / 0.179
    "batch4": {"recall": 0.96, "crisis_on_safe": 0.02, "check_on_safe": 0.19},
    # batch 5, first score (round 4): recall 0.935, crisis on safe 0.037, check on safe 0.194; after the
    # "but / tonight / going to" guard on "said to be over" (a safety fix, not tuning): 0.939 / 0.037 / 0.203
    "batch5": {"recall": 0.92, "crisis_on_safe": 0.05, "check_on_safe": 0.21},
    # batch 6, first score (round 5: settled/topic/own-language rules, training batches 5-6, threshold
    # 0.67): recall 0.956, crisis on safe 0.009, check on safe 0.138 (the blind figure for round 5)
    "batch6": {"recall": 0.94, "crisis_on_safe": 0.02, "check_on_safe": 0.15},
    # batch 7, first score (round 6: told as over in more words, the model silent on a settled past,
    # a date before a "but" no longer softens the crisis): recall 0.956, crisis on safe 0.018, check on
    # safe 0.187 (the blind figure for round 6); round 7 was tuned on it (0.980 / 0.014 / 0.164)
    "batch7": {"recall": 0.95, "crisis_on_safe": 0.025, "check_on_safe": 0.20},
    # batch 8, first score (round 7): recall 0.946, crisis on safe 0.014, check on safe 0.177 (the blind
    # figure for round 7); the safety fixes after it: 0.969 / 0.014 / 0.177
    "batch8": {"recall": 0.94, "crisis_on_safe": 0.02, "check_on_safe": 0.19},
    # batch 9, first score (round 8: a question about the app, a study or a training names a topic;
    # more ways of telling a past as over): recall 0.956, crisis on safe 0.032, check on safe 0.138
    # (the blind figure for round 8); the safety fixes after it: 0.992 / 0.009 / 0.152
    "batch9": {"recall": 0.97, "crisis_on_safe": 0.02, "check_on_safe": 0.165},
    # batch 10, first score (round 8 with the fixes after batch 9): recall 0.952, crisis on safe 0.009,
    # check on safe 0.223 (the blind figure for that state); the safety fixes after it: 0.992 / 0.004 / 0.223
    "batch10": {"recall": 0.97, "crisis_on_safe": 0.02, "check_on_safe": 0.235},
    # batch 11, first score (2026-12-01, round 8 with the fixes after batches 9 and 10): recall 0.975,
    # crisis on safe 0.026, check on safe 0.214 (the blind figure for that state); the safety fixes
    # after it: 0.992 / 0.009 / 0.222
    "batch11": {"recall": 0.97, "crisis_on_safe": 0.02, "check_on_safe": 0.235},
    # batch 12, first score (2026-12-01, round 9: batches 1-11 as training examples, the speller's known
    # words from safe examples only): recall 0.966, crisis on safe 0.017, check on safe 0.179
    "batch12": {"recall": 0.95, "crisis_on_safe": 0.025, "check_on_safe": 0.19},
    # batch 13, first score (2026-12-01, round 9 with batch 12 as training examples): recall 0.975,
    # crisis on safe 0.051, check on safe 0.214; the safety fixes after it: 1.000 / 0.030 / 0.226
    "batch13": {"recall": 0.97, "crisis_on_safe": 0.04, "check_on_safe": 0.24},
    # batch 14, first score (2026-12-01, round 9 with the fixes after batch 13, batches 12-13 as examples):
    # recall 0.983, crisis on safe 0.034, check on safe 0.137; the safety fixes after it: 1.000 / 0.013 / 0.107
    "batch14": {"recall": 0.97, "crisis_on_safe": 0.03, "check_on_safe": 0.15},
    # batch 15, first score (2026-12-01, round 10: more ways of saying a past is over, named
    # questionnaires, words asked about as words; batches 1-14 as examples): recall 0.966, crisis on
    # safe 0.047, check on safe 0.137; the safety fixes after it: 0.992 / 0.000 / 0.115
    "batch15": {"recall": 0.95, "crisis_on_safe": 0.02, "check_on_safe": 0.15},
    # batch 16, first score (2026-12-01, round 10 with the fixes after batch 15, batches 1-15 as
    # examples): recall 0.962, crisis on safe 0.021, check on safe 0.124; the safety fixes after it:
    # 0.996 / 0.013 / 0.111
    "batch16": {"recall": 0.95, "crisis_on_safe": 0.025, "check_on_safe": 0.14},
    # batch 17, first score (2026-12-01, the fixes after batch 16, batches 1-16 as examples): recall
    # 0.992, crisis on safe 0.026, check on safe 0.244 (everyday, past and therapy talk read as worry
    # by the second opinion); the safety fixes after it: 1.000 / 0.004 / 0.244
    "batch17": {"recall": 0.95, "crisis_on_safe": 0.02, "check_on_safe": 0.25},
    # batch 18, first score (2026-12-01, the fixes after batch 17, batches 1-17 as examples): recall
    # 0.979, crisis on safe 0.021, check on safe 0.150 (round 9 on it: 0.983 / 0.021 / 0.235); the
    # safety fixes after it: 0.992 / 0.004 / 0.154
    "batch18": {"recall": 0.95, "crisis_on_safe": 0.02, "check_on_safe": 0.16},
    # batch 19, first score (2026-12-01, the fixes after batch 18 and the re-read, batches 1-18 as
    # examples): recall 0.962, crisis on safe 0.009, check on safe 0.085 (round 9 on it: 0.970 /
    # 0.013 / 0.115); the safety fixes after it: 0.996 / 0.009 / 0.090
    "batch19": {"recall": 0.95, "crisis_on_safe": 0.02, "check_on_safe": 0.10},
    # batch 20, first score (2026-12-01, the session's final state: the fixes after batch 19 and the
    # settled path reading what follows the story, batches 1-19 as examples): recall 0.954, crisis on
    # safe 0.038, check on safe 0.137 (round 9 on it: 0.962 / 0.047 / 0.162). Not fixed, not trained on.
    "batch20": {"recall": 0.95, "crisis_on_safe": 0.04, "check_on_safe": 0.14},
    # batch 21, first score (2026-12-01, the fixes after batch 20, batches 1-20 as examples): recall
    # 0.975, crisis on safe 0.013, check on safe 0.115 (session 10's final state on it: 0.970 / 0.013 /
    # 0.115); fixed and trained on since.
    "batch21": {"recall": 0.96, "crisis_on_safe": 0.02, "check_on_safe": 0.12},
    # batch 22, first score (same state, scored beside batch 21): recall 0.945, crisis on safe 0.026,
    # check on safe 0.081 (session 10's final state: 0.941 / 0.026 / 0.081); fixed and trained on since.
    "batch22": {"recall": 0.94, "crisis_on_safe": 0.03, "check_on_safe": 0.09},
    # batch 23, first score (2026-12-01, the fixes after batches 21-22, batches 1-22 as examples):
    # recall 0.966, crisis on safe 0.026, check on safe 0.120 (session 10's final state on it: 0.958 /
    # 0.026 / 0.137); fixed and trained on since.
    "batch23": {"recall": 0.95, "crisis_on_safe": 0.03, "check_on_safe": 0.13},
    # batch 24, first score (same state, beside batch 23): recall 0.954, crisis on safe 0.026, check on
    # safe 0.090 (session 10's final state: 0.954 / 0.026 / 0.107); fixed and trained on since.
    "batch24": {"recall": 0.95, "crisis_on_safe": 0.03, "check_on_safe": 0.10},
    # batch 25, first score (2026-12-01, the session's final state: the fixes after batches 23-24,
    # batches 1-24 as examples): recall 0.979, crisis on safe 0.021, check on safe 0.090 (session 10's
    # final state on it: 0.975 / 0.021 / 0.103). Not fixed, not trained on.
    "batch25": {"recall": 0.97, "crisis_on_safe": 0.025, "check_on_safe": 0.095},
    # batch 26, first score (same state, beside batch 25): recall 0.966, crisis on safe 0.009, check on
    # safe 0.090 (session 10's final state: 0.954 / 0.009 / 0.107). Not fixed, not trained on.
    "batch26": {"recall": 0.96, "crisis_on_safe": 0.015, "check_on_safe": 0.095},
    # batch 27, first score (2026-12-01, session 12's final state: the same verdicts as session 11's on
    # every message the project held, plus negation inside a pattern's gap): recall 0.983, crisis on
    # safe 0.009, check on safe 0.115 (over the 10% target: German safe messages 24%, affair arguments
    # and crises told as over 27%). Not fixed, not trained on.
    "batch27": {"recall": 0.975, "crisis_on_safe": 0.015, "check_on_safe": 0.12},
    # batch 28, first score (same state, beside batch 27): recall 0.987, crisis on safe 0.013, check on
    # safe 0.064. Not fixed, not trained on.
    "batch28": {"recall": 0.98, "crisis_on_safe": 0.02, "check_on_safe": 0.07},
}


# Batches scored and then added to the second opinion's training examples (_second_opinion.yml).
SEEN = set(settings(content_dir()).get("seen_blind_batches") or [])


def batch(name: str) -> List[Dict[str, Any]]:
    with open(BLIND / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["items"]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_blind_batch_figures(detector: Any, name: str) -> None:
    items = batch(name)
    figures = score(detector.assess, items)
    seen = int(name[len("batch"):]) in SEEN
    what = "scored once, seen since: tuned on and trained on" if seen else "never tuned on"
    record(f"Safety on blind {name} ({len(items)} messages, {what})", lines(figures))
    rates, floor = figures.overall.rates(), FLOORS[name]
    assert rates["recall"] >= floor["recall"]
    assert rates["crisis_on_safe"] <= floor["crisis_on_safe"]
    assert rates["check_on_safe"] <= floor["check_on_safe"]


def test_blind_batches_are_frozen_and_well_formed() -> None:
    for path in sorted(BLIND.glob("*.yml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
        assert path.read_text(encoding="utf-8").startswith("# FROZEN."), path.name
        assert len(items) >= 400 and len({i["text"] for i in items}) == len(items)
        positives = sum(i["level"] != "none" for i in items)
        assert 0.4 <= positives / len(items) <= 0.6
        assert {i["lang"] for i in items} == {"en", "de", "es", "fr"}


def test_the_training_reads_only_the_batches_already_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.safety import training

    folder = content_dir()
    seen = training.seen_blind_files(folder)
    assert sorted(int(path.stem[len("batch"):]) for path in seen) == sorted(SEEN)
    every = training.examples(folder)
    monkeypatch.setattr(training, "seen_blind_files", lambda _folder: [])
    own = training.examples(folder)
    # the listed batches, line for line, and nothing else from tests/safety/blind/
    assert len(every) == len(own) + sum(len(batch(path.stem)) for path in seen)
    assert not any(path.parent == BLIND for path in training._files(folder) if path not in seen)
