"""A spaCy ``Matcher`` split into small matchers that only run when they can match.

spaCy's ``Matcher`` tries every pattern at every token, so its cost grows with
the size of the lexicon (~5 ms for a 300-character message with ours). Every
pattern has at least one required token; we pick its rarest one as the
pattern's *anchor* and group patterns by anchor. A group's matcher runs only
when the message contains one of the anchor's words, which is exact: a pattern
cannot match without its anchor token. Most messages run no group at all, and
a group that runs only looks at the tokens around its anchor (spaCy's cost per
call grows with the number of tokens it is given).
"""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import numpy

_ATTRS = ("LOWER", "LEMMA", "ORTH", "NORM")


def _values(spec: Dict[str, Any]) -> Optional[Tuple[str, FrozenSet[str]]]:
    """(attr, values) if ``spec`` requires one of a fixed set of strings."""
    if spec.get("OP") in ("?", "*", "!"):
        return None
    for attr in _ATTRS:
        val = spec.get(attr)
        if isinstance(val, str):
            return attr, frozenset([val])
        if isinstance(val, dict) and set(val) == {"IN"}:
            return attr, frozenset(str(v) for v in val["IN"])
    return None


def choose_anchor(pattern: List[Dict[str, Any]], common: FrozenSet[str]) -> Optional[Tuple[int, str, FrozenSet[str]]]:
    """(index, attr, words) of the required token with the least common words."""
    candidates = [(i, *v) for i, v in enumerate(_values(s) for s in pattern) if v is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (sum(1 for w in c[2] if w in common), len(c[2]), c[0]))


class AnchoredMatcher:
    """Same results as one ``Matcher`` holding every pattern, much less work per text."""

    def __init__(self, vocab: Any, common: Iterable[str]) -> None:
        """Start empty; ``common`` are words too frequent to make good anchors."""
        self.vocab = vocab
        self.common = frozenset(w.lower() for w in common)
        self._groups: Dict[Tuple[str, FrozenSet[str]], Any] = {}
        # id(matcher) -> (most tokens before, most tokens after) an anchor; None = unbounded
        self._reach: Dict[int, Optional[Tuple[int, int]]] = {}
        self._always: Optional[Any] = None
        self._index: Dict[str, Dict[int, List[Any]]] = {}  # attr -> word hash -> matchers
        self._sorted: Dict[str, Any] = {}  # attr -> sorted array of its anchor hashes (built on first call)
        self.patterns: List[Tuple[str, List[Dict[str, Any]]]] = []  # everything added, for tests

    def _matcher(self) -> Any:
        """A fresh spaCy Matcher on our vocab."""
        from spacy.matcher import Matcher

        return Matcher(self.vocab, validate=False)  # patterns are validated when compiled

    def add(self, key: str, patterns: Iterable[List[Dict[str, Any]]]) -> None:
        """Add patterns under ``key`` (raises spaCy's error for a bad pattern)."""
        for pattern in patterns:
            self.patterns.append((key, pattern))
            chosen = choose_anchor(pattern, self.common)
            if chosen is None:
                if self._always is None:
                    self._always = self._matcher()
                self._always.add(key, [pattern])
                continue
            index, anchor = chosen[0], (chosen[1], chosen[2])
            matcher = self._groups.get(anchor)
            if matcher is None:
                matcher = self._groups[anchor] = self._matcher()
                by_word = self._index.setdefault(anchor[0], {})
                for word in anchor[1]:
                    by_word.setdefault(self.vocab.strings.add(word), []).append(matcher)
                self._sorted.clear()
            matcher.add(key, [pattern])
            bounded = all(spec.get("OP") not in ("+", "*") for spec in pattern)
            old = self._reach.get(id(matcher), (0, 0))
            if bounded and old is not None:
                self._reach[id(matcher)] = (max(old[0], index), max(old[1], len(pattern) - index - 1))
            else:
                self._reach[id(matcher)] = None

    @property
    def has_unanchored(self) -> bool:
        """Whether some pattern has no anchor (it runs on every text)."""
        return self._always is not None

    def anchor_words(self) -> Dict[str, Set[str]]:
        """attr -> every anchor word of that attribute."""
        out: Dict[str, Set[str]] = {}
        for attr, words in self._groups:
            out.setdefault(attr, set()).update(words)
        return out

    def __len__(self) -> int:
        """Number of matcher groups."""
        return len(self._groups) + (self._always is not None)

    def __call__(self, doc: Any) -> List[Tuple[int, int, int]]:
        """All (match_id, start, end) of every pattern in ``doc``."""
        from spacy.attrs import IDS

        attrs = list(self._index)
        if not attrs:
            return self._always(doc) if self._always is not None else []
        table = doc.to_array([IDS[a] for a in attrs])
        if len(attrs) == 1:
            table = table.reshape(-1, 1)
        todo: Dict[int, Tuple[Any, List[int]]] = {}
        for col, attr in enumerate(attrs):
            index = self._index[attr]
            column = table[:, col]
            # Which tokens are anchors: a binary search in the sorted anchor hashes, not a Python loop
            anchors = self._anchors(attr)
            at = numpy.minimum(numpy.searchsorted(anchors, column), len(anchors) - 1)
            for pos in numpy.flatnonzero(anchors[at] == column).tolist():
                for matcher in index[int(column[pos])]:
                    todo.setdefault(id(matcher), (matcher, []))[1].append(pos)
        matches: Set[Tuple[int, int, int]] = set()
        if self._always is not None:
            matches.update(self._always(doc))
        n = len(doc)
        for key, (matcher, positions) in todo.items():
            reach = self._reach[key]
            if reach is None:
                matches.update(matcher(doc))
                continue
            for start, end in _windows(positions, reach, n):
                matches.update((m, s + start, e + start) for m, s, e in matcher(doc[start:end]))
        return sorted(matches, key=lambda m: (m[1], m[2], m[0]))

    def _anchors(self, attr: str) -> Any:
        """The anchor word hashes of ``attr``, sorted (uint64, as spaCy's arrays)."""
        found = self._sorted.get(attr)
        if found is None:
            found = self._sorted[attr] = numpy.array(sorted(self._index[attr]), dtype="uint64")
        return found


def _windows(positions: List[int], reach: Tuple[int, int], n: int) -> List[Tuple[int, int]]:
    """Merged token windows around anchors wide enough for any pattern of the group."""
    out: List[Tuple[int, int]] = []
    before, after = reach
    for pos in sorted(positions):
        start, end = max(0, pos - before), min(n, pos + after + 1)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
