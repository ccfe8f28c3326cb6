"""Figures for the crisis detector on a labelled set: recall, false alarms, by category, style, language.

Used by the test summary (``tests/safety/test_blind.py``) and ``bench/safety_bench.py``. Prints
counts only, never a message.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping

TARGETS = {"recall": 0.95, "crisis_on_safe": 0.03, "check_on_safe": 0.10}


@dataclass
class Tally:
    """Counts for one slice of a labelled set."""

    positives: int = 0
    flagged: int = 0
    acute: int = 0
    acute_crisis: int = 0
    safe: int = 0
    safe_check: int = 0
    safe_crisis: int = 0

    def add(self, expected: str, got: str) -> None:
        """Count one message: ``expected`` and ``got`` are levels."""
        if expected == "none":
            self.safe += 1
            self.safe_check += got == "check"
            self.safe_crisis += got == "crisis"
        else:
            self.positives += 1
            self.flagged += got != "none"
            if expected == "crisis":
                self.acute += 1
                self.acute_crisis += got == "crisis"

    @property
    def recall(self) -> float:
        return self.flagged / self.positives if self.positives else float("nan")

    def rates(self) -> Dict[str, float]:
        """The figures of this slice as fractions."""
        safe = self.safe or float("nan")
        return {"recall": self.recall, "acute_to_crisis": self.acute_crisis / (self.acute or float("nan")),
                "check_on_safe": self.safe_check / safe, "crisis_on_safe": self.safe_crisis / safe}


@dataclass
class Figures:
    """A whole set's tallies, overall and per slice."""

    overall: Tally = field(default_factory=Tally)
    slices: Dict[str, Dict[str, Tally]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Tally)))


def score(assess: Any, items: Iterable[Mapping[str, Any]]) -> Figures:
    """Run ``assess(text).level`` over items with ``text``, ``level`` and optional category/style/lang."""
    figures = Figures()
    for item in items:
        expected, got = item["level"], assess(item["text"]).level
        figures.overall.add(expected, got)
        for key in ("category", "style", "lang"):
            value = item.get(key)
            if value:
                figures.slices[key][str(value)].add(expected, got)
    return figures


def _pct(value: float) -> str:
    return "  n/a" if value != value else f"{value * 100:5.1f}%"


def lines(figures: Figures) -> List[str]:
    """The figures as printable lines (overall against the targets, then each slice)."""
    o = figures.overall
    r = o.rates()
    out = [f"recall (check or crisis) {o.flagged}/{o.positives} = {_pct(r['recall'])} (target >= 95%)",
           f"acute messages reaching crisis {o.acute_crisis}/{o.acute} = {_pct(r['acute_to_crisis'])}",
           f"crisis on safe {o.safe_crisis}/{o.safe} = {_pct(r['crisis_on_safe'])} (target <= 3%)",
           f"check on safe {o.safe_check}/{o.safe} = {_pct(r['check_on_safe'])} (target <= 10%)"]
    for key in ("lang", "category", "style"):
        for name, tally in sorted(figures.slices.get(key, {}).items()):
            t = tally.rates()
            parts = []
            if tally.positives:
                parts.append(f"recall {tally.flagged}/{tally.positives} {_pct(t['recall'])}")
            if tally.safe:
                parts.append(f"check on safe {_pct(t['check_on_safe'])}, crisis on safe {_pct(t['crisis_on_safe'])}"
                             f" (n={tally.safe})")
            out.append(f"  {key} {name:<28} " + "; ".join(parts))
    return out
