"""Figures for question coaching on labelled questions (the development set or a frozen blind batch).

For every line: the kind read against the labelled kind (accuracy per kind and per language), and
for every line offered wordings: is the labelled topic kept in each wording, does any wording turn
the question on the asker (``content/coaching/checks.yml``), does each still speak to the partner.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bot import content
from bot.language.coaching import QuestionAdvice, advise


@lru_cache(maxsize=1)
def _checks() -> dict:
    spec = content.load("coaching/checks")
    return {
        "turns": {lang: re.compile("|".join(f"(?:{p})" for p in pats), re.I)
                  for lang, pats in spec["turns_on_asker"].items()},
        "partner": {lang: re.compile(p, re.I) for lang, p in spec["addresses_partner"].items()},
    }


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).lower().replace("’", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w'\s-]", " ", text)).strip()


def turns_on_asker(wording: str, language: str) -> bool:
    """True when ``wording`` makes the asker the one examined or compared."""
    pattern = _checks()["turns"].get(language) or _checks()["turns"]["en"]
    return bool(pattern.search(wording))


def addresses_partner(wording: str, language: str) -> bool:
    """True when ``wording`` still speaks to the partner, who answers it."""
    pattern = _checks()["partner"].get(language) or _checks()["partner"]["en"]
    return bool(pattern.search(wording))


def keeps_topic(wording: str, topic: str) -> bool:
    """True when the labelled ``topic`` is in ``wording`` (case and punctuation aside)."""
    return _plain(topic) in _plain(wording)


def keeps_head(wording: str, topic: str) -> bool:
    """True when at least the topic's last word (its noun) is in ``wording``."""
    words = _plain(topic).split()
    return bool(words) and re.search(rf"\b{re.escape(words[-1])}\b", _plain(wording)) is not None


@dataclass
class Figures:
    """Counts over a labelled set."""

    total: int = 0
    right: int = 0
    by_kind: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_lang: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    confusion: Counter = field(default_factory=Counter)
    offered: int = 0
    offered_wrongly: int = 0  # motive_meaning or none given wordings
    withheld: int = 0  # a kind that needs wordings given none
    with_topic: int = 0
    topic_all: int = 0
    topic_some: int = 0
    head_all: int = 0
    wordings: int = 0
    turned: int = 0
    not_to_partner: int = 0
    rows: List[Dict[str, Any]] = field(default_factory=list)


OFFER_KINDS = ("comparison", "whats_wrong_with_me", "graphic_detail", "timeline_facts")


def score(items: Sequence[Dict[str, Any]]) -> Figures:
    """Run the coaching on every labelled line and count."""
    figures = Figures()
    for item in items:
        advice: QuestionAdvice = advise(item["text"], language=item.get("lang"))
        gold, lang, topic = item["kind"], item.get("lang", "en"), str(item.get("topic") or "")
        ok = advice.kind == gold
        figures.total += 1
        figures.right += ok
        figures.by_kind[gold]["n"] += 1
        figures.by_kind[gold]["right"] += ok
        figures.by_lang[lang]["n"] += 1
        figures.by_lang[lang]["right"] += ok
        figures.confusion[(gold, advice.kind)] += 1
        kept: Optional[bool] = None
        turned = [w for w in advice.wordings if turns_on_asker(w, advice.language)]
        if advice.wordings:
            figures.offered += 1
            figures.offered_wrongly += gold not in OFFER_KINDS
            figures.wordings += len(advice.wordings)
            figures.turned += len(turned)
            figures.not_to_partner += sum(not addresses_partner(w, advice.language) for w in advice.wordings)
            if topic:
                figures.with_topic += 1
                kept = all(keeps_topic(w, topic) for w in advice.wordings)
                figures.topic_all += kept
                figures.topic_some += any(keeps_topic(w, topic) for w in advice.wordings)
                figures.head_all += all(keeps_head(w, topic) for w in advice.wordings)
        elif gold in OFFER_KINDS:
            figures.withheld += 1
        figures.rows.append({"text": item["text"], "lang": lang, "gold": gold, "kind": advice.kind, "ok": ok,
                             "topic": topic, "found": advice.topic or "", "kept": kept,
                             "wordings": list(advice.wordings), "turned": turned})
    return figures


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "n/a"


def rates(figures: Figures) -> Dict[str, float]:
    """The headline rates, for floors in tests."""
    return {
        "kind_accuracy": figures.right / figures.total if figures.total else 0.0,
        "topic_kept": figures.topic_all / figures.with_topic if figures.with_topic else 1.0,
        "turned": figures.turned / figures.wordings if figures.wordings else 0.0,
    }


def lines(figures: Figures) -> List[str]:
    """The figures as short lines for the test summary and the docs."""
    out = [f"kind read right: {_pct(figures.right, figures.total)}"]
    out.append("  per kind: " + ", ".join(f"{k} {_pct(c['right'], c['n'])}" for k, c in sorted(figures.by_kind.items())))
    out.append("  per language: " + ", ".join(f"{k} {_pct(c['right'], c['n'])}"
                                              for k, c in sorted(figures.by_lang.items())))
    out.append(f"wordings offered on {figures.offered} lines ({figures.offered_wrongly} of them labelled motive/none); "
               f"a kind that needs them got none on {figures.withheld} lines")
    out.append(f"labelled topic kept in every offered wording: {_pct(figures.topic_all, figures.with_topic)} "
               f"(in at least one: {_pct(figures.topic_some, figures.with_topic)}; "
               f"its noun in every wording: {_pct(figures.head_all, figures.with_topic)})")
    out.append(f"wordings turning the question on the asker (automatic check): {_pct(figures.turned, figures.wordings)}; "
               f"not speaking to the partner: {_pct(figures.not_to_partner, figures.wordings)}")
    return out


def load_items(path: Path) -> List[Dict[str, Any]]:
    """The labelled lines of a YAML file (``lines:``)."""
    return content.parse(path)["lines"]  # bot.content's one YAML loader, uncached: a fresh list each call
