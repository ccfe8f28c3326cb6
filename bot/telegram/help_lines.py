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
        return ui("resources_fallback")
