"""Loading the crisis lexicon from ``content/safety``: categories, entries, exclusions, settings.

Files are YAML written for people to review (see content/safety/README.md); the
pattern strings in them are compiled by :mod:`bot.safety.patterns`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterator, List, Optional, Tuple

import yaml

from bot import content

if TYPE_CHECKING:  # pragma: no cover
    from bot.safety.patterns import Compiler

CATEGORIES = (
    "medical_emergency",
    "suicide_self_harm",
    "partner_violence",
    "child_safety",
    "harm_to_others",
)
LEVELS = ("check", "crisis")
TokenPattern = List[Dict[str, Any]]

_ENTRY_KEYS = {"id", "level", "patterns", "note", "examples", "negation", "subject", "past", "fiction"}
SUBJECTS = ("self", "other", "any", "anyone")


class LexiconError(ValueError):
    """The lexicon files are malformed; the message names file and entry."""


@dataclass(frozen=True)
class Entry:
    """One reviewed lexicon rule: an id, a level and its compiled patterns."""

    id: str
    category: str
    level: str
    lang: str
    patterns: Tuple[TokenPattern, ...]
    negation: str = "downgrade"  # "ignore": the phrase is negative by nature
    # "self": about the writer (someone else: at most check); "other": about someone
    # else; "any": the pattern names the writer as the one harmed; "anyone": an
    # emergency whoever it concerns (not softened for someone else, now)
    subject: str = "self"
    past: str = "downgrade"  # "keep": a distant-past marker does not soften it
    fiction: str = "keep"  # "drop": a fiction/news marker in the sentence cancels the hit
    examples: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    """An idiom that cancels any lexicon match it overlaps."""

    id: str
    lang: str
    patterns: Tuple[TokenPattern, ...]
    categories: Optional[FrozenSet[str]] = None
    rules: Optional[FrozenSet[str]] = None  # only these entry ids
    examples: Tuple[str, ...] = ()

    def applies_to(self, entry: Entry) -> bool:
        """True if this exclusion may cancel a hit of ``entry``."""
        return (self.categories is None or entry.category in self.categories) and (
            self.rules is None or entry.id in self.rules)


@dataclass
class Language:
    """Per-language settings from ``_language.yml`` plus compiled rules."""

    code: str
    lemma_mode: str = "pipeline"  # "pipeline": spaCy lookup lemmas; "forms": precomputed
    macros: Dict[str, str] = field(default_factory=dict)
    negators: FrozenSet[str] = frozenset()
    fillers: FrozenSet[str] = frozenset()
    negation_cancel: FrozenSet[str] = frozenset()
    negation_after: int = 0  # also look inside the hit and this many tokens after it
    clause_breaks: FrozenSet[str] = frozenset()
    self_words: FrozenSet[str] = frozenset()
    other_words: FrozenSet[str] = frozenset()
    markers: Dict[str, List[str]] = field(default_factory=dict)  # distance / fiction
    lemma_overrides: Dict[str, str] = field(default_factory=dict)
    replacements: Dict[str, str] = field(default_factory=dict)
    forms: Dict[str, List[str]] = field(default_factory=dict)
    # "spacy": spacy.blank(code); "light": a fast elision-aware tokenizer (French:
    # importing spacy.lang.fr compiles a 1.4 MB regex, 3-5 s at start-up)
    tokenizer: str = "spacy"
    common_words: FrozenSet[str] = frozenset()  # poor anchors, beside spaCy's stop words
    entries: List[Entry] = field(default_factory=list)
    exclusions: List[Exclusion] = field(default_factory=list)
    raw_entries: List[Tuple[str, str, Dict[str, Any]]] = field(default_factory=list)
    raw_exclusions: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file, naming the file in any error."""
    try:
        return content.parse(path)  # uncached: reviewers reload an edited file
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc


def _words(values: Any) -> FrozenSet[str]:
    """A frozen set of lower-case strings from a YAML list."""
    return frozenset(str(v).lower() for v in (values or []))


def read_language(folder: Path, code: str) -> Language:
    """Read one language folder: ``_language.yml``, category and exclusion files."""
    conf = _read_yaml(folder / "_language.yml") or {}
    lang = Language(
        code=code,
        lemma_mode=conf.get("lemma_mode", "pipeline"),
        macros={str(k): str(v) for k, v in (conf.get("macros") or {}).items()},
        negators=_words(conf.get("negators")),
        fillers=_words(conf.get("negation_fillers")),
        negation_cancel=_words(conf.get("negation_cancel")),
        negation_after=int(conf.get("negation_after", 0)),
        clause_breaks=_words(conf.get("clause_breaks")),
        self_words=_words(conf.get("self_words")),
        other_words=_words(conf.get("other_words")),
        markers={k: list(v or []) for k, v in (conf.get("markers") or {}).items()},
        lemma_overrides={str(k).lower(): str(v) for k, v in (conf.get("lemma_overrides") or {}).items()},
        replacements={str(k).lower(): str(v) for k, v in (conf.get("replacements") or {}).items()},
        tokenizer=str(conf.get("tokenizer", "spacy")),
        common_words=_words(conf.get("common_words")),
    )
    if lang.tokenizer not in ("spacy", "light"):
        raise LexiconError(f"{folder}/_language.yml: tokenizer must be spacy or light")
    if lang.lemma_mode not in ("pipeline", "forms"):
        raise LexiconError(f"{folder}/_language.yml: lemma_mode must be pipeline or forms")
    forms_file = folder / "_forms.yml"
    if lang.lemma_mode == "forms" and forms_file.exists():
        data = _read_yaml(forms_file) or {}
        lang.forms = {str(k): [str(f) for f in v] for k, v in (data.get("forms") or {}).items()}
    seen: Dict[str, Path] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        doc = _read_yaml(path) or {}
        if "exclusions" in doc:
            for raw in doc["exclusions"] or []:
                rid = "X:" + str(raw.get("id", ""))
                if rid == "X:" or rid in seen:
                    raise LexiconError(f"{path}: exclusion id {rid[2:]!r} is missing or repeated")
                seen[rid] = path
                lang.raw_exclusions.append((str(path), raw))
            continue
        category = doc.get("category")
        if category not in CATEGORIES:
            raise LexiconError(f"{path}: category must be one of {', '.join(CATEGORIES)}")
        defaults = doc.get("defaults") or {}
        for raw in doc.get("entries") or []:
            raw = {**defaults, **raw}
            rid = str(raw.get("id", ""))
            if not rid or rid in seen:
                raise LexiconError(f"{path}: entry id {rid!r} is missing or repeated")
            seen[rid] = path
            lang.raw_entries.append((str(path), category, raw))
    return lang


def build_rules(lang: Language, compiler: "Compiler") -> None:
    """Compile the raw entries and exclusions of ``lang`` in place."""
    for path, category, raw in lang.raw_entries:
        where = f"{path} [{raw.get('id')}]"
        unknown = set(raw) - _ENTRY_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        if raw.get("level") not in LEVELS:
            raise LexiconError(f"{where}: level must be crisis or check")
        lang.entries.append(Entry(
            id=str(raw["id"]), category=category, level=raw["level"], lang=lang.code,
            patterns=compiler.compile(raw.get("patterns"), where),
            negation=raw.get("negation", "downgrade"), subject=raw.get("subject", "self"),
            past=raw.get("past", "downgrade"), fiction=raw.get("fiction", "keep"),
            examples=tuple(raw.get("examples") or ()),
        ))
        entry = lang.entries[-1]
        if entry.subject not in SUBJECTS or entry.negation not in ("downgrade", "ignore") \
                or entry.past not in ("downgrade", "keep") or entry.fiction not in ("keep", "drop"):
            raise LexiconError(f"{where}: bad subject/negation/past/fiction value")
    ids = {e.id for e in lang.entries}
    for path, raw in lang.raw_exclusions:
        where = f"{path} [{raw.get('id')}]"
        cats, rules = raw.get("categories"), raw.get("rules")
        if cats and not set(cats) <= set(CATEGORIES):
            raise LexiconError(f"{where}: unknown category in {cats}")
        if rules and not set(rules) <= ids:
            raise LexiconError(f"{where}: unknown rule ids {sorted(set(rules) - ids)}")
        lang.exclusions.append(Exclusion(
            id=str(raw["id"]), lang=lang.code,
            patterns=compiler.compile(raw.get("patterns"), where),
            categories=frozenset(cats) if cats else None,
            rules=frozenset(rules) if rules else None,
            examples=tuple(raw.get("examples") or ()),
        ))


def language_folders(root: Path) -> Iterator[Tuple[str, Path]]:
    """Yield (code, folder): the root is English, sub-folders name their language."""
    if (root / "_language.yml").exists():
        yield "en", root
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if (sub / "_language.yml").exists():
            yield sub.name, sub
