"""Text normalisation before matching, with a map back to the original text.

People in distress type fast: curly apostrophes, "diiiie", "im", "wanna",
"want 2 die". We fold these into the forms the lexicon is written in and keep,
for every character of the normalised text, the index of the character it came
from, so the matched span we report is what the person actually wrote.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

# One-to-one character folding (keeps offsets): apostrophe look-alikes and
# control characters. Zero-width characters are removed on the slow path.
_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4\u2032\uff07"
_FOLD = {ord(c): "'" for c in _APOSTROPHES}
_FOLD.update({i: " " for i in range(32) if i not in (9, 10)})
_FOLD[127] = " "
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_ZW_RE = re.compile("[" + "".join(sorted(_ZERO_WIDTH)) + "]")
_RUN_RE = re.compile(r"\b\w*?([^\W\d_])\1{2,}\w*\b")
_LONG_WORD_RE = re.compile(r"(?<![\w'])[^\W\d_]{4,}(?![\w'])")


@dataclass(frozen=True)
class Normalised:
    """Normalised text plus, per character, the index in the original."""

    text: str
    origin: Optional[List[int]]  # None means "same offsets as the original"

    def span(self, original: str, start: int, end: int) -> str:
        """Return the original substring behind normalised chars [start, end)."""
        if end <= start:
            return ""
        if self.origin is None:
            return original[start:end]
        return original[self.origin[start] : self.origin[end - 1] + 1]


def _fold_chars(text: str) -> Normalised:
    """Lower-case, NFKC-fold and clean characters, tracking offsets."""
    folded = text.translate(_FOLD)
    if not _ZW_RE.search(folded) and unicodedata.is_normalized("NFKC", folded):
        lowered = folded.lower()
        if len(lowered) == len(folded):
            return Normalised(lowered, None)
    out: List[str] = []
    origin: List[int] = []
    for i, ch in enumerate(folded):
        if ch in _ZERO_WIDTH:
            continue
        piece = ch.lower() if ch.isascii() else unicodedata.normalize("NFKC", ch).lower()
        piece = piece.translate(_FOLD)
        out.append(piece)
        origin.extend([i] * len(piece))
    return Normalised("".join(out), origin)


def _substitute(
    norm: Normalised, pattern: "re.Pattern[str]", repl: Callable[["re.Match[str]"], str]
) -> Normalised:
    """Apply a regex substitution to normalised text, keeping the offset map."""
    text = norm.text
    pieces: List[str] = []
    origin: List[int] = []
    base = norm.origin if norm.origin is not None else range(len(text))
    last = 0
    changed = False
    for m in pattern.finditer(text):
        new = repl(m)
        if new == m.group(0):
            continue
        changed = True
        s, e = m.span()
        pieces.append(text[last:s])
        origin.extend(base[last:s])
        pieces.append(new)
        # every new char points into the replaced range; the last one at its end
        origin.extend([base[s]] * max(len(new) - 1, 0) + ([base[e - 1]] if new else []))
        last = e
    if not changed:
        return norm
    pieces.append(text[last:])
    origin.extend(base[last:])
    return Normalised("".join(pieces), list(origin))


class Normaliser:
    """Folds spelling variants and slang using data from the lexicon folder."""

    def __init__(self, replacements: Mapping[str, str], known_words: Iterable[str],
                 fillers: Optional[Mapping[str, Iterable[str]]] = None) -> None:
        """Build from a phrase→replacement map, a set of known words and filler words by language."""
        self._known = frozenset(known_words)
        self._filler_language = {str(w).lower(): code for code, words in (fillers or {}).items() for w in words}
        filler_words = sorted(self._filler_language, key=len, reverse=True)
        self._filler_re: Optional["re.Pattern[str]"] = re.compile(
            r"(?<![\w'])(?:" + "|".join(map(re.escape, filler_words)) + r")(?![\w'])\s*") if filler_words else None
        self._repl = {k.lower(): v for k, v in replacements.items()}
        keys = sorted(self._repl, key=len, reverse=True)
        if keys:
            alts = "|".join(r"\s+".join(map(re.escape, k.split())) for k in keys)
            self._repl_re: Optional["re.Pattern[str]"] = re.compile(
                r"(?<![\w'])(?:" + alts + r")(?![\w'])"
            )
        else:
            self._repl_re = None
        # Set by the detector once the second opinion's vocabulary is known (bot/safety/speller.py).
        self.speller: Optional[Any] = None

    @property
    def replacement_words(self) -> FrozenSet[str]:
        """Every word of the slang phrases and their replacements."""
        return frozenset(w for phrase in [*self._repl, *self._repl.values()] for w in phrase.split())

    def _collapse(self, m: "re.Match[str]") -> str:
        """Shrink runs of 3+ letters ("killl", "diiiie") to a known word."""
        word = m.group(0)
        runs = list(re.finditer(r"([^\W\d_])\1{2,}", word))[:4]
        candidates: List[str] = []
        for mask in range(1 << len(runs)):  # each run shrinks to 2 or to 1 letters
            out, last = [], 0
            for bit, run in enumerate(runs):
                out.append(word[last : run.start()])
                out.append(run.group(1) * (1 if mask >> bit & 1 else 2))
                last = run.end()
            out.append(word[last:])
            candidates.append("".join(out))
        for cand in candidates:
            if cand in self._known or cand in self._repl:
                return cand
        return candidates[-1]  # every run down to one letter

    def _replace(self, m: "re.Match[str]") -> str:
        """Replace a slang phrase by its canonical spelling."""
        key = " ".join(m.group(0).split())
        return self._repl.get(key, m.group(0))

    def __call__(self, text: str) -> Normalised:
        """Normalise ``text`` for matching."""
        norm = _fold_chars(text)
        if _RUN_RE.search(norm.text):
            norm = _substitute(norm, _RUN_RE, self._collapse)
        if self._repl_re is not None and self._repl_re.search(norm.text):
            norm = _substitute(norm, self._repl_re, self._replace)
        return norm

    def spelled(self, norm: Normalised) -> Optional[Tuple[Normalised, List[Tuple[int, int]]]]:
        """``norm`` with misspelt words repaired, and the spans of the repaired words in it; None
        when nothing was repaired. A repair only counts where the lexicon then matches over it."""
        if self.speller is None:
            return None
        repaired = _substitute(norm, _LONG_WORD_RE, self._spell)
        if repaired is norm:
            return None
        before = [m.group(0) for m in _LONG_WORD_RE.finditer(norm.text)]
        spans = [m.span() for i, m in enumerate(_LONG_WORD_RE.finditer(repaired.text))
                 if i >= len(before) or m.group(0) != before[i]]
        return repaired, spans

    def _spell(self, m: "re.Match[str]") -> str:
        """Repair a misspelt word that matters ("botle" → "bottle"); anything else stays."""
        word = m.group(0)
        if word in self._known or word in self._repl:
            return word
        return self.speller.correct(word) or word  # type: ignore[union-attr]


    def without_fillers(self, norm: Normalised) -> Optional[Tuple[Normalised, FrozenSet[str]]]:
        """``norm`` with filler words left out ("i honestly fucking want to die") and the languages
        those fillers belong to, or None if it has none."""
        if self._filler_re is None:
            return None
        found = {self._filler_language.get(m.group(0).strip()) for m in self._filler_re.finditer(norm.text)}
        if not found:
            return None
        return _substitute(norm, self._filler_re, lambda m: ""), frozenset(c for c in found if c)


def split_long(text: str, limit: int, keep: int) -> Sequence[str]:
    """Cut an over-long text to its first and last ``keep`` chars, at spaces."""
    if len(text) <= limit:
        return (text,)
    head = text[:keep]
    cut = head.rfind(" ", keep - 200)
    head = head[:cut] if cut > 0 else head
    tail = text[-keep:]
    cut = tail.find(" ", 0, 200)
    tail = tail[cut + 1 :] if cut >= 0 else tail
    return (head, tail)
