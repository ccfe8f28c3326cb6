"""The safety layer's trained second opinion: how likely a message needs a screening question.

A word and character n-gram logistic regression, trained at build time from the
project's own examples (``content/safety/training/``; see ``training.py``) and
kept as plain JSON weights. Scoring needs no scikit-learn: the n-grams, their
tf-idf weights and the dot product are computed here, equal to scikit-learn's
own transform (a test checks it), in well under a millisecond.

The lexicon stays the precise floor; this model may raise a message to
``check`` on its own, and to ``crisis`` only together with the lexicon
(``bot/safety/verdict.py``). Long messages are scored sentence by sentence.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np

_WHITE = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w+\b")
# Sentences end at . ! ? … or a line break; a message of several is scored per sentence too.
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def sentences(text: str) -> List[str]:
    """The message's sentences (the model scores long messages sentence by sentence)."""
    return [part for part in _SENTENCE.split(text) if part and part.strip()]


MAX_CHARS = 2_000  # longer messages are scored on their sentences only


@dataclass(frozen=True)
class Opinion:
    """How likely the message needs a screening question, and the likeliest category."""

    probability: float
    category: Optional[str]
    words: int = 0  # how many words the message has
    acute: float = 0.0  # given concern, how likely it is a crisis rather than a check


def char_wb_ngrams(text: str, low: int, high: int) -> Iterable[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams inside space-padded words."""
    for word in _WHITE.sub(" ", text).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            offset = 0
            yield padded[offset:offset + n]
            while offset + n < size:
                offset += 1
                yield padded[offset:offset + n]
            if offset == 0:  # a short word is counted once
                break


def word_ngrams(text: str, low: int, high: int) -> Iterable[str]:
    """scikit-learn's ``word`` analyzer with ``token_pattern`` ``\\b\\w+\\b``."""
    tokens = _WORD.findall(text)
    for n in range(low, high + 1):
        for i in range(len(tokens) - n + 1):
            yield " ".join(tokens[i:i + n])


class _Features:
    """One tf-idf vectorizer (sublinear tf, l2 norm) with every output's weights folded in."""

    def __init__(self, kind: str, ngram_range: Sequence[int], vocabulary: Mapping[str, int],
                 idf: Sequence[float], weights: Sequence[Sequence[float]]) -> None:
        self.kind = kind
        self.low, self.high = int(ngram_range[0]), int(ngram_range[1])
        self.index = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64).T.copy()  # (n-grams, outputs)

    def grams(self, text: str) -> Iterable[str]:
        return (char_wb_ngrams if self.kind == "char_wb" else word_ngrams)(text, self.low, self.high)

    def counts(self, text: str) -> Counter:
        """How often each known n-gram occurs in ``text`` (lower-cased already)."""
        index = self.index
        return Counter(index[g] for g in self.grams(text) if g in index)

    @property
    def additive(self) -> bool:
        """Whether a text's n-grams are the sum of its sentences' (true inside words, not across them)."""
        return self.kind == "char_wb"

    def scores(self, text: str, counts: Optional[Counter] = None) -> np.ndarray:
        """Each output's contribution: normalised tf-idf of the message's n-grams times the weights."""
        counts = self.counts(text) if counts is None else counts
        if not counts:
            return np.zeros(self.weights.shape[1])
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[ids]
        values /= np.sqrt(values @ values) or 1.0
        return values @ self.weights[ids]


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 40.0), -40.0)))


class SecondOpinion:
    """Scores messages with the exported model (see :func:`bot.safety.training.export`)."""

    def __init__(self, model: Mapping[str, object]) -> None:
        self.fingerprint = str(model.get("fingerprint", ""))
        self.features = [_Features(**f) for f in model["features"]]  # type: ignore[arg-type]
        self.intercepts: List[float] = list(model["intercepts"])  # type: ignore[arg-type]
        self.categories: List[str] = list(model["categories"])  # type: ignore[arg-type]
        # outputs: concern, then (newer models) acute, then one per category
        self._first_category = 2 if "acute" in (model.get("outputs") or []) else 1  # type: ignore[operator]
        self.thresholds: Dict[str, float] = dict(model["thresholds"])  # type: ignore[arg-type]
        self.split_chars = int(model.get("sentence_split_chars", 400))  # type: ignore[arg-type]
        self.min_words_alone = int(model.get("min_words_alone", 3))  # type: ignore[arg-type]
        safe_words = model.get("safe_words")
        self.safe_words: Optional[List[str]] = list(safe_words) if safe_words is not None else None  # type: ignore[call-overload]

    @classmethod
    def from_file(cls, path: Path) -> "SecondOpinion":
        """Load exported weights."""
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def vocabulary(self) -> Set[str]:
        """The words the model has seen in its safe examples (every word of its examples for older
        weights): a misspelt crisis word written in a worrying example is no ordinary word."""
        if self.safe_words is not None:
            return set(self.safe_words)
        return {gram for feature in self.features if feature.kind == "word"
                for gram in feature.index if " " not in gram}

    def _raw(self, text: str, counts: Optional[List[Optional[Counter]]] = None) -> np.ndarray:
        totals = np.array(self.intercepts, dtype=np.float64)
        for i, feature in enumerate(self.features):
            totals += feature.scores(text, counts[i] if counts is not None else None)
        return totals

    def _one(self, text: str, counts: Optional[List[Optional[Counter]]] = None) -> Tuple[float, float, List[float]]:
        raw = self._raw(text, counts)
        concern = _sigmoid(float(raw[0]))
        acute = _sigmoid(float(raw[1])) if self._first_category == 2 else 0.0
        return concern, acute, raw[self._first_category:].tolist()

    def opinion(self, text: str) -> Opinion:
        """The message's probability of concern (highest of the whole and each sentence)."""
        text = text or ""
        lowered = text.lower()
        parts = sentences(lowered)
        per_sentence = len(parts) > 1 and len(text) > self.split_chars
        scored: List[Tuple[str, Optional[List[Optional[Counter]]]]] = []
        if per_sentence:
            # Sentence n-grams are counted once; inside-word n-grams of the whole are their sum.
            part_counts = [[f.counts(p[:MAX_CHARS]) if f.additive else None for f in self.features]
                           for p in parts[:40]]
            scored = [(p[:MAX_CHARS], c) for p, c in zip(parts, part_counts)]
            if len(text) <= MAX_CHARS:
                whole: List[Optional[Counter]] = []
                for i, feature in enumerate(self.features):
                    if feature.additive and len(parts) <= 40:
                        total: Counter = Counter()
                        for counts in part_counts:
                            total.update(counts[i])
                        whole.append(total)
                    else:
                        whole.append(None)
                scored.insert(0, (lowered, whole))
        elif len(text) <= MAX_CHARS:
            scored = [(lowered, None)]
        else:
            scored = [(lowered[:MAX_CHARS], None)]
        best, best_acute, best_categories = 0.0, 0.0, None
        for part, counts in scored:
            probability, acute, categories = self._one(part, counts)
            if probability > best or best_categories is None:
                best, best_acute, best_categories = probability, acute, categories
        category = None
        if best_categories and self.categories:
            category = self.categories[max(range(len(best_categories)), key=best_categories.__getitem__)]
        return Opinion(best, category, len(_WORD.findall(text[:MAX_CHARS])), best_acute)
