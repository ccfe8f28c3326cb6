"""The escalation detector on text the project never tuned on: the frozen blind batch.

tests/escalation_blind/batch1.yml (232 lines) and batch2.yml (247 lines), half escalating, half calm
but painful, with kinds and languages, were each written by someone who had read neither the
lexicon nor the training lines. Each was scored once when it arrived; the floors below are those
measured figures, so a change that makes the detector worse on unseen text fails, while the issue's
targets are printed beside them. Batch 1 was seen (as aggregate figures) before round 2, so only
batch 2 is a blind figure for the current detector. Only aggregate counts are printed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from bot.language.escalation import assess_escalation
from bot.language.escalation_evaluate import TARGETS, lines, rates, score
from tests.report import record

BLIND = Path(__file__).resolve().parent / "escalation_blind"
# Measured once when the batch was first scored (never tuned on): detection 106/120 = 88.3%
# (below the 90% target), pause on calm 1/112 = 0.9%.
# Round 2 (model weight 1.3 -> 1.4, chosen by cross-validation on the training lines) was scored
# once on batch 2, written after it: detection 118/128 = 92.2%, pause on calm 5/119 = 4.2%.
# The second opinion learns calm lines from the everyday NLU examples too, so it is retrained
# whenever they change and a message or two moves either way (the German, Spanish and French
# starting phrases of issue 16 moved batch 2 to 116/128 = 90.6% and batch 1 to 2/112 = 1.8%). The
# floors are the first scores less such a move, and batch 2, the blind figure, must keep the
# targets (detection >= 90%, pause on calm <= 5%); a real regression moves more.
FLOORS: Dict[str, Dict[str, float]] = {
    "batch1": {"detection": 0.87, "pause_on_calm": 0.02},
    "batch2": {"detection": 0.90, "pause_on_calm": 0.05},
}


def batch(name: str) -> List[Dict[str, Any]]:
    with open(BLIND / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["items"]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_blind_batch_figures(name: str) -> None:
    items = batch(name)
    figures = score(assess_escalation, items)
    record(f"Escalation on blind {name} ({len(items)} messages never tuned on; targets: detection >= "
           f"{TARGETS['detection']:.0%}, pause on calm <= {TARGETS['pause_on_calm']:.0%})", lines(figures))
    got, floor = rates(figures), FLOORS[name]
    assert got["detection"] >= floor["detection"]
    assert got["pause_on_calm"] <= floor["pause_on_calm"]


def test_blind_batch_is_frozen_and_well_formed() -> None:
    for path in sorted(BLIND.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        items = yaml.safe_load(text)["items"]
        assert text.startswith("# FROZEN."), path.name
        assert len(items) >= 200 and len({i["text"] for i in items}) == len(items)
        escalated = sum(i["label"] == "escalated" for i in items)
        assert 0.4 <= escalated / len(items) <= 0.6
