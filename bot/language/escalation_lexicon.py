"""The escalation lexicon: ``content/escalation.yml`` compiled into patterns.

The words (insults, contempt, sarcasm, absolutes, blame, angry threats to leave,
profanity aimed at the partner, shouting) are data; this module turns them into
regular expressions once per file. ``bot.language.escalation`` does the scoring.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

from bot import content

DEFAULT_LEXICON_PATH = content.path_of("escalation")


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    weight: float
    negatable: bool = False
    self_check: str = ""  # "", "any" (any first-person word) or "copula" ("i am/was")
    reported_check: bool = False


@dataclass(frozen=True)
class Category:
    name: str
    signal: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Lexicon:
    """The compiled contents of ``content/escalation.yml``."""

    threshold: float
    max_chars: int
    extra_hit_factor: float
    max_hits: int
    context_words: int
    negators: frozenset[str]
    first_person: frozenset[str]
    first_person_copula: frozenset[str]
    reported_speech: frozenset[str]
    categories: tuple[Category, ...]
    short_message_words: int
    short_words: frozenset[str]
    short_signal: str
    short_weight: float
    shouting: Mapping[str, Any]
    shouting_ignore: frozenset[str]
    exclamation: Mapping[str, Any]
    scare_quotes: Mapping[str, Any]
    history: Mapping[str, Any]
    second_opinion: Mapping[str, Any] = None  # type: ignore[assignment]


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first, spaces flexible."""
    phrases = sorted({str(w).lower().replace("'", "") for w in words}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(part) for part in p.split()) for p in phrases)


def _self_mode(value: Any) -> str:
    if value in (True, "any", "true"):
        return "any"
    return "copula" if value == "copula" else ""


def _compile_category(raw: Mapping[str, Any]) -> Category:
    weight = float(raw.get("weight", 1.0))
    negatable = bool(raw.get("negatable", False))
    self_check = _self_mode(raw.get("self_check", False))
    reported = bool(raw.get("reported_speech_check", False))
    patterns = []
    for item in raw.get("patterns", []):
        spec = item if isinstance(item, Mapping) else {"pattern": item}
        patterns.append(Pattern(
            regex=re.compile(str(spec["pattern"])),
            weight=float(spec.get("weight", weight)),
            negatable=bool(spec.get("negatable", negatable)),
            self_check=_self_mode(spec["self_check"]) if "self_check" in spec else self_check,
            reported_check=bool(spec.get("reported_speech_check", reported)),
        ))
    return Category(str(raw["name"]), str(raw.get("signal", raw["name"])), tuple(patterns))


def _compile_aimed(aimed: Mapping[str, Any]) -> list[Category]:
    """One category per group of words aimed at "you" ("youre a pathetic liar")."""
    you = _alternation(aimed["second_person"])
    fillers = _alternation(aimed["fillers"])
    not_after = _alternation(aimed.get("not_followed_by", [])) or "(?!)"
    copula = _alternation(aimed.get("copula", [])) or "(?!)"
    gap_stop = _alternation(aimed.get("gap_stop", [])) or "(?!)"
    free = int(aimed.get("free_words", 0))
    categories = []
    for group in aimed.get("groups", []):
        words = "|".join(filter(None, [_alternation(group.get("words", []))]
                                + [str(p) for p in group.get("patterns", [])]))
        tail = rf"\s+(?:{words})s?\b(?!\s+(?:{not_after})\b)"
        # "you <fillers> word", or "you are <any few words> word" after a copula
        regex = re.compile(
            rf"\b(?:(?:{you})(?:\s+(?:{fillers})){{0,4}}"
            rf"|(?:{copula})(?:\s+(?!(?:{gap_stop})\b)[\w-]+){{0,{free}}}?){tail}"
        )
        pattern = Pattern(regex, float(group.get("weight", 1.0)), negatable=True, reported_check=True)
        signal = str(group.get("signal", "insult"))
        categories.append(Category(f"aimed_{signal}", signal, (pattern,)))
    return categories


def _build_lexicon(raw: Mapping[str, Any]) -> Lexicon:
    aimed = raw.get("aimed", {})
    shouting = dict(raw.get("shouting", {}))
    return Lexicon(
        threshold=float(raw["threshold"]),
        max_chars=int(raw.get("max_chars", 20000)),
        extra_hit_factor=float(raw.get("extra_hit_factor", 0.5)),
        max_hits=int(raw.get("max_hits_per_category", 3)),
        context_words=int(raw.get("context_words", 3)),
        negators=frozenset(str(w) for w in raw.get("negators", [])),
        first_person=frozenset(str(w) for w in raw.get("first_person", [])),
        first_person_copula=frozenset(str(w) for w in raw.get("first_person_copula", [])),
        reported_speech=frozenset(str(w) for w in aimed.get("reported_speech", [])),
        categories=tuple(_compile_aimed(aimed) if aimed else [])
        + tuple(_compile_category(c) for c in raw.get("categories", [])),
        short_message_words=int(aimed.get("short_message_words", 0)),
        short_words=frozenset(str(w).lower() for w in aimed.get("short_words", [])),
        short_signal=str(aimed.get("short_signal", "insult")),
        short_weight=float(aimed.get("short_weight", 1.0)),
        shouting=shouting,
        shouting_ignore=frozenset(str(w) for w in shouting.get("ignore", [])),
        exclamation=dict(raw.get("exclamation", {})),
        scare_quotes=dict(raw.get("scare_quotes", {})),
        history=dict(raw.get("history", {})),
        second_opinion=dict(raw.get("second_opinion", {})),
    )


@lru_cache(maxsize=8)
def _load_cached(path: str) -> Lexicon:
    return _build_lexicon(content.read(path))


def load_lexicon(path: Optional[Union[str, Path]] = None) -> Lexicon:
    """Load and compile the escalation lexicon, reading each file only once."""
    return _load_cached(str(Path(path) if path is not None else DEFAULT_LEXICON_PATH))
