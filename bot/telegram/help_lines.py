"""The gateway's own safety check and help lines, from the shared ``bot.safety`` layer.

They work without rasa, so a person in crisis gets help even when the rest is down.
"""
from __future__ import annotations

import logging
from typing import Optional, Tuple

from bot.telegram.texts import ui

log = logging.getLogger(__name__)


def assess(text: str) -> Tuple[str, Optional[str]]:
    """Level (``none``, ``check``, ``crisis``) and category of a message."""
    try:
        from bot.safety import get_detector

        assessment = get_detector().assess(text)
    except Exception as exc:  # noqa: BLE001 - a broken detector must not silence the chat
        log.error("safety detector failed: %s", type(exc).__name__)
        return "none", None
    return assessment.level, assessment.category


def warm_up() -> None:
    """Load the detector now, so the first person to write does not wait for it (spaCy loads slowly)."""
    assess("hello")


def country_from_language(language_code: Optional[str]) -> Optional[str]:
    """The help-line country a client's language tag points to ("en-GB" → UK, "de" → DE)."""
    try:
        from bot.safety.resources import country_from_language as guess

        return guess(language_code)
    except Exception as exc:  # noqa: BLE001 - the default country will do
        log.error("country guess failed: %s", type(exc).__name__)
        return None


def resources_text(country: Optional[str], category: Optional[str] = None, language: Optional[str] = None) -> str:
    """Help lines for a country (and a kind of crisis), as plain text in the person's language."""
    try:
        from bot.safety import format_resources, resources_for

        category = None if category in (None, "general") else category
        return format_resources(resources_for(country, category), language=language or "en")
    except Exception as exc:  # noqa: BLE001 - help lines must always be there
        log.error("help-line directory failed: %s", type(exc).__name__)
        return ui("resources_fallback", language)


def message_language(client_language: Optional[str], text: Optional[str]) -> Optional[str]:
    """The language of the gateway's own crisis reply: the client's, else the message's own, as rasa's reply chooses.

    A Spanish crisis message from a client that names no language gets its help in Spanish, with
    Spain's lines, even when the gateway answers alone (rasa slow or down).
    """
    if client_language:
        return client_language
    try:
        from bot.safety.language_guess import guess_language

        return guess_language(text)
    except Exception as exc:  # noqa: BLE001 - English will do
        log.error("language guess failed: %s", type(exc).__name__)
        return None


def crisis_intro(language: Optional[str], category: Optional[str]) -> str:
    """The first words of the gateway's crisis reply, in ``language`` where the safety replies have it."""
    if language and language != "en":
        try:
            from bot import content

            replies = content.load("safety/_replies").get(language) or {}
            text = replies.get(f"utter_crisis_{category or 'general'}") or replies.get("utter_crisis_general")
            if text:
                return text
        except Exception as exc:  # noqa: BLE001 - the English words will do
            log.error("crisis reply words failed: %s", type(exc).__name__)
    return ui("crisis_intro", language)
