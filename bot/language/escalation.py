"""Notice when a couple's conversation turns heated and suggest a pause.

The words live in ``content/escalation.yml`` (insults, contempt, sarcasm,
absolutes, blame, angry threats to leave, profanity aimed at the partner,
shouting); this module only scores
(``bot.language.escalation_lexicon`` compiles them). Painful talk ("I feel hurt that you
lied") scores nothing; contempt ("you're a pathetic liar") does. Earlier
messages of the conversation add up, so blame repeated over several turns
can tip a conversation over the threshold even when each turn alone would
not.

A trained second opinion (``bot/language/escalation_training.py``: the safety layer's word +
character n-gram logistic regression, trained at build time from project-written lines) adds
its probability to the lexicon score, so sarcasm, withdrawal and reworded threats count without
a fixed phrase; the recent messages of both partners (never the current one) amplify a message
that is itself heated (``content/escalation.yml``, ``second_opinion:``).

The lexicon is read on first use and cached. Nothing here logs what anyone
wrote: the assessment carries only a score and signal names.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from bot.language.escalation_lexicon import DEFAULT_LEXICON_PATH, Lexicon, load_lexicon
from bot.language.escalation_scoring import lexicon_assessment, lexicon_score, prepare_text

__all__ = ["DEFAULT_LEXICON_PATH", "EscalationAssessment", "Lexicon", "assess_escalation", "combine_scores",
           "lexicon_score", "load_lexicon", "load_second_opinion", "with_history"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscalationAssessment:
    """How heated one message is, given the conversation so far."""

    score: float
    signals: tuple[str, ...]
    suggest_pause: bool


_UNSET: Any = object()
_MODEL: dict[str, Any] = {}


def load_second_opinion() -> Any:
    """The trained escalation model (built first when its lines changed); None if unavailable."""
    if "model" not in _MODEL:
        try:
            from bot.language import escalation_training
            from bot.safety.second_opinion import SecondOpinion

            _MODEL["model"] = SecondOpinion.from_file(escalation_training.build())
        except Exception as exc:  # the lexicon still works without it
            log.error("escalation second opinion unavailable (%s); the lexicon runs alone", type(exc).__name__)
            _MODEL["model"] = None
    return _MODEL["model"]


def combine_scores(lexicon_points: float, probability: float, cfg: Mapping[str, Any]) -> float:
    """One message's heat: the lexicon (capped) plus the model's probability times its weight."""
    return min(float(lexicon_points), float(cfg.get("lexicon_cap", 1.0))) \
        + float(cfg.get("model_weight", 0.0)) * float(probability)


def with_history(single: float, earlier: Sequence[float], cfg: Mapping[str, Any]) -> float:
    """Add the heat of the last few messages (oldest first) to a message that is itself heated.

    Only a message at least ``history_floor`` hot is amplified, and only by earlier messages at
    least that hot, so calm talk after a row never starts a pause on the row's account, and a
    pattern over two or three messages counts more than one sharp word.
    """
    floor = float(cfg.get("history_floor", 1e9))
    if single < floor:
        return single
    window = list(earlier)[-int(cfg.get("history_window", 3)):]
    decay = float(cfg.get("history_decay", 0.7))
    heat = sum((decay ** back) * min(h, 1.5) for back, h in enumerate(reversed(window)) if h >= floor)
    return single + min(float(cfg.get("history_cap", 0.5)), float(cfg.get("history_weight", 0.4)) * heat)


def _text_of(raw: Any) -> str:
    return prepare_text(raw, 5000)


def assess_escalation(
    text: str,
    recent: Sequence[str] = (),
    *,
    lexicon: Optional[Lexicon] = None,
    second_opinion: Any = _UNSET,
) -> EscalationAssessment:
    """Assess how heated ``text`` is, given the earlier messages in ``recent`` (oldest first).

    ``recent`` holds both partners' earlier messages and never the current one. The score is
    the lexicon's (with its own history of repeated signals) plus the trained second opinion's
    probability times ``second_opinion.model_weight``, plus the heat of the last few messages
    when this one is itself heated (see :func:`with_history`). ``second_opinion=None`` scores with
    the lexicon alone.
    """
    lex = lexicon or load_lexicon()
    model = load_second_opinion() if second_opinion is _UNSET else second_opinion
    cfg = lex.second_opinion
    if isinstance(recent, (str, bytes, bytearray)):
        recent = (recent,)
    recent = list(recent or ())
    lexicon_total, signals = lexicon_assessment(lex, text, recent)
    total = lexicon_total
    if model is not None and cfg:
        current = _text_of(text)
        probability = model.opinion(current).probability if current.strip() else 0.0
        single = combine_scores(lexicon_total, probability, cfg)
        if probability >= float(cfg.get("signal_at", 0.5)):
            signals.append("second_opinion")
        earlier = []
        window = recent[-int(cfg.get("history_window", 3)):]
        if single >= float(cfg.get("history_floor", 1e9)):
            for msg in window:
                msg_text = _text_of(msg)
                p = model.opinion(msg_text).probability if msg_text.strip() else 0.0
                earlier.append(combine_scores(lexicon_score(msg, lex), p, cfg))
        total = with_history(single, earlier, cfg)
        if total > single and "history" not in signals:
            signals.append("history")

    score = round(float(total), 3)
    return EscalationAssessment(
        score=score,
        signals=tuple(signals),
        suggest_pause=score >= lex.threshold,
    )
