"""Conversation scripts the load driver plays: Kintsugi's three flows and the stock bot's stories."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

ANA = {"partner_id": "rest:ana", "display_name": "Ana", "channel": "rest", "chat_type": "group",
       "language": "en", "country": "GB", "timezone": "Europe/London", "addressed": True}
BEN = {**ANA, "partner_id": "rest:ben", "display_name": "Ben"}


@dataclass(frozen=True)
class Turn:
    """One user message, who wrote it, and a tag saying what kind of turn it is."""

    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    tag: str = "ordinary"


Script = Tuple[Turn, ...]


def kintsugi_scripts() -> List[Script]:
    """A pause flow, a question flow and a ground-rules flow, as a couple in a group chat writes them."""
    pause = (Turn("I'm flooded, my heart is racing", ANA, "action"), Turn("in 30 minutes", ANA))
    question = (Turn("I want to ask him something about the affair", ANA, "action"),
                Turn("how many times did you sleep with her", ANA),
                Turn("keep my question", ANA), Turn("now", ANA))
    rules = (Turn("we want to agree on some ground rules", ANA, "action"),
             Turn("timeout", BEN), Turn("30 minutes", ANA), Turn("whoever paused texts first", BEN),
             Turn("skip", ANA), Turn("either of us", BEN), Turn("sundays", ANA),
             Turn("/confirm_rules", ANA), Turn("/confirm_rules", BEN))
    return [pause, question, rules]


def crisis_scripts() -> List[Script]:
    """Crisis turns next to ordinary action turns, both opening a conversation, for the crisis-path delta."""
    crisis = (Turn("i don't want to live anymore, i want to kill myself", ANA, "crisis"),)
    ordinary = (Turn("I'm flooded, my heart is racing", ANA, "action"),)
    return [crisis, ordinary]


def stock_scripts() -> List[Script]:
    """The greet/mood stories and rules of the assistant ``rasa init`` creates."""
    return [
        (Turn("hi"), Turn("I'm sad"), Turn("yes"), Turn("bye")),
        (Turn("hello there"), Turn("I am feeling very good"), Turn("are you a bot?"), Turn("goodbye")),
        (Turn("hey"), Turn("very sad"), Turn("no"), Turn("see you later")),
    ]


def expected_messages(scripts: List[Script]) -> int:
    """Messages in one round of every script."""
    return sum(len(script) for script in scripts)
