"""A message that is only one of the check-in's mood emoji is a check-in mood, read by pattern (the prompt's
buttons in content/channels/reminders.yml), not guessed by the text model: "🙂" and "👍" look alike to it."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.typed_commands import TypedCommands, bare_mood


@pytest.mark.parametrize("text, mood", [("😞", "1"), ("😔", "2"), (" 😐 ", "3"), ("🙂", "4"), ("😊", "5"),
                                        ("👍", None), ("🙂 thanks", None), ("mood 3", None), ("", None)])
def test_a_bare_mood_emoji_is_read_by_shape(text, mood) -> None:
    assert bare_mood(text) == mood


def test_the_component_sets_the_mood_intent_and_its_entity() -> None:
    said, other = Message({"text": "🙂", "intent": {"name": "affirm", "confidence": 0.6}}), Message({"text": "👍"})
    TypedCommands().process([said, other])
    assert said.get("intent") == {"name": "checkin_mood", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in said.get("entities")] == [("checkin_mood", "4")]
    assert other.get("intent") is None
