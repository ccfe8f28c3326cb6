"""The escalation lexicon's score of one message (and of a few in a row).

Reads the patterns compiled by ``bot.language.escalation_lexicon`` from ``content/escalation.yml``
and scores a message by category: phrases (with negation and quoted-words rules), shouting and
exclamation. ``bot.language.escalation`` adds the trained second opinion and the conversation's
history. Nothing here logs what anyone wrote.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping, Optional, Sequence

from bot.language.escalation_lexicon import Lexicon, Pattern, load_lexicon

__all__ = ["lexicon_assessment", "lexicon_score", "prepare_text", "score_message"]

# curly and typographic quotes become plain ' and "
_QUOTES = str.maketrans("\u2018\u2019\u201a\u201b\u02bc\u2032`\u00b4\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033",
                        "'" * 8 + '"' * 7)
# control characters except tab and newline; also lone surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_QUOTED = re.compile(r'"([^"\n]{0,300})"')
# 'single quotes' only when they open after a space and close before one, so
# apostrophes ("you're", "the kids' room") are left alone
_SINGLE_QUOTED = re.compile(r"(?:(?<=\s)|^)'([^'\n]{1,60})'(?=[\s.,!?;:]|$)")
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w-]+")
_CANNOT = re.compile(r"\bcan\s?not\b")
_CLAUSE_BREAK = re.compile(r"[,.;:!?…\n]")


def _coerce(text: Any) -> str:
    """Turn whatever arrived into a string without ever raising."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", "replace")
    return text if isinstance(text, str) else str(text)


def _prepare(text: str, max_chars: int) -> str:
    """Normalise unicode, quotes and control characters, and bound the length."""
    text = _CONTROL.sub(" ", text[:max_chars])
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


def _preceding_words(text: str, start: int, n: int) -> list[str]:
    """The last ``n`` words before ``start`` within the same clause."""
    window = _CLAUSE_BREAK.split(text[max(0, start - 60):start])[-1]
    return _WORD.findall(window)[-n:]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans share at least half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and 2 * shared >= min(a[1] - a[0], b[1] - b[0])


def _best_hits(spans: list[tuple[int, int, float]], limit: int) -> list[float]:
    """Weights of the strongest distinct matches, so one phrase counts once."""
    taken: list[tuple[int, int]] = []
    weights: list[float] = []
    for start, end, weight in sorted(spans, key=lambda s: (-s[2], s[0])):
        if any(_overlaps((start, end), t) for t in taken):
            continue
        taken.append((start, end))
        weights.append(weight)
        if len(weights) >= limit:
            break
    return weights


def _skipped(lex: Lexicon, pat: Pattern, lower: str, start: int) -> bool:
    """Whether the words just before a match make it negated, self-directed or reported."""
    wider = _preceding_words(lower, start, lex.context_words + 2)
    before = wider[-lex.context_words:] if lex.context_words else []
    if pat.negatable and any(w in lex.negators for w in before) and "why" not in wider:
        return True
    if pat.self_check == "any" and any(w in lex.first_person for w in before):
        return True
    if pat.self_check == "copula" and any(w in lex.first_person_copula for w in before):
        return True
    return pat.reported_check and any(w in lex.reported_speech for w in before)


def _score_phrases(lex: Lexicon, lower: str) -> dict[str, float]:
    """Score every lexicon category on lowercase, apostrophe-free text."""
    scores: dict[str, float] = {}

    def add(signal: str, hits: list[float]) -> None:
        if hits:
            value = hits[0] + sum(h * lex.extra_hit_factor for h in hits[1:])
            scores[signal] = scores.get(signal, 0.0) + value

    for cat in lex.categories:
        spans: list[tuple[int, int, float]] = []
        for pat in cat.patterns:
            for m in pat.regex.finditer(lower):
                if not _skipped(lex, pat, lower, m.start()):
                    spans.append((m.start(), max(m.end(), m.start() + 1), pat.weight))
                if len(spans) >= 50:  # plenty to pick the strongest few from
                    break
        add(cat.signal, _best_hits(spans, lex.max_hits))

    if lex.short_signal not in scores and lex.short_message_words:
        tokens = _TOKEN.findall(lower)
        if (0 < len(tokens) <= lex.short_message_words
                and any(t in lex.short_words or t.rstrip("s") in lex.short_words for t in tokens)
                and not any(t in lex.first_person or t in lex.negators for t in tokens)):
            add(lex.short_signal, [lex.short_weight])
    return scores


def _score_shouting(lex: Lexicon, text: str) -> dict[str, float]:
    """Score capitals: whole-message shouting or a few emphasised words."""
    cfg = lex.shouting
    if not cfg:
        return {}
    cased = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    upper = sum(1 for c in cased if c.isupper())
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w.upper() != w.lower()]
    caps_words = [w for w in words if w.isupper() and w not in lex.shouting_ignore]
    if (len(cased) >= int(cfg.get("min_letters", 8))
            and upper / len(cased) >= float(cfg.get("ratio", 0.7))
            and len(caps_words) >= int(cfg.get("min_words", 2))):
        long = len(cased) >= int(cfg.get("long_letters", 10**9))
        weight = float(cfg.get("long_weight" if long else "weight", 0.7))
        return {str(cfg.get("signal", "shouting")): weight}
    always = {str(w) for w in cfg.get("emphasis_always", ())}
    emphasised = [
        w for w in caps_words
        if len(w) >= int(cfg.get("emphasis_min_len", 4)) or w in always
    ]
    if not emphasised:
        return {}
    key = "emphasis_two_weight" if len(emphasised) >= 2 else "emphasis_weight"
    return {str(cfg.get("emphasis_signal", "emphasis")): float(cfg.get(key, 0.25))}


def _score_exclamation(lex: Lexicon, text: str) -> dict[str, float]:
    """Score runs of exclamation marks and ?! combinations."""
    cfg = lex.exclamation
    if not cfg:
        return {}
    runs = [len(r) for r in re.findall(r"[!\uff01]{%d,}" % int(cfg.get("run", 2)), text)]
    value = 0.0
    if runs:
        strong = max(runs) >= int(cfg.get("strong_run", 3)) or len(runs) >= 2
        value = float(cfg.get("strong_weight" if strong else "weight", 0.25))
    if re.search(r"\?+!|!+\?", text):
        value = max(value, float(cfg.get("interrobang_weight", 0.25)))
    return {str(cfg.get("signal", "exclamation")): value} if value else {}


def score_message(lex: Lexicon, raw: Any) -> dict[str, float]:
    """Score one message on its own: signal name -> points."""
    text = _prepare(_coerce(raw), lex.max_chars)
    if not text.strip():
        return {}
    scores: dict[str, float] = {}

    def merge(part: Mapping[str, float]) -> None:
        for k, v in part.items():
            scores[k] = scores.get(k, 0.0) + v

    quoted = _QUOTED.findall(text) + _SINGLE_QUOTED.findall(text)
    unquoted = _SINGLE_QUOTED.sub(" ", _QUOTED.sub(" ", text))
    cfg = lex.scare_quotes
    if cfg and any(0 < len(_WORD.findall(q)) <= int(cfg.get("max_words", 4)) for q in quoted):
        merge({str(cfg.get("signal", "sarcasm")): float(cfg.get("weight", 0.3))})
    lower = _CANNOT.sub("cant", unquoted.lower().replace("'", ""))
    merge(_score_phrases(lex, lower))
    merge(_score_shouting(lex, unquoted))
    merge(_score_exclamation(lex, text))
    return scores


def lexicon_score(text: Any, lexicon: Optional[Lexicon] = None) -> float:
    """The lexicon's score of one message on its own (no history)."""
    return round(sum(score_message(lexicon or load_lexicon(), text).values()), 3)


def lexicon_assessment(lex: Lexicon, text: Any, recent: Sequence[Any]) -> tuple[float, list[str]]:
    """The lexicon's score of ``text`` with its repeated-signal history, and the signal names."""
    scores = score_message(lex, text)
    total = sum(scores.values())
    signals = list(scores)

    hist = lex.history
    triggers = set(hist.get("triggers", ()))
    if hist and recent and triggers.intersection(scores):
        window = list(recent)[-int(hist.get("window", 6)):]
        decay = float(hist.get("decay", 0.7))
        heat = 0.0
        repeats: dict[str, int] = {}
        repeatable = set(hist.get("repeatable", ())).intersection(scores)
        for steps_back, earlier in enumerate(reversed(window)):
            earlier_scores = score_message(lex, earlier)
            heat += (decay ** steps_back) * sum(earlier_scores.values())
            for sig in repeatable.intersection(earlier_scores):
                repeats[sig] = repeats.get(sig, 0) + 1
        if heat > 0:
            total += min(float(hist.get("heat_cap", 0.6)), float(hist.get("heat_weight", 0.4)) * heat)
            signals.append("history")
        if repeats:
            bonus = float(hist.get("repeat_bonus", 0.3)) * max(repeats.values())
            total += min(float(hist.get("repeat_cap", 0.9)), bonus)
            signals.extend(f"repeated_{sig}" for sig in sorted(repeats))
    return total, signals


def prepare_text(raw: Any, max_chars: int = 5000) -> str:
    """Any input as the plain text the second opinion reads (quotes folded, controls dropped)."""
    return _prepare(_coerce(raw), max_chars)
