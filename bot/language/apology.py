"""Words that take ownership away from an apology, and defensive replies to pain.

The lists live in ``content/apology.yml`` (read once through ``bot.content``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from bot import content

MAX_TEXT = 1000


@dataclass(frozen=True)
class OwningNote:
    """What was noticed in one part of an apology, and an owning way to say it."""

    kind: str  # minimising | justifying | blaming | rushing
    note: str
    instead: str


@lru_cache(maxsize=1)
def _owning() -> Tuple[Tuple[str, "re.Pattern[str]", str, str], ...]:
    kinds = content.load("apology")["owning"]
    return tuple((kind, re.compile("|".join(f"(?:{p})" for p in _patterns(spec)), re.I),
                  str(spec["note"]), str(spec["instead"])) for kind, spec in kinds.items())


def _patterns(spec: dict) -> List[str]:
    """A kind's English patterns and its German, Spanish and French ones (``patterns_by_language``)."""
    others = spec.get("patterns_by_language") or {}
    return [str(p) for p in spec["patterns"]] + [str(p) for lang in sorted(others) for p in others[lang]]


def owning_note(text: str, language: str = "en") -> Optional[OwningNote]:
    """The first kind of minimising, justifying, blame-shifting or rushing in ``text``, if any.

    Words of every language are recognised; the note and the owning alternative are said in ``language``
    (``content/apology_i18n/<language>.yml``, else English).
    """
    from bot import private_words

    text = _normalise(text)
    for kind, pattern, note, instead in _owning():
        if pattern.search(text):
            return OwningNote(kind, str(private_words.word("apology", language, "owning", kind, "note", english=note)),
                              str(private_words.word("apology", language, "owning", kind, "instead",
                                                     english=instead)))
    return None


@lru_cache(maxsize=1)
def _send_words() -> Tuple["re.Pattern[str]", "re.Pattern[str]"]:
    send = content.load("apology")["send"]
    return tuple(re.compile(r"\b(" + "|".join(str(w) for w in send[k]) + r")\b", re.I)  # type: ignore[return-value]
                 for k in ("send_it", "keep_it"))


def send_choice(text: str) -> Optional[bool]:
    """True for a clear yes to sending, False for a no, None when unclear. A no always wins."""
    text = _normalise(text)
    yes, no = _send_words()
    if no.search(text):
        return False
    if yes.search(text):
        return True
    return None


@lru_cache(maxsize=1)
def _defensive() -> Tuple["re.Pattern[str]", ...]:
    return tuple(re.compile(p, re.I) for p in content.load("apology")["empathy"]["defensive"])


@lru_cache(maxsize=1)
def _reported() -> Tuple["re.Pattern[str]", ...]:
    empathy = content.load("apology")["empathy"]
    taken_back = "|".join(f"(?:{p})" for p in empathy.get("taken_back") or ["(?!)"])
    return tuple(re.compile(str(empathy.get(key) or "(?!)"), re.I)
                 for key in ("reported_speech", "quoted_before", "quoted_after")) + (re.compile(taken_back, re.I),)


def is_defensive(text: str) -> bool:
    """True when ``text`` denies, defends, counter-attacks or rushes the other's pain.

    Words quoted from someone else ("you make it sound like it was nothing") never count, and a defence
    the speaker only reports and then takes back ("I kept saying we just talked. It was a lie") is owning.
    """
    text = _normalise(text)
    speech, quoted_before, quoted_after, taken_back = _reported()
    owned = bool(taken_back.search(text))
    for pattern in _defensive():
        for found in pattern.finditer(text):
            before, after = text[max(0, found.start() - 50):found.start()], text[found.end():found.end() + 30]
            if quoted_before.search(before) or quoted_after.search(after):
                continue
            if owned and speech.search(before):
                continue
            return True
    return False


def nudges() -> List[str]:
    """Every reflect-first suggestion, in every language (content/apology.yml)."""
    empathy = content.load("apology")["empathy"]
    others = empathy.get("nudges_by_language") or {}
    return [str(n) for n in empathy["nudges"]] + [str(n) for lang in sorted(others) for n in others[lang]]


def nudges_in(text: str, told: Optional[str] = None) -> List[str]:
    """The suggestions in the reply's language: its own when clear, else the client's, else English."""
    from bot.safety.language_guess import guess_language

    empathy = content.load("apology")["empathy"]
    others = empathy.get("nudges_by_language") or {}
    language = guess_language(text) or str(told or "en")[:2].lower()
    return [str(n) for n in others.get(language) or empathy["nudges"]]


def nudge_every() -> int:
    """At most one nudge in this many messages."""
    return int(content.load("apology")["empathy"].get("every_messages", 6))


def draft(parts: Sequence[Optional[str]]) -> str:
    """The writer's own answers as one apology: each a sentence, nothing added but punctuation."""
    sentences = []
    for part in parts:
        part = " ".join(str(part or "").split())[:MAX_TEXT]
        if not part:
            continue
        part = part[0].upper() + part[1:]
        if part[-1] not in ".!?…\"'”":
            part += "."
        sentences.append(part)
    return " ".join(sentences)


def _normalise(text: str) -> str:
    return str(text or "")[:MAX_TEXT].replace("’", "'").replace("‘", "'")
