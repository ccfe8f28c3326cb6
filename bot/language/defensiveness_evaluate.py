"""Figures for the defensiveness notice (``bot.language.apology.is_defensive``) on labelled replies.

A nudge on a reply that was not defensive hurts, so precision (of the nudges given, how many were
right) comes first; recall (of the defensive replies, how many got a nudge) second.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

from bot import content
from bot.language.apology import is_defensive


@dataclass
class Figures:
    """Nudges given and missed, overall and per language."""

    overall: Counter = field(default_factory=Counter)
    by_lang: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    rows: List[Dict[str, Any]] = field(default_factory=list)


def score(items: Sequence[Dict[str, Any]], judge: Callable[[str], bool] = is_defensive) -> Figures:
    """Count true/false nudges and misses over labelled replies."""
    figures = Figures()
    for item in items:
        nudged, gold = bool(judge(item["text"])), item["label"] == "defensive"
        cell = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}[(nudged, gold)]
        for counter in (figures.overall, figures.by_lang[item.get("lang", "en")]):
            counter[cell] += 1
        figures.rows.append({"text": item["text"], "lang": item.get("lang", "en"), "gold": item["label"],
                             "nudged": nudged, "cell": cell})
    return figures


def rates(counts: Counter) -> Dict[str, float]:
    """Precision and recall of the nudge (precision 1.0 when no nudge was given)."""
    given, defensive = counts["tp"] + counts["fp"], counts["tp"] + counts["fn"]
    return {"precision": counts["tp"] / given if given else 1.0,
            "recall": counts["tp"] / defensive if defensive else 0.0,
            "nudges": float(given)}


def _line(name: str, counts: Counter) -> str:
    given, defensive = counts["tp"] + counts["fp"], counts["tp"] + counts["fn"]
    got = rates(counts)
    precision = f"{counts['tp']}/{given} = {got['precision']:.1%}" if given else "no nudge given"
    recall = f"{counts['tp']}/{defensive} = {got['recall']:.1%}" if defensive else "n/a"
    return f"{name}: precision {precision}, recall {recall}, wrong nudges on calm replies {counts['fp']}/{counts['fp'] + counts['tn']}"


def lines(figures: Figures) -> List[str]:
    """Overall and per-language lines for the test summary and the docs."""
    return [_line("all", figures.overall)] + [_line(lang, c) for lang, c in sorted(figures.by_lang.items())]


def load_items(path: Path) -> List[Dict[str, Any]]:
    """The labelled replies of a YAML file (``lines:``)."""
    return content.parse(path)["lines"]  # bot.content's one YAML loader, uncached: a fresh list each call
