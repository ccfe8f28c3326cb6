"""One spaCy pipeline + Matcher per language, and the context rules around a hit."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from bot.safety.lexicon import (
    CATEGORIES, Entry, Exclusion, Language, LexiconError, TokenPattern, _read_yaml, build_rules,
    language_folders, read_language,
)
from bot.safety.patterns import Compiler
from bot.safety.anchored import AnchoredMatcher
from bot.safety.gate import WordGate
from bot.safety.normalise import Normaliser
from bot.safety.settled import dated_by_the_next, is_settled, mentions_a_topic, names_a_topic

_SENTENCE_END = set(".!?;")
_CLAUSE_END = set(".!?;:,")
_NEGATION_WINDOW = 4
# rule_id of the mark a matcher leaves when the whole message tells a crisis as over: dated ("years
# ago", "that was in 2015"), said to be resolved, nothing coming back
SETTLED_RULE = "settled"
_FRAMES = ("distance", "distance_previous")
_SUBJECT_WINDOW = 8
# Frequent words that are not in spaCy's stop lists but make poor anchors.
_COMMON = frozenset({"want", "need", "feel", "think", "know", "go", "going", "get", "got", "like",
                     "just", "'m", "m", "'s", "s", "n't", "nt", "'ll", "'d", "'ve", "wo", "ca",
                     "time", "day", "really", "one", "said", "say", "tell", "told", "can", "will",
                     "ich", "mich", "mir", "nicht", "mehr", "er", "sie", "habe", "hat", "ist"})


_ELISION_INFIX = r"(?<=[^\W\d_]['\u2019])(?=[^\W\d_])"


class Hit(NamedTuple):
    """One lexicon match after exclusions and context rules."""

    level: str  # "none" when context rules dropped it
    category: str
    start: int  # character offsets in the normalised text
    end: int
    rule_id: str
    negated: bool
    match: Optional[str] = None


def _build_nlp(lang: Language) -> Any:
    """A blank spaCy pipeline; lookup lemmas in "pipeline" mode."""
    import spacy  # imported here: no work at import time

    if lang.tokenizer == "light":
        from spacy.util import compile_infix_regex

        # language-neutral rules plus French-style elision: "m'a" -> m' a, "j'ai" -> j' ai
        nlp = spacy.blank("xx")
        infixes = list(nlp.Defaults.infixes) + [_ELISION_INFIX]
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    else:
        nlp = spacy.blank(lang.code)
    if lang.lemma_mode == "pipeline":
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        for form, lemma in lang.lemma_overrides.items():
            table.set(form, lemma)
    return nlp


class LanguageMatcher:
    """Compiled rules of one language and the logic to apply them to a text."""

    def __init__(self, lang: Language) -> None:
        """Build the pipeline and compile every entry, exclusion and marker."""
        self.lang = lang
        self.nlp = _build_nlp(lang)
        table = None
        if lang.lemma_mode == "pipeline":
            table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        lemma = (lambda w: table.get(w, w)) if table is not None else (lambda w: w)
        cache: Dict[str, List[str]] = {}

        def tokenize(s: str) -> List[str]:
            # a clitic such as 'm or 'll, or an elided word such as French m' / l' / j',
            # is one token in running text, not "'" + "m" / "m" + "'"
            if s not in cache:
                clitic = (s.startswith("'") or (s.endswith("'") and len(s) > 1)) and " " not in s
                cache[s] = [s] if clitic else [t.text for t in self.nlp.make_doc(s)]
            return cache[s]

        self.compiler = Compiler(lang, tokenize, lemma)
        build_rules(lang, self.compiler)
        self.entries: List[Entry] = lang.entries
        self.exclusions: List[Exclusion] = lang.exclusions
        # Three matchers, run in turn and only when needed (markers are often common words: "i",
        # "and", "when"; matching them costs more than the rest): the lexicon's entries and
        # exclusions on every message; the markers that date a story ("years ago") where no entry
        # matched; every other marker where an entry or a date did (see :meth:`matches`).
        common = self.nlp.Defaults.stop_words | _COMMON | lang.common_words
        self.matcher = AnchoredMatcher(self.nlp.vocab, common)
        self.frame_matcher = AnchoredMatcher(self.nlp.vocab, common)
        self.context_matcher = AnchoredMatcher(self.nlp.vocab, common)
        self._keys: Dict[int, Tuple[str, Any]] = {}
        for e in lang.entries:
            self._add(self.matcher, f"E:{e.id}", ("entry", e), e.patterns)
        for x in lang.exclusions:
            self._add(self.matcher, f"X:{x.id}", ("exclusion", x), x.patterns)
        for name, pats in lang.markers.items():
            where = f"{lang.code}/_language.yml markers.{name}"
            tier = self.frame_matcher if name in _FRAMES else self.context_matcher
            self._add(tier, f"M:{name}", ("marker", name), self.compiler.compile(pats, where))
        self.rule_count = len(lang.entries)
        # entries whose own words hold a negation ("I don't want to live"): a negator inside their
        # match is part of the phrase, not a denial of it
        self._negation_inside = {e.id for e in lang.entries if _pattern_words([e], []) & set(lang.negators)}
        # The lookup lemmatizer is context-free (lemma = table[token text]), so we
        # apply its table to the whole doc at once: same lemmas, ~5x less time.
        strings = self.nlp.vocab.strings
        self._lemma_of: Optional[Dict[int, int]] = (
            {int(k): strings.add(str(v)) for k, v in table.items()} if table is not None else None)
        # Whether this language can match a text at all, before its tokenizer runs
        self.gate = WordGate([self.matcher, self.frame_matcher], self.nlp.tokenizer.rules, lemma)
        self.words = _pattern_words(lang.entries, lang.exclusions)
        self.entry_words = _pattern_words(lang.entries, [])  # the words of worrying phrases only
        if table is not None:
            self.words |= {str(v) for v in table.values()}

    def _add(self, matcher: AnchoredMatcher, key: str, target: Tuple[str, Any],
             patterns: Tuple[TokenPattern, ...]) -> None:
        """Register patterns under ``key``, naming the rule in errors."""
        try:
            matcher.add(key, list(patterns))
        except Exception as exc:  # spaCy raises several error types for bad patterns
            raise LexiconError(f"{self.lang.code}: rule {key}: {exc}") from exc
        self._keys[self.nlp.vocab.strings[key]] = target

    def make_doc(self, text: str) -> Any:
        """Tokenize ``text`` and set lookup lemmas (as the lemmatizer pipe would)."""
        doc = self.nlp.make_doc(text)
        if self._lemma_of is not None and len(doc):
            import numpy
            from spacy.attrs import LEMMA, ORTH

            lemma_of = self._lemma_of
            lemmas = [lemma_of.get(h, h) for h in doc.to_array(ORTH).tolist()]
            doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64").reshape(-1, 1))
        return doc

    def matches(self, doc: Any) -> List[Tuple[int, int, int]]:
        """The (match id, start, end) of every entry and exclusion in ``doc``, and of the markers
        where they can change a verdict: all of them once an entry matched. Without an entry, markers
        only matter for a message that tells a crisis as over (:meth:`_settled_mark`), which needs a
        date ("years ago", ``_FRAMES``): the others are looked for only once a date is found."""
        matches = self.matcher(doc)
        keys = self._keys
        if any(keys[m][0] == "entry" for m, _, _ in matches):
            return matches + self.frame_matcher(doc) + self.context_matcher(doc)
        frames = self.frame_matcher(doc)
        return matches + frames + self.context_matcher(doc) if frames else matches

    def all_matches(self, doc: Any) -> List[Tuple[int, int, int]]:
        """Every pattern's matches in ``doc``, markers included (for tests)."""
        return self.matcher(doc) + self.frame_matcher(doc) + self.context_matcher(doc)

    @property
    def patterns(self) -> List[Tuple[str, List[Dict[str, Any]]]]:
        """Every (key, pattern) compiled for this language."""
        return self.matcher.patterns + self.frame_matcher.patterns + self.context_matcher.patterns

    def find(self, text: str) -> List[Hit]:
        """Every lexicon hit in ``text`` (already normalised)."""
        if not self.gate.may_match(text):
            return []
        doc = self.make_doc(text)
        matches = self.matches(doc)
        if not matches:
            return []
        found: List[Tuple[Entry, int, int]] = []
        excluded: List[Tuple[Exclusion, int, int]] = []
        markers: Dict[str, List[Tuple[int, int]]] = {}
        for mid, start, end in matches:
            kind, obj = self._keys[mid]
            if kind == "entry":
                found.append((obj, start, end))
            elif kind == "exclusion":
                excluded.append((obj, start, end))
            else:
                markers.setdefault(obj, []).append((start, end))
        # An idiom the lexicon excludes is reported as a "none" hit, so the second opinion can
        # leave its words out too ("he choked up" is nobody's crisis, whatever a model thinks). An
        # exclusion limited to some rules or categories ("wake up in the morning" is not someone
        # unconscious) is only an idiom where it cancelled one of them: "I wish I just wouldn't
        # wake up in the morning" is still read.
        idioms = [Hit("none", "", doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text), x.id, False)
                  for x, s, e in excluded
                  if (x.rules is None and x.categories is None)
                  or any(fs < e and s < fe and x.applies_to(entry) for entry, fs, fe in found)]
        if not found:
            return idioms + self._settled_mark(doc, markers)
        clause, sentence = _segments(doc, self.lang.clause_breaks)
        marker_sents = {name: {sentence[i] for i, _ in spans} for name, spans in markers.items()}
        # "That was three years ago." puts the sentence before it in the past too
        back = marker_sents.pop("distance_previous", set())
        borrowed = {s - 1 for s in back}  # sentences dated by the one after them
        if back:
            marker_sents.setdefault("distance", set()).update(back | {s - 1 for s in back})
        # "I tried years ago; I got help and those thoughts are gone": a past or form-framed crisis
        # told as over is none for the lexicon (the second opinion reads what follows the story)
        settled = is_settled(markers, sentence)
        if settled:  # "Mi primer marido me pegaba. Me separé en 2010 y hoy vivo tranquila."
            dated = dated_by_the_next(marker_sents)
            borrowed |= dated - marker_sents.get("distance", set())
            marker_sents["distance"] = dated
        hits = []
        for entry, start, end in found:
            if any(s < end and start < e and x.applies_to(entry) for x, s, e in excluded):
                continue
            level, negated = self._judge(doc, clause, sentence, marker_sents, entry, start, end)
            if level != entry.level and _framed_only_after(markers, clause, sentence, borrowed, start, end):
                # "my husband isn't breathing, he had a heart attack two years ago", "... we were
                # watching a film": the date or the story belongs to a later clause, not to this
                if entry.subject == "anyone" and not negated:
                    level = entry.level
                elif level == "none":
                    level = "check"
            if level != entry.level and _turns_to_now(markers, sentence, start):
                level = entry.level  # "years ago I got help, but tonight I'm going to kill myself"
            last = doc[end - 1]
            category = entry.category
            if settled and level == "check" and self._told_as_over(sentence, marker_sents, start, end):
                level = "none"  # the story is over; the second opinion reads only what follows it
            elif names_a_topic(markers, start, clause):
                level = "none"
            elif mentions_a_topic(markers, start, clause):  # asked about: the card becomes a gentle question
                level = {"crisis": "check", "check": "none"}.get(level, level)
            hits.append(Hit(level, category, doc[start].idx, last.idx + len(last.text), entry.id, negated))
        framed = settled and any(name in markers for name in _FRAMES)
        return hits + idioms + ([_settled_hit(doc, markers, sentence)] if framed else [])

    def _settled_mark(self, doc: Any, markers: Dict[str, List[Tuple[int, int]]]) -> List[Hit]:
        """The settled mark for a message without lexicon hits (the second opinion may still have
        read a crisis in it: "Mi padre le pegaba a mi madre cuando yo era niño. Ya no está.")."""
        if "resolved" not in markers or not any(name in markers for name in _FRAMES):
            return []
        _, sentence = _segments(doc, self.lang.clause_breaks)
        return [_settled_hit(doc, markers, sentence)] if is_settled(markers, sentence) else []

    @staticmethod
    def _told_as_over(sentence: List[int], marker_sents: Dict[str, Set[int]], start: int, end: int) -> bool:
        """The hit's sentence is dated in the past or framed as a story or a form."""
        sents = {sentence[j] for j in range(start, end)}
        return bool((marker_sents.get("distance", set()) | marker_sents.get("fiction", set())) & sents)

    def _judge(self, doc: Any, clause: List[int], sentence: List[int],
               marker_sents: Dict[str, Set[int]], entry: Entry, start: int, end: int) -> Tuple[str, bool]:
        """Apply negation, subject and distance rules to one hit."""
        lang = self.lang
        prefix = []  # tokens before the hit in the same clause, nearest first
        i = start - 1
        while i >= 0 and clause[i] == clause[start]:
            prefix.append(doc[i])
            i -= 1
        negated = False
        if entry.negation == "downgrade":
            for tok in prefix[:_NEGATION_WINDOW]:
                if tok.lower_ in lang.negators or tok.lemma_ in lang.negators:
                    negated = True
                    break
                if tok.lower_ not in lang.fillers and tok.lemma_ not in lang.fillers:
                    break
            if not negated and lang.negation_after:
                j, stop = start, min(len(doc), end + lang.negation_after)
                while j < stop and clause[j] == clause[start]:
                    if doc[j].lower_ in lang.negators:
                        negated = True
                        break
                    j += 1
            # a negation inside the match, where a pattern's gap let it in: "my kids have never been hit"
            inside = [doc[j] for j in range(start + 1, end - 1)] if entry.id not in self._negation_inside else []
            if not negated and any(t.lower_ in lang.negators or t.lemma_ in lang.negators for t in inside):
                negated = True
            if negated:
                near = prefix + inside
                count = sum(1 for t in near if t.lower_ in lang.negators or t.lemma_ in lang.negators)
                if count >= 2 or any(t.lower_ in lang.negation_cancel for t in near):
                    negated = False
        who = entry.subject
        if who in ("self", "anyone") and doc[start].lower_ not in lang.self_words:
            for tok in prefix[:_SUBJECT_WINDOW]:
                if tok.lower_ in lang.self_words:
                    break
                if tok.lower_ in lang.other_words:
                    who = "other"
                    break
        sents = {sentence[j] for j in range(start, end)}
        distant = bool(marker_sents.get("distance", set()) & sents)
        fiction = bool(marker_sents.get("fiction", set()) & sents)
        level = entry.level
        if fiction and entry.fiction == "drop":
            return "none", negated
        if who == "other" and entry.subject != "anyone":
            if distant or fiction:
                return "none", negated
            level = "check"
        elif who == "other" and (distant or fiction):  # someone else's emergency, long ago
            return "none", negated
        elif (distant and entry.past == "downgrade") or fiction:  # the past, a story, a form: ask gently
            level = "check"
        if negated:
            level = "check"
        return level, negated


def _settled_hit(doc: Any, markers: Dict[str, List[Tuple[int, int]]], sentence: List[int]) -> Hit:
    """The settled mark, placed where the story told as over ends: the end of the last sentence
    that dates, frames or resolves it. What comes after ("I got help. The pills are lined up on the
    table.") is not part of the story, and the second opinion still reads it."""
    last = max((e for name in ("resolved", "fiction", *_FRAMES) for _, e in markers.get(name, [])), default=0)
    if not last:
        return Hit("none", "", 0, 0, SETTLED_RULE, False)
    j, here = last, sentence[last - 1]
    while j < len(doc) and sentence[j] == here and not doc[j].is_punct:
        j += 1
    while j < len(doc) and doc[j].is_punct:  # the sentence's own full stop
        j += 1
    end = doc[j - 1].idx + len(doc[j - 1].text)
    return Hit("none", "", end, end, SETTLED_RULE, False)


def _framed_only_after(markers: Dict[str, List[Tuple[int, int]]], clause: List[int], sentence: List[int],
                       borrowed: Set[int], start: int, end: int) -> bool:
    """The hit's sentence is dated or framed as a story only in a later clause: the frame belongs to
    what follows ("he isn't breathing, he had a heart attack two years ago", "she collapsed, we were
    watching a film"), so it may not lower someone's crisis now. A frame before the hit or in its
    own clause ("years ago, my uncle killed himself") and a date lent by the next sentence ("That
    was years ago.") still do."""
    here = sentence[start]
    if here in borrowed:
        return False
    frames = [s for name in ("distance", "distance_previous", "fiction") for s, _ in markers.get(name, [])
              if sentence[s] == here]
    return bool(frames) and all(s >= end and clause[s] != clause[start] for s in frames)


def _turns_to_now(markers: Dict[str, List[Tuple[int, int]]], sentence: List[int], start: int) -> bool:
    """A "but" or a sign of returning stands between the sentence's past date and the hit: the
    date belongs to what came before ("I got help years ago but I'm going to kill myself tonight");
    or a sign of returning follows the hit in its sentence ("last winter he beat me and last night
    he did it again")."""
    dates = [s for s, _ in markers.get("distance", []) if sentence[s] == sentence[start]]
    if not dates:
        return False
    resolved = markers.get("resolved", [])
    if any(s > start and sentence[s] == sentence[start] and not any(a <= s and e <= b for a, b in resolved)
           for s, e in markers.get("returning", [])):
        return True
    turns = [s for name in ("contrast", "returning") for s, _ in markers.get(name, [])
             if sentence[s] == sentence[start] and s < start]
    return any(min(dates) < t and not any(t < d < start for d in dates) for t in turns)


def _segments(doc: Any, breaks: frozenset) -> Tuple[List[int], List[int]]:
    """Clause and sentence ids per token; break tokens get their own id."""
    clause, sentence = [], []
    c = s = 0
    for tok in doc:
        text = tok.lower_
        newline = "\n" in text
        is_clause_break = newline or text in breaks or (tok.is_punct and text[0] in _CLAUSE_END)
        if is_clause_break:
            c += 1
        if newline or (tok.is_punct and text[0] in _SENTENCE_END):
            s += 1
        clause.append(-c if is_clause_break else c)
        sentence.append(s)
        if is_clause_break:
            c += 1
    return clause, sentence


def _pattern_words(entries: List[Entry], exclusions: List[Exclusion]) -> Set[str]:
    """Every literal word the patterns mention (used to repair "killl")."""
    words: Set[str] = set()
    for rule in [*entries, *exclusions]:
        for pattern in rule.patterns:
            for spec in pattern:
                for attr in ("LOWER", "LEMMA"):
                    val = spec.get(attr)
                    if isinstance(val, str):
                        words.add(val)
                    elif isinstance(val, dict):
                        words.update(val.get("IN", []))
    return words


def load_languages(root: Path) -> Tuple[List[LanguageMatcher], Normaliser, Tuple[str, ...]]:
    """Compile every language folder under ``root``."""
    if not root.is_dir():
        raise LexiconError(f"{root}: lexicon folder not found")
    policy = _read_yaml(root / "_policy.yml") if (root / "_policy.yml").exists() else {}
    priority = tuple((policy or {}).get("category_priority") or CATEGORIES)
    if sorted(priority) != sorted(CATEGORIES):
        raise LexiconError(f"{root}/_policy.yml: category_priority must list each category once")
    matchers = [LanguageMatcher(read_language(folder, code)) for code, folder in language_folders(root)]
    if not matchers:
        raise LexiconError(f"{root}: no _language.yml found")
    replacements: Dict[str, str] = {}
    words: Set[str] = set()
    for m in matchers:
        replacements.update(m.lang.replacements)
        words |= m.words
    fillers = _read_yaml(root / "_fillers.yml").get("fillers", {}) if (root / "_fillers.yml").exists() else {}
    return matchers, Normaliser(replacements, words, fillers), priority
