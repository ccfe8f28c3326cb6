"""What the asker answered to "which wording would you like?" (words in content/coaching/choices.yml)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Optional, Tuple

from bot import content

SHORT = 6  # a choice is said in a few words; anything longer is the asker's own wording
OWN_WORDING_MIN_WORDS = 3


def _pattern(words) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w#])(" + "|".join(str(w) for w in words) + r")(?![\w])", re.I)


@lru_cache(maxsize=1)
def _words() -> Dict[str, object]:
    spec = content.load("coaching/choices")
    return {"own": _pattern(spec["own"]), "keep": _pattern(spec["keep"]),
            "numbers": {int(n): _pattern(ws) for n, ws in spec["numbers"].items()}}


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", str(text or "").replace("’", "'")).strip()[:300]


def read_choice(text: str, offered: int, own_mode: bool = False) -> Tuple[str, Optional[object]]:
    """One of ("pick", n), ("keep", None), ("own", None), ("words", text), ("unclear", None).

    ``own_mode``: the asker asked to write their own words, so any question with words is theirs.
    """
    said = _clean(text)
    words = re.findall(r"[^\W_]+", said)
    short = len(words) <= SHORT
    table = _words()
    if short:
        if table["own"].search(said):
            return "own", None
        found = {n: max(len(m.group(0)) for m in pattern.finditer(said))
                 for n, pattern in table["numbers"].items() if n <= offered and pattern.search(said)}
        best = sorted(found.items(), key=lambda f: -f[1])
        if best and len(words) <= 4 and (len(best) == 1 or best[0][1] > best[1][1]):  # "the second one": 2
            return "pick", best[0][0]
        if table["keep"].search(said) or content.words("question_choice", "keep").search(said):
            return "keep", None
        if not own_mode and len(words) <= 3 and content.words("question_choice", "gentler").search(said):
            return "pick", 1
    if len(words) >= (2 if own_mode else OWN_WORDING_MIN_WORDS):
        return "words", said
    return "unclear", None
