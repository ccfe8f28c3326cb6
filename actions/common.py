"""What every action needs: who is speaking, the responses in domain.yml, help lines."""
from __future__ import annotations

import logging
import random
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text


from rasa_sdk import Tracker

from bot import PROJECT_ROOT, content, storage
from bot.storage.practice import join_practice, normalize_code
from bot.config import get_settings

log = logging.getLogger(__name__)

FLOW_SLOTS = (
    "pause_resume_time", "resume_at", "question_text", "question_kind", "question_reworded", "question_choice",
    "question_timing", "question_when", "rule_pause_signal", "rule_break_length", "rule_resume",
    "rule_off_limits", "rule_who_asks", "rule_checkin", "change_rule_name", "change_rule_value",
    "apology_what", "apology_chose", "apology_impact", "apology_change", "apology_send", "apology_noted",
)
GROUP_CHAT_TYPES = ("group", "supergroup")
MAX_TEXT = 4000  # longer messages are cut before any parsing; nothing downstream needs more


def metadata(tracker: Tracker) -> Dict[str, Any]:
    """The channel metadata of the latest user message (partner, chat type, country...).

    At session start the message is not in the tracker yet; Rasa hands its
    metadata over in the ``session_started_metadata`` slot.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            data = event.get("metadata") or {}
            return data if isinstance(data, dict) else {}
    data = tracker.get_slot("session_started_metadata") or {}
    return data if isinstance(data, dict) else {}


def user_text(tracker: Tracker) -> str:
    """The latest user message, cut to a safe length."""
    return (tracker.latest_message.get("text") or "")[:MAX_TEXT]


def who(tracker: Tracker) -> storage.Who:
    """Find or create the couple and partner behind the latest message.

    A practice code in the metadata (the widget's ``data-practice``) links the
    couple to that therapist; sharing still needs each partner's consent.
    """
    meta = metadata(tracker)
    channel = str(meta.get("channel") or tracker.get_latest_input_channel() or "rest")[:32]
    person = _identify(tracker, meta, channel)
    code = normalize_code(str(meta.get("practice_code") or ""))
    if code and person.practice_code != code:
        try:
            join_practice(person.couple_id, code)
        except ValueError as exc:  # an unknown or retired code must not break the conversation
            log.info("practice code not joined: %s", exc)
    return person


def _identify(tracker: Tracker, meta: Dict[str, Any], channel: str) -> storage.Who:
    return storage.identify(
        tracker.sender_id,
        str(meta["partner_id"]) if meta.get("partner_id") else None,
        channel=channel,
        chat_type=str(meta.get("chat_type") or "private")[:32],
        display_name=str(meta["display_name"])[:200] if meta.get("display_name") else None,
        language=str(meta["language"])[:16] if meta.get("language") else None,
        country=str(meta["country"]).upper()[:8] if meta.get("country") else None,
        timezone=str(meta["timezone"])[:64] if meta.get("timezone") else None,
    )


def is_group(tracker: Tracker) -> bool:
    """True when the other partner can read every reply in this chat."""
    return metadata(tracker).get("chat_type") in GROUP_CHAT_TYPES


def is_side_talk(tracker: Tracker) -> bool:
    """True for group talk not addressed to the bot (no mention, no reply, no command, no button).

    It never starts, continues or answers a flow; it is only watched (docs/contracts.md).
    """
    meta = metadata(tracker)
    if meta.get("chat_type") not in GROUP_CHAT_TYPES or meta.get("addressed", True):
        return False
    return not user_text(tracker).startswith("/")


def display_name(tracker: Tracker) -> Optional[str]:
    """How to address the person who wrote the latest message, if known."""
    name = metadata(tracker).get("display_name")
    return str(name)[:60] if name else None


def timezone_of(tracker: Tracker, person: Optional[storage.Who] = None) -> str:
    """The time zone to read and say times in: the message's, the person's own, the couple's, or the default."""
    meta = metadata(tracker)
    own = (getattr(person, "partner_timezone", None) or person.timezone) if person else None
    return str(meta.get("timezone") or own or get_settings().default_timezone)


def country_of(tracker: Tracker, person: Optional[storage.Who] = None) -> str:
    """The country whose help lines to show."""
    meta = metadata(tracker)
    country = meta.get("country") or (person.country if person else None)
    if not country and meta.get("language"):
        from bot.safety.resources import country_from_language

        country = country_from_language(str(meta["language"]))
    return str(country or get_settings().default_country).upper()


def language_of(tracker: Tracker) -> str:
    """The two-letter language of the latest message's client ("en" when unknown)."""
    return str(metadata(tracker).get("language") or "en")[:2].lower()


@lru_cache(maxsize=1)
def domain_responses() -> Dict[Text, Any]:
    """The responses of domain.yml, read once by the action server.

    Rasa sends the domain only to the actions that need it for slots (the forms'
    validators; ``enable_selective_domain`` in endpoints.yml), not with every call.
    """
    return content.read(PROJECT_ROOT / "domain.yml").get("responses") or {}


def response_text(domain: Dict[Text, Any], name: str, **values: Any) -> str:
    """One variation of a response from domain.yml, with ``{placeholders}`` filled."""
    variations = (domain.get("responses") or {}).get(name) or domain_responses().get(name) or []
    if not variations:
        raise KeyError(f"response {name} is missing from domain.yml")
    text = random.choice(variations).get("text", "")
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        return text


def clear_flow_slots(tracker: Optional[Tracker] = None) -> List[Dict[Text, Any]]:
    """Events that forget every half-filled flow slot (only those that hold something)."""
    from rasa_sdk.events import SlotSet

    names = [n for n in FLOW_SLOTS if tracker is None or tracker.get_slot(n) is not None]
    return [SlotSet(name, None) for name in names] + [SlotSet("requested_slot", None)]


def safe_log_event(conversation_id: str, type: str, **kwargs: Any) -> None:
    """Log an event; a storage failure is reported but never breaks the conversation."""
    try:
        storage.log_event(conversation_id, type, **kwargs)
    except Exception:  # noqa: BLE001 - the person's conversation must go on
        log.exception("could not log event %s", type)

