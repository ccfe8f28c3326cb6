"""The crisis reply: in the person's language, with the help lines of their country and the kind of crisis.

``route_crisis`` sends it (privately when a group must not see a disclosure of partner violence),
logs the crisis and tells the on-call contact; the safety actions (``actions/safety.py``) call it.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (country_of, domain_responses, is_group, language_of, metadata, response_text,
                            safe_log_event, who)
from bot import clock, content
from bot.safety import resources
from bot.safety.oncall import notify_crisis
from bot.storage import events

log = logging.getLogger(__name__)
# Read the help lines and the replies as the action server starts, not during someone's first crisis.
resources.warm()
domain_responses()

CATEGORIES = ("suicide_self_harm", "partner_violence", "harm_to_others", "child_safety", "medical_emergency")
PRIVATE_CATEGORIES = ("partner_violence",)
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


def country_for_help(tracker: Tracker, language: str, person: Optional[Any] = None) -> str:
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
    except Exception as exc:  # noqa: BLE001 - a failed notice must never cost the person their reply
        log.error("crisis notice failed (%s)", type(exc).__name__)  # no traceback: it could quote the notice
        return []


async def route_crisis(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                       category: str, *, level: str = "crisis") -> List[EventType]:
    """Send help, log, notify; privately when a group must not see the disclosure."""
    person = who(tracker)
    language = crisis_language(tracker)
    country = country_for_help(tracker, language, person)
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
