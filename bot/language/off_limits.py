"""What a couple put off limits, by meaning: a rule naming one word of a topic covers the topic.

``off_limits_topics("did you sleep with her in our bed", "no sexual details")`` → ``("sex and intimacy",)``.
Topics and their words are in ``content/off_limits.yml``; the rule's own words still count as well
(``bot.language.coaching.off_limits_hits``).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from bot import content

MAX_TEXT = 2000


def _plain(text: str) -> str:
    text = str(text or "")[:MAX_TEXT].lower().replace("’", "'")
    return " " + re.sub(r"[^\w']+", " ", text).strip() + " "


@lru_cache(maxsize=1)
def _topics() -> Dict[str, "re.Pattern[str]"]:
    topics = content.load("off_limits")["topics"]
    return {name: re.compile(r"(?<![\w'])(?:" + "|".join(sorted((re.escape(str(w).lower()) for w in words),
                                                                 key=len, reverse=True)) + r")", re.I)
            for name, words in topics.items()}


def topics_in(text: str) -> List[str]:
    """The topics ``text`` touches, in the content file's order."""
    plain = _plain(text)
    return [name for name, pattern in _topics().items() if pattern.search(plain)]


def off_limits_topics(question: str, off_limits: Optional[str]) -> Tuple[str, ...]:
    """The off-limits topics (by meaning) that ``question`` touches."""
    if not off_limits or not question:
        return ()
    ruled = set(topics_in(off_limits))
    return tuple(name for name in topics_in(question) if name in ruled)


def belongs_to(text: str) -> Optional[str]:
    """The rules question an answer clearly belongs to ("off_limits"), or None."""
    plain = str(text or "")[:MAX_TEXT].lower().replace("’", "'")
    for key, patterns in (content.load("off_limits").get("belongs_to") or {}).items():
        if any(re.search(p, plain) for p in patterns):
            return str(key)
    return None


def reads_as_rule_answer(text: str) -> bool:
    """True when a message in the rules form reads as an agreement, even one that mentions a pause."""
    plain = str(text or "")[:MAX_TEXT].lower().replace("’", "'")
    return any(re.search(p, plain) for p in content.load("off_limits").get("rule_answer_markers") or ())
