"""Question coaching: which kind of question this is, and gentler wordings that keep its topic.

Kinds (``content/questions.yml``): comparison, whats_wrong_with_me, graphic_detail,
timeline_facts, motive_meaning (the kind that helps: kept as it is) and none. For the first four,
two or three gentler wordings (``content/coaching/wordings.yml``) keep the person's own topic
(``bot/language/coaching_topics.py``) and never turn the question on the asker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Tuple

from bot import content
from bot.language.coaching_topics import find_topic

LANGUAGES = ("en", "de", "es", "fr")
MAX_WORDINGS = 3
MAX_QUESTION = 2000


@dataclass(frozen=True)
class QuestionAdvice:
    """What kind of question this is, its topic, and gentler wordings when it might hurt the asker."""

    kind: str  # comparison | whats_wrong_with_me | graphic_detail | timeline_facts | motive_meaning | none
    language: str
    topic: Optional[str] = None
    wordings: Tuple[str, ...] = ()
    off_limits_hits: Tuple[str, ...] = ()
    matched: Tuple[str, ...] = field(default=(), repr=False)

    @property
    def needs_rewording(self) -> bool:
        """True when gentler wordings are offered."""
        return bool(self.wordings)


def load_lexicon(path: Optional[str] = None) -> dict:
    """The question lexicon from content/questions.yml (read once)."""
    return content.read(path) if path else content.load("questions")


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"(.)\1{2,}", r"\1\1", text)
    return " " + re.sub(r"\s+", " ", text) + " "


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, Dict[str, "re.Pattern[str]"]]:
    spec = load_lexicon()["patterns"]
    return {kind: {lang: re.compile("|".join(f"(?:{p})" for p in pats), re.I)
                   for lang, pats in by_lang.items() if pats}
            for kind, by_lang in spec.items()}


def classify(question: str) -> Tuple[str, Tuple[str, ...]]:
    """The kind of ``question`` and the languages whose patterns decided it."""
    text = _normalise(str(question or "")[:MAX_QUESTION])
    lexicon = load_lexicon()
    for kind in lexicon["order"]:
        langs = tuple(lang for lang, pattern in _patterns().get(kind, {}).items() if pattern.search(text))
        if langs:
            return (lexicon.get("same_as") or {}).get(kind, kind), langs
    return "none", ()


def language_for(question: str, matched: Iterable[str] = (), told: Optional[str] = None) -> str:
    """The wordings' language: the question's own when clear, else the decisive patterns', else the client's."""
    from bot.safety.language_guess import guess_language

    guessed = guess_language(question)
    if guessed in LANGUAGES:
        return guessed
    matched = [m for m in matched if m in LANGUAGES]
    if len(matched) == 1:
        return matched[0]
    if told in matched or (not matched and told in LANGUAGES):
        return str(told)
    return "en"


def wordings_for(kind: str, language: str, topic: Optional[str]) -> Tuple[str, ...]:
    """Two or three gentler wordings of ``kind`` in ``language``, keeping ``topic`` when there is one."""
    texts = content.load("coaching/wordings").get(language) or content.load("coaching/wordings")["en"]
    spec = (texts.get("wordings") or {}).get(kind)
    if not spec:
        return ()
    if topic:
        upper = topic[:1].upper() + topic[1:]
        return tuple(str(t).replace("{topic}", topic).replace("{Topic}", upper)
                     for t in spec["topic"][:MAX_WORDINGS])
    return tuple(str(t) for t in spec["plain"][:MAX_WORDINGS])


def off_limits_hits(question: str, off_limits: Optional[str], lexicon: Optional[dict] = None) -> Tuple[str, ...]:
    """Topic words the couple put off limits that the question touches."""
    if not off_limits:
        return ()
    lexicon = lexicon or load_lexicon()
    stop = set(lexicon.get("stopwords") or [])
    words = {w for w in re.findall(r"[\w']+", off_limits.lower()) if len(w) > 3 and w not in stop}
    text = _normalise(question)
    found = []
    for word in sorted(words):
        stem = word[:-1] if word.endswith("s") and len(word) > 4 else word
        if re.search(rf"\b{re.escape(stem)}", text):
            found.append(word)
    from bot.language.off_limits import off_limits_topics, topics_in

    named = {topic for word in found for topic in topics_in(word)}  # by meaning too (content/off_limits.yml)
    return tuple(found) + tuple(t for t in off_limits_topics(question, off_limits) if t not in named)


def advise(question: str, off_limits: Optional[str] = None, language: Optional[str] = None) -> QuestionAdvice:
    """Classify ``question``, find its topic and offer gentler wordings for the kinds that may hurt."""
    question = str(question or "")[:MAX_QUESTION]
    kind, matched = classify(question)
    lang = language_for(question, matched, language)
    topic = find_topic(question, lang)
    offer = kind in (load_lexicon().get("offer") or ())
    wordings = wordings_for(kind, lang, topic) if offer else ()
    return QuestionAdvice(kind, lang, topic, wordings, off_limits_hits(question, off_limits), matched)


def texts(language: str) -> dict:
    """The coaching's sentences in ``language`` (English when it has none)."""
    every = content.load("coaching/wordings")
    return every.get(language) or every["en"]


def offer_lines(advice: QuestionAdvice) -> List[str]:
    """The numbered wordings as lines of a message (REST shows these; chat apps add buttons)."""
    numbered = texts(advice.language)["numbered"]
    return [numbered.format(n=n, wording=w) for n, w in enumerate(advice.wordings, 1)]
