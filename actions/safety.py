"""The safety layer's actions: human help first, a gentle check, and a hold until safe.

A crisis message stops every flow. The person gets a short human message and the
help lines for their country and the kind of crisis; the event is logged; the
on-call contact is told; and the regular flows wait (``safety_form``) until the
person says they are safe. In a group chat, a disclosure of partner violence
goes only to the person who made it. The crisis reply itself (its language, the help lines,
routing and the on-call notice) is ``actions/crisis_reply.py``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import clear_flow_slots, is_group, metadata, safe_log_event, who
from actions.crisis_reply import (CATEGORIES, country_for_help, crisis_language, crisis_message, route_crisis, say,
                                  say_text)
from actions.forms import KintsugiFormValidation
from bot import content
from bot.storage import events


def _words(name: str) -> "re.Pattern[str]":
    """The answer words of the safety check (``content/words.yml``: ``safety_hold``)."""
    return content.words("safety_hold", name, at_start=name in ("yes", "no"))


def _negated_mention(text: str) -> bool:
    """ "I'm not suicidal", "I would never hurt myself": a no, in the detector's own terms."""
    from bot.safety import get_detector

    assessment = get_detector().assess(text)
    return assessment.negated and assessment.level == "check"


def _category(tracker: Tracker) -> str:
    value = tracker.get_slot("crisis_category") or next(tracker.get_latest_entity_values("crisis_category"), None)
    return value if value in CATEGORIES else "general"


class ActionSafetyHandoff(Action):
    """A crisis message: stop every flow and bring human help first."""

    def name(self) -> Text:
        return "action_safety_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        interrupted = tracker.active_loop.get("name") if tracker.active_loop else None
        result = await route_crisis(dispatcher, tracker, domain, _category(tracker))
        return [ActiveLoop(None), *clear_flow_slots(tracker), *result, SlotSet("safety_answer", None)]


class ActionSafetyScreen(Action):
    """An ambiguous message: note it; the safety form asks one gentle, direct question."""

    def name(self) -> Text:
        return "action_safety_screen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        interrupted = tracker.active_loop.get("name") if tracker.active_loop else None
        category = _category(tracker)
        safe_log_event(tracker.sender_id, events.SAFETY_CHECK, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"category": category, "interrupted": interrupted})
        return [ActiveLoop(None), *clear_flow_slots(tracker), SlotSet("safety_level", "check"), SlotSet("safety_private", False),
                                            SlotSet("safety_answer", None), SlotSet("crisis_category", category)]


class ActionAskSafetyAnswer(Action):
    """The screening question, or "are you safe right now?" after a crisis."""

    def name(self) -> Text:
        return "action_ask_safety_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        language = crisis_language(tracker)
        if tracker.get_slot("safety_level") == "crisis":
            say(dispatcher, domain, "utter_ask_safety_answer_crisis", language)
            return []
        category = _category(tracker)
        name = f"utter_screen_{category}" if category in ("suicide_self_harm", "partner_violence") \
            else "utter_screen_general"
        say(dispatcher, domain, name, language)
        return [SlotSet("crisis_language", language)]


class ValidateSafetyForm(KintsugiFormValidation):
    """Hold the conversation until the person says they are safe; escalate on yes or unclear."""

    def name(self) -> Text:
        return "validate_safety_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        """Nothing to hold in the group when the disclosure went privately."""
        return [] if tracker.get_slot("safety_private") else ["safety_answer"]

    async def validate_safety_answer(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Read the answer to the safety question."""
        text = str(value or "")[:500]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        level = tracker.get_slot("safety_level")
        category = _category(tracker)
        if intent == "crisis":
            await route_crisis(dispatcher, tracker, domain, category)
            return {"safety_answer": None, "safety_level": "crisis"}
        if level == "check":
            if _words("no").search(text) and not _words("yes").search(text) or intent in ("deny", "im_safe") or _negated_mention(text):
                return await self._check_closed(dispatcher, tracker, domain, category)
            # a yes, or anything unclear, is met with human help
            events_ = await route_crisis(dispatcher, tracker, domain,
                                         "suicide_self_harm" if category == "general" else category)
            return {"safety_answer": None, **{e["name"]: e["value"] for e in events_}}
        if _words("safe").search(text) or intent == "im_safe" or (intent == "affirm" and not _words("no").search(text)):
            person = who(tracker)
            safe_log_event(tracker.sender_id, events.SAFETY_RESOLVED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"outcome": "safe"})
            say(dispatcher, domain, "utter_safety_glad", crisis_language(tracker))
            return {"safety_answer": "safe"}
        language = crisis_language(tracker)
        if _words("no").search(text) or intent == "deny":
            message = crisis_message(domain, category, country_for_help(tracker, language),
                                     lead=say_text(domain, "utter_safety_no_worry", language), language=language)
            dispatcher.utter_message(json_message=message)
            return {"safety_answer": None}
        say(dispatcher, domain, "utter_safety_still_here", language)
        return {"safety_answer": None}

    @staticmethod
    async def _check_closed(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                            category: str) -> Dict[Text, Any]:
        """A "no" to the screening question: leave the help lines and offer to stay."""
        person = who(tracker)
        safe_log_event(tracker.sender_id, events.SAFETY_RESOLVED, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"outcome": "screen_no", "category": category})
        language = crisis_language(tracker)
        message = crisis_message(domain, category, country_for_help(tracker, language, person),
                                 lead=say_text(domain, "utter_screen_no", language), language=language)
        message["kintsugi"]["kind"] = "resources"
        dispatcher.utter_message(json_message=message)
        return {"safety_answer": "no"}


class ActionSafetyRelease(Action):
    """The hold is over; forget the crisis slots so the next check starts fresh."""

    def name(self) -> Text:
        return "action_safety_release"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        return [SlotSet("safety_answer", None), SlotSet("safety_level", None), SlotSet("safety_private", None),
                SlotSet("crisis_category", None), SlotSet("crisis_language", None)]


class ActionShowResources(Action):
    """Help lines for the person's country, any time they ask."""

    def name(self) -> Text:
        return "action_show_resources"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        language = crisis_language(tracker)
        message = crisis_message(domain, "general", country_for_help(tracker, language),
                                 lead=say_text(domain, "utter_get_resources", language), language=language)
        message["kintsugi"]["kind"] = "resources"
        if is_group(tracker):
            # Never in front of the partner (it may be the person they need help from): privately to
            # whoever asked; the channel tells the group one neutral line (docs/contracts.md).
            message["kintsugi"].update({"audience": "private", "partner_id": metadata(tracker).get("partner_id")})
        dispatcher.utter_message(json_message=message)
        return []
