"""Crisis detection: a spaCy ``Matcher`` over the reviewed lexicon in content/safety.

``SafetyDetector.assess(text)`` returns an :class:`Assessment`: level ``none``,
``check`` (ambiguous: ask a gentle screening question) or ``crisis`` (act now),
with the category, the span the person wrote, and the rule that fired.

Context rules, kept conservative (they soften, never silence, what is about
the writer):

* negation close before a phrase ("I'm not going to kill myself"), or inside
  a gap its pattern allows ("my kids told me he never touched them"), turns
  ``crisis`` into ``check`` with ``negated=True``; double negation and "why"
  ("no reason not to...") do not soften;
* a phrase about someone else ("my sister wants to die") is at most ``check``,
  and nothing when the same clause places it in fiction, the news or the
  distant past ("my uncle killed himself years ago", "in the movie");
* about the writer, a distant-past marker ("when I was 16") makes it ``check``.

Message text is never logged.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from bot.safety.engine import SETTLED_RULE, Hit, LanguageMatcher, load_languages
from bot.safety.lexicon import CATEGORIES, Entry, Exclusion
from bot.safety.normalise import Normalised, Normaliser, split_long
from bot.safety.language_guess import guess_language
from bot.safety.settled import defer_to_own_language
from bot.safety.second_opinion import Opinion, SecondOpinion, sentences
from bot.safety.softeners import Softeners
from bot.safety.speller import Speller

log = logging.getLogger(__name__)

LEVEL_RANK = {"none": 0, "check": 1, "crisis": 2}
# Longest text scanned in full; longer ones are scanned at the head and the
# tail (so a crisis phrase at the end of a long message is always seen).
MAX_SCAN_CHARS = 60_000
HEAD_TAIL_CHARS = 30_000
RECENT_VERDICTS = 8  # verdicts kept for a message assessed again at once (see SafetyDetector.__init__)


@dataclass(frozen=True)
class Assessment:
    """The detector's verdict on one message."""

    level: str = "none"  # "none" | "check" | "crisis"
    category: Optional[str] = None
    match: Optional[str] = None  # the words as the person wrote them
    rule_id: Optional[str] = None
    negated: bool = False
    categories: Tuple[str, ...] = ()  # every category flagged at this level, by priority
    softened: bool = False  # laughter or quotation marks lowered crisis to check
    model_score: Optional[float] = None  # the second opinion's probability of concern, when it ran

    @property
    def flagged(self) -> bool:
        """True for ``check`` and ``crisis``."""
        return self.level != "none"

    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (without the message text)."""
        return {
            "level": self.level, "category": self.category, "match": self.match,
            "rule_id": self.rule_id, "negated": self.negated, "categories": list(self.categories),
            "softened": self.softened,
            "model_score": None if self.model_score is None else round(self.model_score, 3),
        }


NO_CONCERN = Assessment()
SECOND_OPINION_RULE = "second_opinion"  # rule_id when only the trained model flagged a message


class SafetyDetector:
    """Matches messages against the crisis lexicon; one lock makes it safe to share between threads."""

    def __init__(self, matchers: List[LanguageMatcher], normaliser: Normaliser,
                 priority: Tuple[str, ...] = CATEGORIES, load_seconds: float = 0.0,
                 second_opinion: Optional[SecondOpinion] = None, softeners: Optional[Softeners] = None) -> None:
        """Wrap compiled per-language matchers; use :meth:`from_directory`."""
        self._matchers = matchers
        self._normalise = normaliser
        self.second_opinion = second_opinion
        self._softeners = softeners
        self._priority = {c: i for i, c in enumerate(priority)}
        self.load_seconds = load_seconds
        self._lock = threading.Lock()  # spaCy's tokenizer cache and vocab grow as words arrive
        # The same message is often assessed twice in one process within a turn (rasa's channel flags
        # it, then the NLU pipeline's SafetyGuard reads it): the last few verdicts are kept, in memory only.
        self._recent = lru_cache(maxsize=RECENT_VERDICTS)(self._assess)

    @classmethod
    def from_directory(cls, path: Optional[Union[str, Path]] = None,
                       second_opinion: Union[SecondOpinion, None, str] = "built",
                       spelling: bool = True) -> "SafetyDetector":
        """Load and compile the lexicon (default ``content/safety``) and the second opinion.

        ``second_opinion="built"`` loads the trained weights for the default folder (training
        them first if the examples changed since the last build); ``None`` runs the lexicon alone.
        ``spelling`` repairs misspelt words that matter, using the model's vocabulary.
        """
        from bot import content

        started = time.perf_counter()
        root = Path(path) if path is not None else content.path_of("safety")
        matchers, normaliser, priority = load_languages(root)
        if second_opinion == "built":
            second_opinion = load_second_opinion() if path is None else None
        if second_opinion is not None and spelling:
            normaliser.speller = build_speller(second_opinion, matchers, normaliser)
        elapsed = time.perf_counter() - started
        log.info("safety lexicon loaded: %d rules in %.2fs", sum(m.rule_count for m in matchers), elapsed)
        return cls(matchers, normaliser, priority, elapsed, second_opinion, Softeners.from_directory(root))

    @property
    def entries(self) -> List[Entry]:
        """All lexicon entries, every language."""
        return [e for m in self._matchers for e in m.entries]

    @property
    def exclusions(self) -> List[Exclusion]:
        """All idiom exclusions, every language."""
        return [x for m in self._matchers for x in m.exclusions]

    def hits(self, text: Any) -> List[Hit]:
        """Every surviving lexicon hit in ``text`` (after exclusions and context)."""
        text = _as_text(text)
        if not text or text.isspace():
            return []
        found: List[Hit] = []
        for part in split_long(text, MAX_SCAN_CHARS, HEAD_TAIL_CHARS):
            norm = self._normalise(part)
            readings = [(norm, None)]
            without = self._normalise.without_fillers(norm)
            if without is not None:  # "i honestly fucking want to die" is read both ways
                readings.append(without)
            for reading, languages in readings:
                if languages is not None and any(h.level == "crisis" for h in found):
                    break  # nothing left to find above crisis
                tagged = []
                for matcher in self._matchers:  # every language: people mix them ("honestly quiero morir")
                    with self._lock:
                        hits = matcher.find(reading.text)
                    tagged.extend((matcher.lang.code, h._replace(match=_match_of(reading, part, h)))
                                  for h in hits)
                found.extend(self._own_language_decides(part, tagged))
            found.extend(self._spelled_hits(part, norm, found))
        return found

    def _spelled_hits(self, part: str, norm: Normalised, found: List[Hit]) -> List[Hit]:
        """Hits that appear only once misspelt words are repaired, and only over a repaired word."""
        if any(h.level == "crisis" for h in found):
            return []
        spelled = self._normalise.spelled(norm)
        if spelled is None:
            return []
        reading, spans = spelled
        tagged = []
        for matcher in self._matchers:
            with self._lock:
                hits = matcher.find(reading.text)
            tagged.extend((matcher.lang.code, h._replace(match=reading.span(part, h.start, h.end))) for h in hits)
        return [h for h in self._own_language_decides(part, tagged)
                if any(h.start < end and start < h.end for start, end in spans)]

    @staticmethod
    def _own_language_decides(part: str, tagged: List[Tuple[str, Hit]]) -> List[Hit]:
        """Hits of several languages' rules: the message's own language has the last word."""
        if len({code for code, _ in tagged}) < 2:
            return [h for _, h in tagged]
        return defer_to_own_language(tagged, guess_language(part) or "en")

    def lexicon_assess(self, text: Any) -> Assessment:
        """The lexicon's verdict alone (the precise floor)."""
        return self._verdict(self.hits(text))

    def _verdict(self, hits: List[Hit]) -> Assessment:
        found = [h for h in hits if h.level != "none"]
        if not found:
            return NO_CONCERN
        prio = self._priority
        best = min(found, key=lambda h: (-LEVEL_RANK[h.level], prio.get(h.category, 99), h.negated, h.start))
        cats = sorted({h.category for h in found if h.level == best.level}, key=lambda c: prio.get(c, 99))
        return Assessment(best.level, best.category, best.match, best.rule_id, best.negated, tuple(cats))

    def assess(self, text: Any) -> Assessment:
        """Assess one message: the lexicon, softeners, then the second opinion; never raises."""
        try:
            text = _as_text(text)
        except Exception as exc:  # an object that cannot even be read as text
            log.error("safety detector could not read a message (%s)", type(exc).__name__)
            return NO_CONCERN
        return self._recent(text)

    def _assess(self, text: str) -> Assessment:
        try:
            hits = self.hits(text)
            verdict = self._verdict(hits)
            if verdict.level == "crisis" and self._softeners is not None and self._softeners.soften(text, verdict.match):
                verdict = replace(verdict, level="check", softened=True)
            # The model does not read an idiom the lexicon excludes ("he choked up", "this traffic is
            # killing me"): it reads the rest of the message, so "this traffic is killing me. he said
            # he'd break my arm" is still judged.
            # A message that tells its crisis as over (dated in the past, said to be resolved,
            # nothing coming back) is none for the lexicon, and the model does not read the story
            # either: only what follows it ("I got help. The pills are lined up on the table.").
            told_over = verdict.level == "none" and any(h.rule_id == SETTLED_RULE for h in hits)
            if self.second_opinion is not None and text.strip():
                read = _after_the_story(hits) if told_over else _without_idioms(text, hits)
                if read.strip():
                    verdict = combine(verdict, self.second_opinion.opinion(read),
                                      self.second_opinion.thresholds, self.second_opinion.min_words_alone)
            return verdict
        except Exception as exc:  # a broken message must not break the safety net
            # no traceback: an exception message could quote the person's words
            log.error("safety detector failed (%s); message left unassessed", type(exc).__name__)
            return NO_CONCERN


def combine(verdict: Assessment, opinion: Opinion, thresholds: Dict[str, float], min_words: int = 3) -> Assessment:
    """The lexicon's verdict with the second opinion: it may raise none→check, and check→crisis
    together with the lexicon; it never lowers anything, nor undoes a negation or a softener."""
    score = opinion.probability
    if verdict.level == "none":
        if score >= thresholds["check"] and opinion.category and opinion.words >= min_words:
            return Assessment("check", opinion.category, None, SECOND_OPINION_RULE, False,
                              (opinion.category,), model_score=score)
        return replace(verdict, model_score=score)
    if verdict.level == "check" and not (verdict.negated or verdict.softened) and score >= thresholds["check"] \
            and opinion.acute >= thresholds["crisis_with_lexicon"]:
        return replace(verdict, level="crisis", model_score=score)
    return replace(verdict, model_score=score)


def build_speller(opinion: SecondOpinion, matchers: List[LanguageMatcher], normaliser: Normaliser) -> Speller:
    """Repairs towards the words of the lexicon's worrying phrases, and only words that appear
    nowhere in the project's examples (the second opinion's vocabulary), the lexicon (idioms
    included) or the slang lists."""
    lexicon_words = {w for m in matchers for w in m.words}
    targets = {w for m in matchers for w in m.entry_words}
    return Speller(opinion.vocabulary() | lexicon_words | set(normaliser.replacement_words), targets)


def load_second_opinion() -> Optional[SecondOpinion]:
    """The trained weights, built first when the examples changed; None (logged) if that fails."""
    from bot.safety import training

    try:
        return SecondOpinion.from_file(training.build())
    except Exception as exc:  # the lexicon still works without it
        log.error("safety second opinion unavailable (%s); the lexicon runs alone", type(exc).__name__)
        return None


def _match_of(reading: Normalised, part: str, hit: Hit) -> str:
    """The words the person wrote for a hit; for the settled mark, everything after the story."""
    if hit.rule_id == SETTLED_RULE:
        return reading.span(part, hit.start, len(reading.text)).strip()
    return reading.span(part, hit.start, hit.end)


def _after_the_story(hits: List[Hit]) -> str:
    """What the person wrote after a story told as over (the settled mark's match)."""
    tails = [h.match for h in hits if h.rule_id == SETTLED_RULE]
    return max(tails, key=len) if tails else ""  # languages may end the story at different places


def _without_idioms(text: str, hits: List[Hit]) -> str:
    """The message without the sentences that hold an excluded idiom (a sentence's other words
    lean on the idiom: "he won't wake up early for the school run")."""
    idioms = {h.match for h in hits if h.level == "none" and not h.category and h.match and h.rule_id != SETTLED_RULE}
    if not idioms:
        return text
    return " ".join(s for s in sentences(text) if not any(i in s for i in idioms))


def _as_text(text: Any) -> str:
    """Coerce None/bytes/other input to a str."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    return text if isinstance(text, str) else str(text)


_detector: Optional[SafetyDetector] = None
_lock = threading.Lock()


def get_detector() -> SafetyDetector:
    """The process-wide detector, built on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = SafetyDetector.from_directory()
    return _detector
