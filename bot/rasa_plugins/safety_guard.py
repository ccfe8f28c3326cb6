"""Rasa NLU component: the safety detector has the last word on the intent.

It runs after the intent classifier (and the fallback classifier), so a crisis
message is routed to human help even when the trained model reads it as
something else. It also keeps unaddressed group talk between partners from
being answered as if it were meant for the bot.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

log = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
CHECK_INTENT = "safety_check"
CATEGORY_ENTITY = "crisis_category"
GROUP_CHAT_TYPES = ("group", "supergroup")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyGuard(GraphComponent):
    """Overrides the predicted intent with the rule-based safety assessment."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Intents that unaddressed group talk may not trigger, and where it goes instead."""
        return {
            # the model's own "crisis" becomes a gentle check only when it is this sure
            "group_talk_intent": "couple_talk",
            # a clearly escalated message (content/escalation.yml second_opinion.clear_at) goes
            # here, unless the model read one of `escalation_keeps`
            "escalation_intent": "couple_talk",
            "escalation_keeps": ["couple_talk", "share_feelings", "im_flooded", "crisis", "safety_check"],
            "passive_in_group": [
                "greet", "goodbye", "thanks", "out_of_scope", "bot_challenge", "what_can_you_do",
                "share_feelings", "nlu_fallback", "affirm", "deny",
            ],
            # unaddressed group talk is only watched: every intent above and every request
            # (set_ground_rules, im_flooded, cancel, confirm_rules, ...) becomes group_talk_intent,
            # except a flooded partner's bare pause word, which works unaddressed
            "quiet_unaddressed_group": True,
            "unaddressed_pause_words": ["pause", "pause please", "time out", "timeout", "break",
                                        "timeout now", "hit pause", "stop", "red card", "yellow", "yellow card"],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._detector = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyGuard":
        """Build the component; the detector loads on first use."""
        return cls({**cls.get_default_config(), **config})

    @property
    def detector(self):
        """The shared safety detector, loaded once."""
        if self._detector is None:
            from bot.safety import get_detector

            self._detector = get_detector()
        return self._detector

    def process(self, messages: List[Message]) -> List[Message]:
        """Assess each message and override its intent when safety requires it."""
        for message in messages:
            self._process_one(message)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn: the lexicon is data reviewed by people."""
        return training_data

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):  # a button payload: the user chose, nothing to detect
            return
        assessment = self.detector.assess(text)
        predicted = (message.get(INTENT) or {}).get("name")
        if assessment.level == "crisis":
            self._override(message, CRISIS_INTENT, assessment.category, assessment.match)
        elif assessment.level == "check":
            self._override(message, CHECK_INTENT, assessment.category, assessment.match)
        elif predicted in (CRISIS_INTENT, CHECK_INTENT):
            # The intent model alone never starts the crisis reply nor the screening question: the
            # detector (lexicon + the second opinion measured on hard negatives) found nothing, so
            # "I want to share this with our therapist" goes to the model's next guess.
            self._drop_model_crisis(message)
            if not self._escalation_wins(message, text) and \
                    self._is_passive_group_talk(message, (message.get(INTENT) or {}).get("name")):
                self._override(message, self._config["group_talk_intent"], None, None, confidence=None)
        elif self._escalation_wins(message, text):
            pass
        elif not re.search(r"\w", text, re.UNICODE) or re.fullmatch(r"[\W_\d]+", text):
            # Nothing but symbols, emoji or digits: ask, don't guess (side talk in a group: just watch).
            if self._is_passive_group_talk(message, "nlu_fallback"):
                self._override(message, self._config["group_talk_intent"], None, None, confidence=None)
            else:
                self._override(message, "nlu_fallback", None, None, confidence=0.0)
        elif self._is_passive_group_talk(message, (message.get(INTENT) or {}).get("name")):
            self._override(message, self._config["group_talk_intent"], None, None, confidence=None)

    def _escalation_wins(self, message: Message, text: str) -> bool:
        """A clearly escalated message goes to the pause offer (via ``couple_talk``), whatever
        request the intent model read in it; crisis and screening were decided before this."""
        predicted = (message.get(INTENT) or {}).get("name")
        if predicted in self._config["escalation_keeps"]:
            return False
        try:
            from bot.language.escalation import assess_escalation, load_lexicon

            assessment = assess_escalation(text)
            clear_at = float(load_lexicon().second_opinion.get("clear_at", 10**9))
        except Exception as exc:  # never lose the message over the escalation check
            log.error("escalation check failed (%s)", type(exc).__name__)
            return False
        if assessment.score < clear_at:
            return False
        self._override(message, self._config["escalation_intent"], None, None)
        return True

    @staticmethod
    def _drop_model_crisis(message: Message) -> None:
        """Fall back to the model's next guess when its crisis guess is weak."""
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") not in (CRISIS_INTENT,
                                                                                               CHECK_INTENT)]
        if ranking:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def _is_passive_group_talk(self, message: Message, predicted: Optional[str]) -> bool:
        metadata = message.get("metadata") or {}
        if not isinstance(metadata, dict) or metadata.get("chat_type") not in GROUP_CHAT_TYPES:
            return False
        if metadata.get("addressed", True):
            return False
        if predicted in self._config["passive_in_group"]:
            return True
        if not self._config.get("quiet_unaddressed_group", True):
            return False
        # Side talk never starts, continues or answers a flow; only the bare pause word starts one.
        plain = re.sub(r"[^\w\s/]", "", (message.get(TEXT) or "").lower()).strip()
        pause_words = {re.sub(r"[^\w\s/]", "", w.lower()).strip() for w in self._config["unaddressed_pause_words"]}
        return not (predicted == "im_flooded" and plain in pause_words)

    @staticmethod
    def _override(message: Message, intent: str, category: Optional[str], match: Optional[str],
                  confidence: Optional[float] = 1.0) -> None:
        old = message.get(INTENT) or {}
        new = {"name": intent, "confidence": confidence if confidence is not None else old.get("confidence", 1.0)}
        message.set(INTENT, new, add_to_output=True)
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != intent]
        message.set(INTENT_RANKING_KEY, [new] + ranking, add_to_output=True)
        if category:
            entities = [e for e in (message.get(ENTITIES) or []) if e.get("entity") != CATEGORY_ENTITY]
            text = message.get(TEXT) or ""
            start = text.lower().find(match.lower()) if match else -1
            entity = {"entity": CATEGORY_ENTITY, "value": category, "extractor": "SafetyGuard",
                      "start": max(start, 0), "end": max(start, 0) + (len(match) if match and start >= 0 else 0)}
            message.set(ENTITIES, entities + [entity], add_to_output=True)
        log.debug("intent overridden to %s", intent)
