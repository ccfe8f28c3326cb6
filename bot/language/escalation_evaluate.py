"""Figures for the escalation detector on a labelled set: detection, pause on calm, per kind and language.

Used by the test summary (``tests/test_escalation_blind.py``). Prints counts only, never a message.
These are the detector's figures, with the earlier messages (``recent``) when an item has them:
``actions/feelings.py`` offers a pause whenever the assessment says so, in a group (unaddressed)
and privately alike, so one assessment stands for both. Which action the NLU routes a line to is
not part of these figures (see tests/stories/test_escalation.yml for the override).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Dict, Iterable, List, Mapping

TARGETS = {"detection": 0.90, "pause_on_calm": 0.05}


def score(assess: Callable[..., Any], items: Iterable[Mapping[str, Any]]) -> Dict[str, Dict[str, List[int]]]:
    """{slice: {name: [escalated, detected, calm, paused]}}; slice "all" holds the overall counts."""
    out: Dict[str, Dict[str, List[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    for item in items:
        paused = bool(assess(item["text"], item.get("recent") or ()).suggest_pause)
        escalated = item["label"] == "escalated"
        for key, name in (("all", "all"), ("kind", item.get("kind")), ("lang", item.get("lang"))):
            if name:
                row = out[key][str(name)]
                if escalated:
                    row[0] += 1
                    row[1] += paused
                else:
                    row[2] += 1
                    row[3] += paused
    return out


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b * 100:5.1f}%" if b else "n/a"


def rates(figures: Mapping[str, Mapping[str, List[int]]]) -> Dict[str, float]:
    esc, det, calm, paused = figures["all"]["all"]
    return {"detection": det / esc if esc else float("nan"), "pause_on_calm": paused / calm if calm else float("nan")}


def lines(figures: Mapping[str, Mapping[str, List[int]]]) -> List[str]:
    esc, det, calm, paused = figures["all"]["all"]
    out = [f"detection on escalated: {_pct(det, esc)} "
           f"(target >= {TARGETS['detection']:.0%})",
           f"pause suggested on calm: {_pct(paused, calm)} (target <= {TARGETS['pause_on_calm']:.0%})"]
    for key in ("lang", "kind"):
        for name, (e, d, c, p) in sorted(figures.get(key, {}).items()):
            parts = ([f"detected {_pct(d, e)}"] if e else []) + ([f"pause on calm {_pct(p, c)}"] if c else [])
            out.append(f"  {key} {name:<16} " + "; ".join(parts))
    return out
