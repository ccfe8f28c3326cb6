"""Which of our languages a message is in, when the client did not say.

The crisis reply (``actions/crisis_reply.py``), the AI disclosure line (``bot/disclosure.py``) and the
detector (where two languages share a word, ``bot/safety/settled.py``) all
use this guess, so a Spanish crisis message gets its help and the disclosure after it in
Spanish. The common words of each language are in ``content/safety/_language_guess.yml``; a
message needs two more hits for one language than for any other, otherwise there is no guess.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Optional

from bot import content

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _vocabularies() -> Dict[str, FrozenSet[str]]:
    """Each language's common words, as sets (the detector asks for every message)."""
    return {code: frozenset(words) for code, words in content.load("safety/_language_guess").items()}


def guess_language(text: Optional[str]) -> Optional[str]:
    """``de``, ``es`` or ``fr`` when the message clearly is; ``None`` when it is unclear (or English)."""
    if not isinstance(text, str):
        return None
    words = [w.lower() for w in _WORD.findall(text)[:200]]
    scores = {code: sum(w in vocabulary for w in words) for code, vocabulary in _vocabularies().items()}
    if not scores:
        return None
    best = max(scores, key=scores.get)
    others = max((v for k, v in scores.items() if k != best), default=0)
    return best if scores[best] >= others + 2 else None
