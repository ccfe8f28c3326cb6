"""The forms' questions, asked by actions so that a refusal that already asked again is not followed by
the same question (``actions.forms.refused_this_turn``): the ground rules, changing a rule, the question."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import refused_this_turn

# (form, slot): the question is the domain's utter_ask_<slot>.
ASKED: Tuple[Tuple[str, str], ...] = (
    ("rules_form", "rule_pause_signal"), ("rules_form", "rule_break_length"), ("rules_form", "rule_resume"),
    ("rules_form", "rule_off_limits"), ("rules_form", "rule_who_asks"), ("rules_form", "rule_checkin"),
    ("change_rule_form", "change_rule_name"), ("question_form", "question_text"),
)


class _AskOnce(Action, metaclass=ABCMeta):
    """Ask the slot's question unless the refusal of this message already asked it again."""

    form = ""
    slot = ""

    @abstractmethod
    def name(self) -> Text:
        """action_ask_<slot>; abstract so the action server skips this base class."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not refused_this_turn(tracker, self.slot, self.form):
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


def _ask_action(form: str, slot: str) -> type:
    attrs: Dict[str, Any] = {"form": form, "slot": slot, "__doc__": f"Ask for {slot} once a turn.",
                             "name": lambda self: f"action_ask_{self.slot}"}
    return ABCMeta("ActionAsk" + "".join(part.title() for part in slot.split("_")), (_AskOnce,), attrs)


ASK_ACTIONS = [_ask_action(form, slot) for form, slot in ASKED]
__all__ = ["ASK_ACTIONS"]
