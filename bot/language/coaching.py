"""Question coaching: tell questions about meaning from graphic or comparing ones.

The lexicon and the gentler wordings live in ``content/questions.yml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from bot import content

KINDS = ("graphic", "comparison", "pattern", "open")


@dataclass(frozen=True)
class QuestionAdvice:
    """What kind of question this is, and a gentler wording when it might hurt the asker."""

    kind: str  # graphic | comparison | pattern | open
    matched: Tuple[str, ...]
    rewording: Optional[str]
    off_limits_hits: Tuple[str, ...] = ()

    @property
    def needs_rewording(self) -> bool:
        """True when the question asks for graphic detail or comparison."""
        return self.kind in ("graphic", "comparison")


def load_lexicon(path: Optional[str] = None) -> dict:
    """The question lexicon from content/questions.yml (read once)."""
    return content.read(path) if path else content.load("questions")


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"(.)\1{2,}", r"\1\1", text)
    return " " + re.sub(r"[^\w'\s]+", " ", text) + " "


def _hits(text: str, phrases: Iterable[str]) -> Tuple[str, ...]:
    return tuple(p for p in phrases if f" {p} " in text or (len(p) > 5 and f" {p}" in text))


def off_limits_hits(question: str, off_limits: Optional[str], lexicon: Optional[dict] = None) -> Tuple[str, ...]:
    """Topic words the couple put off limits that the question touches."""
    if not off_limits:
        return ()
    lexicon = lexicon or load_lexicon()
    stop = set(lexicon.get("stopwords") or [])
    words = {w for w in re.findall(r"[\w']+", off_limits.lower()) if len(w) > 3 and w not in stop}
    if not words:
        return ()
    text = _normalise(question)
    found = []
    for word in sorted(words):
        stem = word[:-1] if word.endswith("s") and len(word) > 4 else word
        if re.search(rf"\b{re.escape(stem)}", text):
            found.append(word)
    return tuple(found)


def advise(question: str, off_limits: Optional[str] = None) -> QuestionAdvice:
    """Classify ``question`` and offer a gentler wording for graphic or comparing ones."""
    lexicon = load_lexicon()
    text = _normalise((question or "")[:2000])
    comparison = _hits(text, lexicon["comparison"]["phrases"])
    graphic = _hits(text, lexicon["graphic"]["phrases"])
    pattern = _hits(text, lexicon["pattern"]["phrases"])
    limits = off_limits_hits(question or "", off_limits, lexicon)
    words = lexicon["rewordings"]
    if comparison:
        return QuestionAdvice("comparison", comparison, words["comparison"], limits)
    if graphic:
        sexual = _hits(text, words.get("sexual_markers") or [])
        return QuestionAdvice("graphic", graphic, words["graphic_sexual" if sexual else "graphic"], limits)
    if pattern:
        return QuestionAdvice("pattern", pattern, None, limits)
    return QuestionAdvice("open", (), None, limits)
