"""The compact pattern syntax of the lexicon, compiled to spaCy ``Matcher`` patterns.

    "{going to, will|'ll} kill|hurt =myself|meself"

* ``word``        any form with the same lookup lemma (kill, kills, killing, killed)
* ``=word``       exactly this lower-case form
* ``a|b|c``       one token, any of the alternatives
* ``{x y, z w, }`` alternatives of several tokens, comma-separated (an empty
                  one makes the group optional); expanded to several patterns
* ``w?`` ``w+`` ``w*``  spaCy operators; ``_`` any token; ``*3`` up to 3 tokens
* ``/regex/``     a token whose lower-case text matches the expression
* ``!a|b``        one token that is none of these exact words (or punctuation marks)
* ``$NAME``       a macro from the folder's ``_language.yml``

A pattern may also be a raw spaCy token pattern (a list of dicts).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Mapping, Tuple

from bot.safety.lexicon import Language, LexiconError, TokenPattern

_BRACE_RE = re.compile(r"\{([^{}]*)\}")
_MACRO_RE = re.compile(r"\$([A-Z][A-Z0-9_]*)")
_GAP_RE = re.compile(r"^\*(\d)$")


def expand(pattern: str, macros: Mapping[str, str]) -> List[str]:
    """Substitute macros and expand ``{a, b c, }`` groups into plain patterns."""
    for _ in range(5):  # macros may use macros, a few levels deep
        pattern = _MACRO_RE.sub(lambda m: macros[m.group(1)], pattern)
    out, todo = [], [pattern]
    while todo:
        item = todo.pop()
        m = _BRACE_RE.search(item)
        if not m:
            out.append(" ".join(item.split()))
            continue
        for alt in m.group(1).split(","):
            todo.append(item[: m.start()] + " " + alt + " " + item[m.end() :])
    return sorted(set(p for p in out if p))


class Compiler:
    """Turns pattern strings into spaCy token patterns for one language."""

    def __init__(self, lang: Language, tokenize: Callable[[str], List[str]],
                 lemma: Callable[[str], str]) -> None:
        """Bind the language settings and its tokenizer/lemma functions."""
        self.lang, self.tokenize, self.lemma = lang, tokenize, lemma
        self.missing_forms: set = set()

    def _spec(self, alts: List[str], exact: bool) -> Dict[str, Any]:
        """The token spec for alternatives of one token."""
        if exact:
            values = set(alts)
            return {"LOWER": alts[0]} if len(values) == 1 else {"LOWER": {"IN": sorted(values)}}
        if self.lang.lemma_mode == "forms":
            values = set()
            for a in alts:
                if a not in self.lang.forms:
                    self.missing_forms.add(a)
                values.update(self.lang.forms.get(a, [a]))
                values.add(a)
            return {"LOWER": {"IN": sorted(values)}}
        return {"LEMMA": {"IN": sorted({self.lemma(a) for a in alts} | set(alts))}}

    def compile_one(self, text: str) -> TokenPattern:
        """Compile one brace-free pattern string."""
        specs: TokenPattern = []
        for item in text.split():
            gap = _GAP_RE.match(item)
            if gap:
                specs.extend({"IS_PUNCT": False, "OP": "?"} for _ in range(int(gap.group(1))))
                continue
            op = None
            if len(item) > 1 and item[-1] in "?+*":
                item, op = item[:-1], item[-1]
            if item == "_":
                specs.append({"OP": op} if op else {})
                continue
            if len(item) > 2 and item[0] == "/" and item[-1] == "/":
                re.compile(item[1:-1])  # fail early on a bad expression
                specs.append({"LOWER": {"REGEX": f"^(?:{item[1:-1]})$"}, **({"OP": op} if op else {})})
                continue
            if len(item) > 1 and item[0] == "!":
                spec = {"LOWER": {"NOT_IN": [a for a in item[1:].split("|") if a]}}
                specs.append({**spec, "OP": op} if op else spec)
                continue
            exact = item.startswith("=")
            alts = [a for a in item.lstrip("=").split("|") if a]
            if any(len(a) > 2 and a[0] == a[-1] == "/" for a in alts):
                if not exact:
                    raise ValueError(f"{item!r}: mix /regex/ only with =exact words")
                body = "|".join(a[1:-1] if a[0] == a[-1] == "/" else re.escape(a) for a in alts)
                spec = {"LOWER": {"REGEX": f"^(?:{body})$"}}
                specs.append({**spec, "OP": op} if op else spec)
                continue
            split = [self.tokenize(a) for a in alts]
            if len(alts) == 1 and len(split[0]) > 1:
                if op:
                    raise ValueError(f"operator on multi-token word {item!r}")
                specs.extend(self._spec([t], exact) for t in split[0])
                continue
            if any(len(s) != 1 for s in split):
                raise ValueError(f"{item!r}: each alternative must be one token; use {{a b, c}}")
            spec = self._spec([s[0] for s in split], exact)
            if op:
                spec["OP"] = op
            specs.append(spec)
        if not specs or all(s.get("OP") in ("?", "*") for s in specs):
            raise ValueError(f"pattern {text!r} can match nothing")
        return specs

    def compile(self, patterns: Any, where: str) -> Tuple[TokenPattern, ...]:
        """Compile a YAML list of pattern strings / raw spaCy patterns."""
        out: List[TokenPattern] = []
        if not isinstance(patterns, list) or not patterns:
            raise LexiconError(f"{where}: patterns must be a non-empty list")
        for pat in patterns:
            try:
                if isinstance(pat, list):  # a raw spaCy pattern: check it against spaCy's schema
                    from spacy.schemas import validate_token_pattern

                    errors = validate_token_pattern(pat)
                    if errors:
                        raise ValueError("; ".join(errors))
                    out.append(pat)
                else:
                    out.extend(self.compile_one(p) for p in expand(str(pat), self.lang.macros))
            except (ValueError, KeyError) as exc:
                raise LexiconError(f"{where}: pattern {pat!r}: {exc}") from exc
        return tuple(out)
