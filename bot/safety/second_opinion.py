"""The safety layer's trained second opinion: how likely a message needs a screening question.

A word and character n-gram logistic regression, trained at build time from the
project's own examples (``content/safety/training/``; see ``training.py``) and
kept as plain JSON weights. Scoring needs no scikit-learn: the n-grams, their
tf-idf weights and the dot product are computed here, equal to scikit-learn's
own transform (``tests/safety/test_second_opinion.py`` checks it).

The lexicon stays the precise floor; this model may raise a message to
``check`` on its own, and to ``crisis`` only together with the lexicon
(``bot/safety/verdict.py``). Long messages are scored sentence by sentence.
"""
from __future__ import annotations

import json
import math
import re
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


_NO_IDS = np.zeros(0, dtype=np.int64)
WORD_CACHE_SIZE = 50_000  # words whose inside-word n-grams are kept (cleared when full)


class _Features:
    """One tf-idf vectorizer (sublinear tf, l2 norm) with every output's weights folded in.

    A text's n-grams are an array of vocabulary ids, one per occurrence. Inside-word n-grams
    (``char_wb``) are looked up once per distinct word and kept: people reuse their words, so a
    message costs little more than a dictionary lookup per word.
    """

    def __init__(self, kind: str, ngram_range: Sequence[int], vocabulary: Mapping[str, int],
                 idf: Sequence[float], weights: Sequence[Sequence[float]]) -> None:
        self.kind = kind
        self.low, self.high = int(ngram_range[0]), int(ngram_range[1])
        self.index = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64).T.copy()  # (n-grams, outputs)
        self._by_word: Dict[str, np.ndarray] = {}

    def ids(self, text: str, tokens: Optional[List[str]] = None) -> np.ndarray:
        """The vocabulary id of every known n-gram occurrence in ``text`` (lower-cased already);
        for word n-grams (scikit-learn's ``word`` analyzer, ``token_pattern`` ``\\b\\w+\\b``),
        ``tokens`` may give the text's words, found already."""
        index = self.index
        if self.kind != "char_wb":
            tokens = _WORD.findall(text) if tokens is None else tokens
            grams: List[str] = []
            for n in range(self.low, self.high + 1):
                if n == 1:
                    grams.extend(tokens)
                elif n == 2:
                    grams.extend([a + " " + b for a, b in zip(tokens, tokens[1:])])
                else:
                    grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
            get = index.get
            found = [i for i in map(get, grams) if i is not None]
            return np.array(found, dtype=np.int64) if found else _NO_IDS
        cache = self._by_word
        parts = []
        for word in text.split():
            ids = cache.get(word)
            if ids is None:
                if len(cache) >= WORD_CACHE_SIZE:
                    cache.clear()
                found = [index[g] for g in char_wb_ngrams(word, self.low, self.high) if g in index]
                ids = cache[word] = np.array(found, dtype=np.int64) if found else _NO_IDS
            parts.append(ids)
        return np.concatenate(parts) if parts else _NO_IDS

    @property
    def additive(self) -> bool:
        """Whether a text's n-grams are the sum of its sentences' (true inside words, not across them)."""
        return self.kind == "char_wb"


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
        # every feature's n-grams in one id space, so a message and its sentences are scored at once
        sizes = [len(f.idf) for f in self.features]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._idf = np.concatenate([f.idf for f in self.features])
        self._weights = np.vstack([f.weights for f in self.features])
        for feature, start, size in zip(self.features, self._offsets.tolist(), sizes):
            feature.weights = self._weights[start:start + size]  # a view: the weights are held once
        self._feature_of = np.repeat(np.arange(len(self.features)), sizes)
        self._intercepts = np.array(self.intercepts, dtype=np.float64)
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

    def _score_rows(self, rows: List[np.ndarray]) -> np.ndarray:
        """Raw outputs (rows × outputs) for texts given as n-gram id arrays in the joint id space of
        all features: per feature, sublinear tf-idf normalised to unit length, times the weights."""
        raw = np.tile(self._intercepts, (len(rows), 1))
        if not any(len(r) for r in rows):
            return raw
        size = len(self._idf)
        row_of = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
        keys, tf = np.unique(row_of * size + np.concatenate(rows), return_counts=True)
        row, gram = np.divmod(keys, size)
        values = (1.0 + np.log(tf)) * self._idf[gram]
        group = row * len(self.features) + self._feature_of[gram]  # each vectorizer is normalised alone
        norms = np.sqrt(np.bincount(group, weights=values * values, minlength=len(rows) * len(self.features)))
        values /= np.where(norms > 0, norms, 1.0)[group]
        pick = (row[None, :] == np.arange(len(rows))[:, None]) * values
        return raw + pick @ self._weights[gram]

    def _ids(self, text: str) -> np.ndarray:
        """``text``'s n-gram ids in the joint space of all features."""
        return np.concatenate([f.ids(text) + self._offsets[i] for i, f in enumerate(self.features)])

    def opinion(self, text: str) -> Opinion:
        """The message's probability of concern (highest of the whole and each sentence)."""
        text = text or ""
        lowered = text.lower()
        parts = sentences(lowered)
        per_sentence = len(parts) > 1 and len(text) > self.split_chars
        rows: List[np.ndarray] = []
        if per_sentence:
            # Sentence n-grams are found once; inside-word n-grams of the whole are their sum.
            # The whole's words are its sentences' words (sentences part at spaces), found once.
            shown = [p[:MAX_CHARS] for p in parts[:40]]
            words = [_WORD.findall(p) for p in shown]
            by_feature = [[f.ids(p, w) + self._offsets[i] for p, w in zip(shown, words)]
                          for i, f in enumerate(self.features)]
            rows = [np.concatenate([ids[k] for ids in by_feature]) for k in range(len(shown))]
            if len(text) <= MAX_CHARS:
                every = len(parts) <= 40  # then no sentence was left out or cut
                whole = [np.concatenate(by_feature[i]) if f.additive and every
                         else f.ids(lowered, [w for ws in words for w in ws] if every else None) + self._offsets[i]
                         for i, f in enumerate(self.features)]
                rows.insert(0, np.concatenate(whole))
        else:
            rows = [self._ids(lowered[:MAX_CHARS])]
        raw = self._score_rows(rows)
        best_row = int(np.argmax(raw[:, 0]))  # the first of the highest (sigmoid keeps the order)
        best = _sigmoid(float(raw[best_row, 0]))
        best_acute = _sigmoid(float(raw[best_row, 1])) if self._first_category == 2 else 0.0
        best_categories = raw[best_row, self._first_category:].tolist()
        category = None
        if best_categories and self.categories:
            category = self.categories[max(range(len(best_categories)), key=best_categories.__getitem__)]
        return Opinion(best, category, len(_WORD.findall(text[:MAX_CHARS])), best_acute)
