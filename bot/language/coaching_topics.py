"""The person's own topic in a question ("the photos", "the nights away", "that night at the wedding").

Words and rules are in ``content/coaching/topics.yml``. English keeps the person's own words
(all-capital words made lower-case); German, Spanish and French give the noun its article
(German in the nominative), so the topic fits the wordings' frames.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

from bot import content

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)
# French and Spanish: an elided article stands alone ("l'hôtel" is "l'" and "hôtel")
_ELIDED = re.compile(r"(?:[lLdDjJmMtTsScCnN]|[qQ]u)['’](?=[^\W\d_])|[^\W\d_]+(?:-[^\W\d_]+)*|\d+", re.UNICODE)
MAX_NOUN_WORDS = 3


@lru_cache(maxsize=1)
def _lexicon() -> dict:
    return content.load("coaching/topics")


def _tokens(text: str, pattern: "re.Pattern[str]" = _TOKEN) -> List[Tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]


def _lower(word: str) -> str:
    return word.lower().replace("’", "'")


def _noun_at(words: Sequence[str], i: int, nouns: Dict[str, str]) -> int:
    """How many words from ``i`` make the longest noun of ``nouns`` (0 when none)."""
    for size in range(MAX_NOUN_WORDS, 0, -1):
        if " ".join(words[i:i + size]) in nouns and i + size <= len(words):
            return size
    return 0


@lru_cache(maxsize=4)
def _en_nouns() -> Dict[str, str]:
    spec = _lexicon()["en"]
    nouns = {str(w).lower(): "people" for w in spec["people"]}
    nouns.update({str(w).lower(): "things" for w in spec["things"]})
    return nouns


def _display(word: str) -> str:
    return word.lower() if len(word) > 1 and word.isupper() else word


def _en_topic(text: str) -> Optional[str]:
    spec = _lexicon()["en"]
    tokens = _tokens(text)
    words = [_lower(t[0]) for t in tokens]
    nouns = _en_nouns()
    determiners = {str(d) for d in spec["determiners"]}
    breakers = set(spec["breakers"]) | determiners
    found: List[Tuple[int, str]] = []  # (rank, topic)
    i = 0
    while i < len(words):
        size = _noun_at(words, i, nouns)
        if not size:
            i += 1
            continue
        start = None
        for back in range(1, 4):  # a determiner, with at most two words between it and the noun
            j = i - back
            if j < 0:
                break
            if words[j] in determiners:
                start = j
                for extra in (2, 1):  # "all of the", "all those"
                    if j - extra >= 0 and " ".join(words[j - extra:j + 1]) in determiners:
                        start = j - extra
                        break
                break
            if words[j] in breakers:
                break
        end = i + size  # exclusive, in tokens
        tail = end
        if end < len(words) and words[end] in spec["tails"]:
            tail = end + 1
        elif end + 1 < len(words) and words[end] in spec["linking"]:
            after = end + 1
            if words[after] in determiners and after + 1 < len(words):
                more = _noun_at(words, after + 1, nouns)
                if more:
                    tail = after + 1 + more
            elif tokens[after][0][:1].isupper() and words[after] not in breakers and words[after] != "i":
                tail = after + 1
        phrase = " ".join(_display(t[0]) for t in tokens[start if start is not None else i:tail])
        phrase = re.sub(r"\s+", " ", phrase).strip()
        if start is None:
            phrase = f"{spec['default_article']} {phrase}"
        # things before people, and a phrase with the person's own determiner before a bare noun
        rank = (0 if nouns[" ".join(words[i:i + size])] == "things" else 2) + (start is None)
        found.append((rank, phrase))
        i = tail
    if not found:
        return None
    return sorted(found, key=lambda f: f[0])[0][1]


def _article_topic(text: str, lang: str) -> Optional[str]:
    spec = _lexicon()[lang]
    tokens = _tokens(text, _ELIDED if lang == "fr" else _TOKEN)
    words = [_lower(t[0]) for t in tokens]
    nouns = {str(k).lower(): str(v) for k, v in spec["nouns"].items()}
    determiners = {str(k).lower(): str(v) for k, v in spec["determiners"].items()}
    breakers = set(spec.get("breakers") or [])
    for i in range(len(words)):
        size = _noun_at(words, i, nouns)
        if not size:
            continue
        noun_words = [t[0] for t in tokens[i:i + size]]
        noun = " ".join(noun_words)
        if lang == "de":
            noun = noun[:1].upper() + noun[1:]
        value = nouns[" ".join(words[i:i + size])]
        kind, kept = None, None
        for back in (1, 2):
            j = i - back
            if j < 0 or (words[j] in breakers and words[j] not in determiners):
                break
            if words[j] in determiners:
                kind = determiners[words[j]]
                kept = " ".join(t[0] for t in tokens[j:i]).lower()
                break
        if lang == "de":
            forms = spec["forms"]
            return f"{forms[kind if kind in forms else 'article'][value]} {noun}"
        if kind == "keep" and kept:
            return f"{kept} {noun}"
        article = value
        return f"{article}{noun}" if article.endswith("'") else f"{article} {noun}"
    return None


def find_topic(text: str, lang: str = "en") -> Optional[str]:
    """The topic of ``text`` in the words of language ``lang``, or None when it names none."""
    text = str(text or "")[:2000]
    if lang != "en" and lang in _lexicon():
        return _article_topic(text, lang)
    return _en_topic(text)
