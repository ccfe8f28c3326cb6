"""Is a past or form-framed crisis told as over? The markers of a message, read together.

The lexicon's markers (``_language.yml``, ``markers``) are found by the same matcher as the crisis
phrases. This module decides from them whether the message says the danger is behind the person:
a ``resolved`` marker ("I got help", "today I'm stable", "I answered no") and no sign of it
coming back. Signs of returning are the ``returning`` markers ("again", "tonight", "lately I've
been thinking") and a ``contrast`` ("but", "aber", "pero", "mais") unless what follows the
contrast in its sentence is itself a date in the past or a resolution ("but that was ten years
ago", "pero de eso hace diez años", "mais c'est fini"). A ``returning`` marker inside a resolved
phrase does not count ("je vais bien" holds "vais", the future's "going to").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Sequence, Set, Tuple

if TYPE_CHECKING:
    from bot.safety.engine import Hit

Span = Tuple[int, int]  # token start, end
# How far after a contrast a past date or a resolution may start and still answer it.
CONTRAST_REACH = 10
_ANSWERS = ("distance", "distance_previous", "resolved")


def is_settled(markers: Dict[str, List[Span]], sentence: Sequence[int]) -> bool:
    """True when the message says its crisis is over and nothing says it is coming back."""
    resolved = markers.get("resolved", [])
    if not resolved:
        return False
    if any(not _inside(span, resolved) for span in markers.get("returning", [])):
        return False
    answers = [span for name in _ANSWERS for span in markers.get(name, [])]
    return all(_answered(span, answers, sentence) or _inside(span, resolved)  # "bin seitdem aber fit"
               for span in markers.get("contrast", []))


def dated_by_the_next(marker_sents: Dict[str, Set[int]]) -> Set[int]:
    """The dated sentences, and the sentence before each one that is both dated and resolved: in a
    message told as over, "I left in 2010 and I'm safe today" puts the sentence before it (a
    habitual past with no date of its own, "he used to hit me") in the past too."""
    dated = marker_sents.get("distance", set())
    return dated | {s - 1 for s in dated & marker_sents.get("resolved", set())}


def _inside(span: Span, spans: List[Span]) -> bool:
    start, end = span
    return any(s <= start and end <= e for s, e in spans)


def _answered(contrast: Span, answers: List[Span], sentence: Sequence[int]) -> bool:
    """A "but" followed, in its own sentence, by a past date or a resolution."""
    at = contrast[0]
    return any(at < s <= at + CONTRAST_REACH and sentence[s] == sentence[at] for s, _ in answers)


def defer_to_own_language(hits: List[Tuple[str, "Hit"]], own: str) -> List["Hit"]:
    """Hits of other languages' rules give way where the message's own language judged the same
    words to be no concern (told as over, a story, someone else long ago): "suicide" is a French
    word too, and only the French rules know that "il y a longtemps... je vais bien" dates it."""
    judged = [h for code, h in hits if code == own and h.level == "none" and h.category]
    return [h for code, h in hits
            if code == own or h.level == "none" or not any(h.start < j.end and j.start < h.end for j in judged)]


# How many tokens ("the", "les") may stand between "a documentary about" and the words it names.
TOPIC_GAP = 2


def names_a_topic(markers: Dict[str, List[Span]], start: int, clause: Sequence[int]) -> bool:
    """The hit is what a programme, a lesson or a question is about ("a documentary about domestic
    violence", "questions sur la violence conjugale"), not something happening to anyone."""
    return any(_names(markers, end, start, clause) for _, end in markers.get("topic", []))


def mentions_a_topic(markers: Dict[str, List[Span]], start: int, clause: Sequence[int]) -> bool:
    """The hit is what someone asks about, studies or trains in ("what happens to my messages if I
    mention self-harm?", "my thesis on suicide risk"), and nothing in the message turns it to now
    ("again", "tonight", "lately I've been"). It lowers one step: a gentle check to none, the crisis
    card to a gentle check ("if I talk about suicidal thoughts here, is someone told?")."""
    if markers.get("returning"):
        return False
    return any(_names(markers, end, start, clause) for _, end in markers.get("mention", []))


def _names(markers: Dict[str, List[Span]], end: int, start: int, clause: Sequence[int]) -> bool:
    """The words at ``start`` follow the marker ending at ``end`` closely, in the same clause, and
    no "but" stands between: "I can't say the word, I want to die" and "the word but I want to
    die" turn to the person."""
    return (0 <= start - end <= TOPIC_GAP and clause[end - 1] == clause[start]
            and not any(end <= s < start for s, _ in markers.get("contrast", [])))
