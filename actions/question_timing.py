"""The question flow's "now or later?" and "when?", asked in the asker's language (``bot.language.coaching_after``)."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import refused_this_turn
from actions.questions import _offer
from bot.language import coaching_after


class ActionAskQuestionTiming(Action):
    """Ask now or later, in the asker's language (English: the domain's response with its buttons)."""

    def name(self) -> Text:
        return "action_ask_question_timing"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        language = _offer(tracker).get("language") or "en"
        if refused_this_turn(tracker, "question_timing", "question_form"):
            return []  # the refusal asked again, with these buttons (actions/forms.py)
        coaching_after.say(dispatcher, language, "utter_ask_question_timing",
                           buttons=coaching_after.timing_buttons(language))
        return []


class ActionAskQuestionWhen(Action):
    """Ask when, in the asker's language."""

    def name(self) -> Text:
        return "action_ask_question_when"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not refused_this_turn(tracker, "question_when", "question_form"):  # else the refusal asked again
            coaching_after.say(dispatcher, _offer(tracker).get("language") or "en", "utter_ask_question_when")
        return []
