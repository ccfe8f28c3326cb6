"""Can a language's lexicon match this text at all? A check in microseconds, before spaCy runs.

Every lexicon pattern needs its anchor word (``anchored.py``); a language none of whose anchor words
can be a token of the text has nothing to find, and its tokenizer and matchers need not run. Most
messages are in one language, so most languages are skipped.

The check is exact in the one direction that matters: it may let a text through that then matches
nothing, never turn one away that would match. A spaCy token made only of letters and digits is a
whole run of letters and digits of the text, except where the tokenizer splits such a run: its
special cases ("gonna" → "gon" "na", "10am" → "10" "am") and its rules at a boundary between digits
and letters ("10km", "5x"). Those pieces are added to the candidates. Anchors holding other
characters ("war's", "aujourd'") are looked for as plain substrings. A language with patterns that
have no anchor, or anchors on attributes other than the text and the lemma, is never skipped.
``tests/safety/test_detector.py`` checks the promise on every message the project holds.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, Iterable, Set

_RUN = re.compile(r"[^\W_]+")
_DIGIT_LETTER = re.compile(r"\d+|[^\W\d_]+")


class WordGate:
    """Says whether any anchor word of some matchers may be a token of a text."""

    def __init__(self, matchers: Iterable[Any], tokenizer_rules: Dict[str, Any],
                 lemma: Callable[[str], str]) -> None:
        """``matchers`` are :class:`~bot.safety.anchored.AnchoredMatcher`; ``lemma`` maps a word to
        its lemma as the language's pipeline does."""
        self.open_always = False
        words: Set[str] = set()
        lemmas: Set[str] = set()
        for matcher in matchers:
            if matcher.has_unanchored:
                self.open_always = True
            for attr, values in matcher.anchor_words().items():
                if attr in ("LOWER", "ORTH"):
                    words |= values
                elif attr == "LEMMA":
                    lemmas |= values
                else:  # NORM and the like: no cheap way to know
                    self.open_always = True
        self._words = frozenset(w for w in words if _RUN.fullmatch(w))
        self._lemmas = frozenset(w for w in lemmas if _RUN.fullmatch(w))
        self._substrings = sorted({w.lower() for w in words | lemmas if not _RUN.fullmatch(w)})
        self._lemma = lemma
        self._pieces = _split_runs(tokenizer_rules)

    def may_match(self, text: str) -> bool:
        """False only when no anchor word can be a token of ``text`` (normalised, lower case)."""
        if self.open_always:
            return True
        runs = runs_of(text)
        if not runs.isdisjoint(self._words) or any(s in text for s in self._substrings):
            return True
        words, lemmas, lemma, pieces = self._words, self._lemmas, self._lemma, self._pieces
        split = [p for run in runs if run in pieces for p in pieces[run]]
        split += [p for run in runs if not run.isalpha() and not run.isdigit() for p in _DIGIT_LETTER.findall(run)]
        if not words.isdisjoint(split):
            return True
        return bool(lemmas) and any(lemma(w) in lemmas for w in (*runs, *split))


@lru_cache(maxsize=16)
def runs_of(text: str) -> FrozenSet[str]:
    """The runs of letters and digits in ``text`` (kept for the next language's gate)."""
    return frozenset(_RUN.findall(text))


def _split_runs(rules: Dict[str, Any]) -> Dict[str, FrozenSet[str]]:
    """For each run of letters and digits in a tokenizer special case, the pieces of letters and
    digits that the special case makes and that are not runs of it ("gonna": "gon", "na")."""
    from spacy.attrs import ORTH

    out: Dict[str, Set[str]] = defaultdict(set)
    for key, tokens in rules.items():
        key = key.lower()
        runs = _RUN.findall(key)
        pieces = {str(t.get(ORTH) or t.get("ORTH") or "").lower() for t in tokens}
        odd = {p for p in pieces if p and _RUN.fullmatch(p) and p not in runs}
        for run in runs if odd else ():
            out[run] |= odd
    return {run: frozenset(p) for run, p in out.items()}
