"""One base class for every form: an answer, or a request to stop?

In the middle of a form people answer ("30 minutes", "timeout") or ask for a
break ("I need a break, this is too much"). The model's intent alone cannot
tell them apart, because answers about time sound like flooding. The form
keeps the answer when it is a plausible one for the question asked, and
otherwise hands the turn back to the rules (the pause flow).
"""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import is_side_talk, response_text, user_text
from bot.language.timeparse import parse_duration, parse_when

BREAK_INTENT = "im_flooded"
BREAK_CONFIDENCE = 0.5
TIME_SLOTS = ("pause_resume_time", "rule_break_length", "question_when", "question_timing")
SIGNAL_SLOTS = ("rule_pause_signal",)
# The pause form is where a break leads; the safety form holds until the person is safe.
NEVER_LEFT_FOR_A_BREAK = ("pause_form", "safety_form")


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def is_break_request(tracker: Tracker, requested_slot: Optional[str]) -> bool:
    """True when the latest message asks to stop rather than answer ``requested_slot``."""
    text = user_text(tracker)
    signal = tracker.get_slot("pause_signal")
    if signal and requested_slot not in SIGNAL_SLOTS and _plain(text) == _plain(signal):
        return True
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != BREAK_INTENT or (intent.get("confidence") or 0) < BREAK_CONFIDENCE:
        return False
    if requested_slot in TIME_SLOTS and (parse_when(text) or parse_duration(text)):
        return False  # "30 minutes", "give me an hour": an answer about time
    if requested_slot in SIGNAL_SLOTS and len(text.split()) <= 3:
        return False  # "timeout", "red card": the signal they are choosing
    if str(requested_slot or "").startswith(("rule_", "change_rule_")):
        from bot.language.off_limits import reads_as_rule_answer

        if reads_as_rule_answer(text):
            return False  # "whoever called the pause reaches out first": an agreement about pauses
    return True


def answers_the_form(tracker: Tracker, form: str) -> bool:
    """True when the latest message came while the form was waiting for an answer.

    False when the form is being started by the action before it (the message that started it,
    possibly unaddressed like the pause word, is no answer to read).
    """
    actions = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action":
            actions.append(event.get("name"))
    return all(name == form for name in actions)


class KintsugiFormValidation(FormValidationAction):
    """Validate slots as usual, but let a break request leave the form."""

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>; abstract so the action server skips this base class."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        """Reject the form for a break request (the pause rule takes over), else validate."""
        form = self.form_name()
        if form != "safety_form" and answers_the_form(tracker, form) and is_side_talk(tracker):
            # Partners talking to each other in a group: not an answer. The form keeps waiting,
            # silently; the rules only watch the message (crisis, escalation, the pause signal).
            requested = tracker.get_slot("requested_slot")
            return ([SlotSet(requested, None)] if requested else []) + [ActionExecutionRejected(form)]
        if form not in NEVER_LEFT_FOR_A_BREAK and is_break_request(tracker, tracker.get_slot("requested_slot")):
            return [ActionExecutionRejected(form)]
        before = len(dispatcher.messages)
        events = await super().run(dispatcher, tracker, domain)
        merge_refusal(dispatcher, tracker, domain, form, events, before)
        return events

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """Validate only slots that got a value: a flow clearing its slots is not an answer."""
        everything = tracker.slots_to_validate
        tracker.slots_to_validate = lambda: {k: v for k, v in everything().items() if v is not None}
        try:
            return await super().get_validation_events(dispatcher, tracker, domain)
        finally:
            del tracker.slots_to_validate  # back to the class's method



# --- Refusal and re-ask in one message ------------------------------------------------------------
# A refused answer is said once, with the question again: the refusals of these forms already end in
# the question, so the form's own re-ask (the ask actions in actions/form_asks.py, question_timing.py,
# pause_time.py) stays silent for that turn. A note that puts an answer elsewhere gets the question
# appended; a refusal gets the question's buttons.
NOTES_BEFORE_ASK = ("utter_rule_noted_elsewhere",)
_STANDARD_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


def refused_this_turn(tracker: Tracker, slot: str, form: str) -> bool:
    """True when the form's validation refused this message's answer to ``slot`` and already asked again."""
    spoke = refused = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            spoke = True
        if event.get("event") == "slot" and event.get("name") == slot and event.get("value") is None:
            refused = True
    return spoke and refused and answers_the_form(tracker, form)


def _said(message: Dict[Text, Any], domain: DomainDict) -> str:
    if message.get("text"):
        return str(message["text"])
    values = {k: v for k, v in message.items() if k not in _STANDARD_KEYS}
    return response_text(domain, str(message.get("response") or ""), **values) if message.get("response") else ""


def _ask_buttons(slot: str, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
    """The buttons the question for ``slot`` comes with (in the asker's language where it has its own)."""
    if slot == "question_timing":
        from actions.questions import _offer
        from bot.language import coaching_after

        own = coaching_after.timing_buttons(_offer(tracker).get("language") or "en")
        if own:
            return own
    variations = ((domain.get("responses") or {}).get(f"utter_ask_{slot}") or [{}])
    return list(variations[0].get("buttons") or [])


def merge_refusal(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, form: str,
                  events: List[EventType], before: int) -> None:
    """Make what a refusing validation said one message that also asks again (see ``refused_this_turn``)."""
    slot = tracker.get_slot("requested_slot")
    if not slot or not answers_the_form(tracker, form):
        return
    if not any(e.get("event") == "slot" and e.get("name") == slot and e.get("value") is None for e in events):
        return
    said = dispatcher.messages[before:]
    if not said or any(m.get("buttons") or m.get("custom") for m in said):
        return  # a refusal with its own choices (the pause's quick times) asks again itself
    texts = [_said(m, domain) for m in said]
    if said[-1].get("response") in NOTES_BEFORE_ASK and (domain.get("responses") or {}).get(f"utter_ask_{slot}"):
        texts.append(response_text(domain, f"utter_ask_{slot}"))
    # One paragraph: channels send each paragraph of a message without buttons as its own message.
    merged = {"text": " ".join(t.strip() for t in texts if t), "buttons": _ask_buttons(slot, tracker, domain),
              "elements": [], "custom": {}, "template": None, "response": None, "image": None, "attachment": None}
    del dispatcher.messages[before:]
    dispatcher.messages.append(merged)
