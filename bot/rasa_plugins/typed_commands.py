"""Rasa NLU component: commands people type, read the same on every channel.

``/link ABCDE-FGHJK`` (or a practice code on its own, or inside a sentence) joins the
couple to a therapist's practice; ``/consent on`` and ``/consent off`` say yes or no to
sharing. Plain ``/consent`` needs nothing here: it is an intent of the domain, which
Rasa's own ``/intent`` handling already understands. Codes have a fixed shape, so they
are read by pattern, not guessed by the trained model.

A message that is only one of the check-in's mood emoji (the prompt's buttons in
``content/channels/reminders.yml``) is a check-in mood: a text model cannot tell "🙂" from "👍".

A message that is only a yes or a no, in any of our languages ("ja", "sí", "oui", "nein"; the typed answers
listed in ``content/closeness.yml``), is ``affirm`` or ``deny``: the trained model knows English ones only,
and a question asked with buttons (stopping the weekly talk) is answered in words as well.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

JOIN_INTENT = "join_practice"
CODE_ENTITY = "practice_code"
_CODE_CHARS = "A-HJ-NP-Za-hj-np-z2-9"  # the code alphabet (bot.storage.linking), either case
_LINK = re.compile(r"^\s*/link(?:@\w+)?\s+(\S+)\s*$", re.IGNORECASE)
_CODE_IN_TEXT = re.compile(rf"(?<![\w-])([{_CODE_CHARS}]{{5}}[- ]?[{_CODE_CHARS}]{{5}})(?![\w-])")
_CONSENT = re.compile(r"^\s*/consent(?:@\w+)?\s+(on|off|yes|no)\s*$", re.IGNORECASE)


MOOD_INTENT = "checkin_mood"
ANSWER_INTENTS = {"yes": "affirm", "no": "deny"}


@lru_cache(maxsize=1)
def _mood_emoji() -> Dict[str, str]:
    from bot import content

    moods = {}
    for button in content.load("channels/reminders")["checkin"]["buttons"]:
        value = re.search(r'"checkin_mood":\s*"(\d)"', button["payload"])
        if value:
            moods[button["title"].strip()] = value.group(1)
    return moods


def bare_mood(text: str) -> Optional[str]:
    """The mood (1-5, as the buttons send it) of a message that is only one mood emoji, else None."""
    return _mood_emoji().get((text or "").strip().replace("\ufe0f", ""))


def bare_answer(text: str) -> Optional[str]:
    """``affirm`` or ``deny`` for a message that is only a yes or a no (any of our languages), else None."""
    if not text or len(text) > 40 or text.lstrip().startswith("/"):
        return None
    from bot.closeness import typed_answer

    return ANSWER_INTENTS.get(typed_answer(text) or "")


def read_command(text: str) -> Optional[Tuple[str, Optional[str]]]:
    """The intent (and practice code) a typed command stands for, or None."""
    text = (text or "")[:200]
    consent = _CONSENT.match(text)
    if consent:
        return ("consent_on" if consent.group(1).lower() in ("on", "yes") else "consent_off"), None
    link = _LINK.match(text)
    if link:
        return JOIN_INTENT, link.group(1)
    if text.startswith("/"):
        return None
    for found in _CODE_IN_TEXT.finditer(text):
        code = found.group(1)
        # codes are shown in capitals and mostly hold a digit: "heart-break" or "understand" is no code
        if (code.isupper() or any(c.isdigit() for c in code)) and ("-" in code or code == text.strip()):
            return JOIN_INTENT, code
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TypedCommands(GraphComponent):
    """Sets the intent of typed commands and practice codes (runs before the safety guard)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TypedCommands":
        """Nothing to load."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the intent of each message that is a typed command."""
        for message in messages:
            mood = bare_mood(message.get(TEXT) or "")
            if mood is not None:
                message.set(INTENT, {"name": MOOD_INTENT, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": MOOD_INTENT, "confidence": 1.0}], add_to_output=True)
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != MOOD_INTENT]
                entities.append({"entity": MOOD_INTENT, "value": mood, "start": 0, "end": len(message.get(TEXT)),
                                 "extractor": type(self).__name__})
                message.set(ENTITIES, entities, add_to_output=True)
                continue
            answer = bare_answer(message.get(TEXT) or "")
            if answer is not None:
                message.set(INTENT, {"name": answer, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": answer, "confidence": 1.0}], add_to_output=True)
                continue
            command = read_command(message.get(TEXT) or "")
            if command is None:
                continue
            intent, code = command
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}], add_to_output=True)
            if code:
                entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != CODE_ENTITY]
                entities.append({"entity": CODE_ENTITY, "value": code, "start": 0, "end": len(code),
                                 "extractor": type(self).__name__})
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn: commands have a fixed shape."""
        return training_data
