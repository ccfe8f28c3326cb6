"""What question coaching says after a wording is chosen, in the asker's language.

The asker's language is decided once, when the question is coached (``bot.language.coaching.advise``:
the question's own language when clear, else the client's), and kept with the offer in the
``question_reworded`` slot. English is the domain's responses; German, Spanish and French are in
``content/coaching/after_choice.yml`` under the same response names (a missing one falls back to English).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from bot import content

CONTENT = "coaching/after_choice"
TIMING_PAYLOADS = {"now": "now", "later": "later"}


def texts(language: str) -> Dict[str, Any]:
    """The after-choice sentences in ``language`` ({} for English or a language without them)."""
    return (content.load(CONTENT) or {}).get(language) or {}


def timing_buttons(language: str) -> Optional[List[Dict[str, str]]]:
    """'Now' and 'Choose a time' in ``language`` (payloads stay the words the timing answer reads); None in English."""
    titles = texts(language).get("timing_buttons")
    if not titles:
        return None
    return [{"title": str(titles[key]), "payload": payload} for key, payload in TIMING_PAYLOADS.items()]


def say(dispatcher: Any, language: str, response: str, buttons: Optional[List[Dict[str, str]]] = None,
        **values: Any) -> None:
    """Utter ``response`` in ``language``: the domain's English, or the translation as plain text.

    Translations go out as text with their own buttons (no response name), so the English template's
    buttons never come along.
    """
    translated = texts(language).get(response)
    if not translated:
        dispatcher.utter_message(response=response, **({"buttons": buttons} if buttons else {}), **values)
        return
    try:
        text = str(translated).format(**values)
    except (KeyError, IndexError, ValueError):
        text = str(translated)
    dispatcher.utter_message(text=text, **({"buttons": buttons} if buttons else {}))


def text(language: str, response: str, **values: Any) -> str:
    """One after-choice sentence as text in ``language`` (English: the domain's response)."""
    translated = texts(language).get(response)
    if translated:
        try:
            return str(translated).format(**values)
        except (KeyError, IndexError, ValueError):
            return str(translated)
    from actions.common import response_text

    return response_text({}, response, **values)


def when_words(moment: datetime, language: str, english: str) -> str:
    """A day and a time in ``language`` (``moment`` already in the reader's zone); ``english`` when English."""
    pattern = texts(language).get("when_pattern")
    if not pattern:
        return english
    from babel.dates import format_datetime

    return format_datetime(moment, str(pattern), locale=language)
