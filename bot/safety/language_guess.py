"""Which of our languages a message is in, when the client did not say.

The crisis reply (``actions/safety.py``) and the AI disclosure line (``bot/disclosure.py``) both
use this guess, so a Spanish crisis message gets its help and the disclosure after it in
Spanish. The common words of each language are in ``content/safety/_language_guess.yml``; a
message needs two more hits for one language than for any other, otherwise there is no guess.
"""
from __future__ import annotations

import re
from typing import Optional

from bot import content

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: Optional[str]) -> Optional[str]:
    """``de``, ``es`` or ``fr`` when the message clearly is; ``None`` when it is unclear (or English)."""
    if not isinstance(text, str):
        return None
    words = [w.lower() for w in _WORD.findall(text)[:200]]
    vocabularies = content.load("safety/_language_guess")
    scores = {code: sum(w in set(vocabulary) for w in words) for code, vocabulary in vocabularies.items()}
    if not scores:
        return None
    best = max(scores, key=scores.get)
    others = max((v for k, v in scores.items() if k != best), default=0)
    return best if scores[best] >= others + 2 else None
