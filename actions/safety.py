"""The safety layer's actions: human help first, a gentle check, and a hold until safe.

A crisis message stops every flow. The person gets a short human message and the
help lines for their country and the kind of crisis; the event is logged; the
on-call contact is told; and the regular flows wait (``safety_form``) until the
person says they are safe. In a group chat, a disclosure of partner violence
goes only to the person who made it.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import KintsugiFormValidation
from actions.common import (clear_flow_slots, country_of, domain_responses, is_group, language_of, metadata,
                            response_text, safe_log_event, who)
from bot import clock, content
from bot.safety.oncall import notify_crisis
from bot.safety import resources
from bot.storage import events

log = logging.getLogger(__name__)
# Read the help lines and the replies as the action server starts, not during someone's first crisis.
resources.warm()
domain_responses()

CATEGORIES = ("suicide_self_harm", "partner_violence", "harm_to_others", "child_safety", "medical_emergency")
PRIVATE_CATEGORIES = ("partner_violence",)


def _words(name: str) -> "re.Pattern[str]":
    """The answer words of the safety check (``content/words.yml``: ``safety_hold``)."""
    return content.words("safety_hold", name, at_start=name in ("yes", "no"))



def _negated_mention(text: str) -> bool:
    """ "I'm not suicidal", "I would never hurt myself": a no, in the detector's own terms."""
    from bot.safety import get_detector

    assessment = get_detector().assess(text)
    return assessment.negated and assessment.level == "check"


SUPPORTED_LANGUAGES = ("en", "de", "es", "fr")


def guess_language(text: str) -> Optional[str]:
    """German, Spanish or French when the message clearly is (``bot/safety/language_guess.py``)."""
    from bot.safety.language_guess import guess_language as guess

    return guess(text)


def crisis_language(tracker: Tracker) -> str:
    """The language of the safety replies: the client's, the one kept for this hold, or the message's."""
    told = language_of(tracker) if metadata(tracker).get("language") else None
    if told in SUPPORTED_LANGUAGES:
        return told
    kept = tracker.get_slot("crisis_language")
    if kept in SUPPORTED_LANGUAGES:
        return kept
    return guess_language(tracker.latest_message.get("text") or "") or "en"


def _country(tracker: Tracker, language: str, person: Optional[Any] = None) -> str:
    """The help lines' country: the client's, else the one the message's language points to."""
    meta = metadata(tracker)
    if meta.get("country") or meta.get("language") or (person is not None and getattr(person, "country", None)):
        return country_of(tracker, person)
    from bot.safety.resources import country_from_language

    return (country_from_language(language) if language != "en" else None) or country_of(tracker, person)


def say_text(domain: DomainDict, name: str, language: str, **values: Any) -> str:
    """A safety reply as text, in ``language`` (``content/safety/replies.yml``), else English."""
    translated = (content.load("safety/_replies").get(language) or {}).get(name)
    if translated:
        return translated.format(**values)
    return response_text(domain, name, **values)


def say(dispatcher: CollectingDispatcher, domain: DomainDict, name: str, language: str) -> None:
    """Utter a safety reply in the person's language (English through the domain's own response)."""
    if language != "en" and (content.load("safety/_replies").get(language) or {}).get(name):
        dispatcher.utter_message(text=say_text(domain, name, language))
    else:
        dispatcher.utter_message(response=name)


def _category(tracker: Tracker) -> str:
    value = tracker.get_slot("crisis_category") or next(tracker.get_latest_entity_values("crisis_category"), None)
    return value if value in CATEGORIES else "general"


def _resources(country: str, category: str, language: str = "en") -> Dict[str, Any]:
    """Help lines as text and as structured entries for channels that render links."""
    from bot.safety.resources import format_resources, resources_for

    found = resources_for(country, None if category == "general" else category)
    structured = [asdict(e) for e in found.entries]
    return {"text": format_resources(found, language=language), "entries": structured,
            "emergency": getattr(found, "emergency", None), "country": getattr(found, "country", country)}


def crisis_message(domain: DomainDict, category: str, country: str, *, lead: Optional[str] = None,
                   extra: Optional[str] = None, language: str = "en") -> Dict[str, Any]:
    """The custom payload every channel shows as a crisis reply (see docs/contracts.md)."""
    resources = _resources(country, category, language)
    intro = lead or say_text(domain, f"utter_crisis_{category}", language)
    parts = [intro, resources["text"]]  # the help-line block brings its own short lead-in
    if extra:
        parts.append(extra)
    return {"kintsugi": {"kind": "crisis", "category": category, "country": resources["country"],
                         "text": "\n\n".join(p for p in parts if p), "resources": resources["entries"],
                         "emergency": resources["emergency"]}}


async def _notify(notice: Dict[str, Any]) -> List[str]:
    try:
        return await notify_crisis(notice)
    except Exception:  # noqa: BLE001 - a failed notice must never cost the person their reply
        log.exception("crisis notice failed")
        return []


async def route_crisis(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                       category: str, *, level: str = "crisis") -> List[EventType]:
    """Send help, log, notify; privately when a group must not see the disclosure."""
    person = who(tracker)
    language = crisis_language(tracker)
    country = _country(tracker, language, person)
    private = is_group(tracker) and category in PRIVATE_CATEGORIES
    notice = {"type": "crisis", "level": level, "category": category, "conversation_id": tracker.sender_id,
              "couple_id": person.couple_id, "partner_id": person.partner_id,
              "at": clock.now().isoformat(timespec="seconds")}
    delivered = await _notify(notice)
    extra = say_text(domain, "utter_helper_notified", language,
                     helper=say_text(domain, "helper_oncall", language) if language != "en"
                     else "the person on call for your therapist") if delivered else None
    if private:
        payload = crisis_message(domain, category, country, extra=say_text(domain, "utter_private_note", language),
                                 language=language)
        payload["kintsugi"].update({"audience": "private", "partner_id": metadata(tracker).get("partner_id")})
        dispatcher.utter_message(json_message=payload)
        say(dispatcher, domain, "utter_group_neutral_pause", language)
    else:
        dispatcher.utter_message(json_message=crisis_message(domain, category, country, extra=extra,
                                                            language=language))
    safe_log_event(tracker.sender_id, events.CRISIS_ROUTED, partner_id=person.partner_id,
                   couple_id=person.couple_id,
                   details={"category": category, "level": level, "country": country, "private": private,
                            "notified": delivered})
    return [SlotSet("safety_level", "crisis"), SlotSet("safety_private", private),
            SlotSet("crisis_language", language)]


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
            message = crisis_message(domain, category, _country(tracker, language),
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
        message = crisis_message(domain, category, _country(tracker, language, person),
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
        message = crisis_message(domain, "general", _country(tracker, language),
                                 lead=say_text(domain, "utter_get_resources", language), language=language)
        message["kintsugi"]["kind"] = "resources"
        if is_group(tracker):
            # Never in front of the partner (it may be the person they need help from): privately to
            # whoever asked; the channel tells the group one neutral line (docs/contracts.md).
            message["kintsugi"].update({"audience": "private", "partner_id": metadata(tracker).get("partner_id")})
        dispatcher.utter_message(json_message=message)
        return []
