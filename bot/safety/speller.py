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

# Regular English endings and what the stem may have lost: rate-d, rat-ing (rate), stop-ped.
_ENDINGS = (("ing", ("", "e")), ("ed", ("", "e")), ("d", ("",)), ("es", ("", "e")), ("s", ("",)),
            ("er", ("", "e")), ("ly", ("",)))
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

    def _known_stem(self, word: str) -> Optional[str]:
        """The stem when ``word`` is a regular form of a known word ("rated" gives "rat", as "rate" is
        known), else None."""
        for ending, back in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                stem = word[: len(word) - len(ending)]
                if any(stem + b in self._known for b in back):
                    return stem
        return None

    def _correct(self, word: str) -> Optional[str]:
        """The repaired word, or None when ``word`` is known, too short, or nothing is close."""
        if len(word) < MIN_LENGTH or word in self._known or not word.isalpha():
            return None
        choices = self._targets.get(word[0])
        if not choices:
            return None
        limit = max_distance(word)
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        best = min(score for _, score, _ in found)
        closest = [str(choice) for choice, score, _ in found if score == best]
        # A dropped or doubled letter is the commonest slip: "hiting" is "hitting", not "hiding".
        single = _single_letters(word)
        choice = next((c for c in closest if _single_letters(c) == single), closest[0])
        # A form of a known word is repaired only into a form of the same word ("hiting" -> "hitting");
        # "rated" (rate) never becomes "raped".
        stem = self._known_stem(word)
        return None if stem is not None and not choice.startswith(stem) else choice


def _single_letters(word: str) -> str:
    """The word with each run of one letter written once ("hitting" -> "hiting")."""
    return "".join(ch for i, ch in enumerate(word) if i == 0 or ch != word[i - 1])
