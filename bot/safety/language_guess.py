"""Which of our languages a message is in, when the client did not say.

The crisis reply (``actions/crisis_reply.py``), the welcome (``actions/session.py``), the AI disclosure
line (``bot/disclosure.py``) and the detector (where two languages share a word, ``bot/safety/settled.py``)
all use this guess, so a Spanish crisis message gets its help and the disclosure after it in Spanish.

Each language scores points (``content/safety/_language_guess.yml``): its common words, its sure words
(greetings, thanks, "ich", "je": two points), words holding its letters ("ñ", "ä", "ç"), word endings
("-amos": we), its signs ("¿", "¡": two points) and, for French, elisions ("j'ai", "qu'on"). English
scores its own common words, so "I'm" or "I will die" is never taken for French or German. A message is
German, Spanish or French when that language has two more points than any other, English included;
otherwise there is no guess (English). Short lines with clear signs ("¿hacia dónde vamos?", "wo stehen
wir?", "j'ai peur") get there.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, FrozenSet, NamedTuple, Optional, Tuple

from bot import content

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A French elision starts a word: "j'ai", "qu'on", "l'aime" (never "I'm", "don't", "it's").
_ELISION = re.compile(r"(?<![^\W\d_])(?:[cdjlmnst]|qu)['’](?=[^\W\d_])", re.IGNORECASE | re.UNICODE)
MARGIN = 2
GUESSED = ("de", "es", "fr")  # English is never a guess: it is what a message is without one


class _Language(NamedTuple):
    words: FrozenSet[str]
    sure_words: FrozenSet[str]
    letters: FrozenSet[str]
    signs: FrozenSet[str]
    endings: Tuple[str, ...]
    elision: bool


@lru_cache(maxsize=1)
def _languages() -> Dict[str, _Language]:
    """Each language's signs, as sets (the detector asks for every message)."""
    def entry(spec: Dict[str, Any]) -> _Language:
        return _Language(frozenset(str(w).lower() for w in spec.get("words") or ()),
                         frozenset(str(w).lower() for w in spec.get("sure_words") or ()),
                         frozenset(str(spec.get("letters") or "")), frozenset(str(spec.get("signs") or "")),
                         tuple(str(e).lower() for e in spec.get("endings") or ()), bool(spec.get("elision")))

    return {code: entry(spec) for code, spec in content.load("safety/_language_guess").items()}


def scores(text: str) -> Dict[str, int]:
    """Each language's points for ``text`` (the first 200 words)."""
    words = [w.lower() for w in _WORD.findall(text)[:200]]
    elisions = len(_ELISION.findall(text))
    result = {}
    for code, lang in _languages().items():
        points = sum(1 for w in words if w in lang.words) + sum(2 for w in words if w in lang.sure_words)
        points += sum(1 for w in words if lang.letters and not lang.letters.isdisjoint(w))
        points += sum(1 for w in words if lang.endings and len(w) > 5 and w.endswith(lang.endings))
        points += 2 if any(sign in text for sign in lang.signs) else 0
        points += elisions if lang.elision else 0
        result[code] = points
    return result


def guess_language(text: Optional[str]) -> Optional[str]:
    """``de``, ``es`` or ``fr`` when the message clearly is; ``None`` when it is unclear (or English)."""
    if not isinstance(text, str):
        return None
    points = scores(text)
    guessed = {code: value for code, value in points.items() if code in GUESSED}
    if not guessed:
        return None
    best = max(guessed, key=guessed.get)
    others = max((v for k, v in points.items() if k != best), default=0)
    return best if points[best] >= others + MARGIN else None
