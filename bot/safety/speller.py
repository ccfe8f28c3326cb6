"""Spelling repair for the words that matter: "swallowed the hole botle" → "bottle".

Only a word nobody has written in the project's own examples (training messages, the lexicon,
the everyday NLU examples) is repaired, and only towards a word of the lexicon's worrying
phrases, at a small edit distance and with the same first letter. Ordinary words are never
touched: "bills" stays "bills" even though "pills" is one letter away, because "bills" is a known
word. The detector keeps a repair only where the lexicon then matches over the repaired word.

Measured against symspellpy's bundled English dictionary (``docs/safety-eval.md``, spelling).
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter words are too often something else ("cut" / "cat", "od")


def max_distance(word: str) -> int:
    """Edits allowed for a word of this length: one up to seven letters, two from eight."""
    return 1 if len(word) < 8 else 2


class Speller:
    """Repairs unknown words towards the worrying vocabulary."""

    def __init__(self, known: Iterable[str], targets: Iterable[str], cache_size: int = 4096) -> None:
        """``known`` words are never repaired; others may become one of ``targets``."""
        self._known: FrozenSet[str] = frozenset(w for w in known if w)
        by_first: Dict[str, List[str]] = defaultdict(list)
        for word in sorted(set(targets)):
            if len(word) >= MIN_LENGTH and word.isalpha():
                by_first[word[0]].append(word)
        self._targets = dict(by_first)
        self.correct = lru_cache(maxsize=cache_size)(self._correct)  # type: ignore[method-assign]

    @property
    def target_count(self) -> int:
        return sum(len(words) for words in self._targets.values())

    def is_known(self, word: str) -> bool:
        return word in self._known

    def _correct(self, word: str) -> Optional[str]:
        """The repaired word, or None when ``word`` is known, too short, or nothing is close."""
        if len(word) < MIN_LENGTH or word in self._known or not word.isalpha():
            return None
        choices = self._targets.get(word[0])
        if not choices:
            return None
        limit = max_distance(word)
        found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        return str(found[0]) if found else None
