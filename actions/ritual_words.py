"""The rituals' replies in the person's language (issue 15): check-ins, quiet hours, promises, money dates,
and the weekly talk's slot.

English stays in ``domain.yml`` (and ``content/rituals.yml``); German, Spanish and French are in
``content/rituals_i18n/<lang>.yml``: ``responses`` by the domain's response name, ``buttons`` their titles
in the domain's order (the payloads stay the domain's), and the words put into them (moods, days,
ordinals). A missing key falls back to English. One helper says them all (``say``, over
``bot.private_words.say``).

Which language (``speaks``), as the weekly talk and the private notes choose it: the client's, else the
one kept with the check-in prompt this person answers (its reminder's ``language``), else the language
their typed words are clearly in, else English.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.common import domain_responses, metadata, user_text
from bot import content, private_words, storage

FLOW = "rituals"


def speaks(tracker: Tracker, kept: Any = None) -> str:
    """The person's language: their client's, else ``kept``, else their typed words', else English."""
    return private_words.choose(metadata(tracker).get("language"), kept, user_text(tracker))


def checkin_speaks(tracker: Tracker) -> str:
    """For the check-in's answers: the language its latest prompt here was sent in is the kept one."""
    planned = storage.latest_reminder(tracker.sender_id, storage.CHECKIN_KIND)
    return speaks(tracker, (planned.details or {}).get("language") if planned is not None else None)


def _english_buttons(response: str) -> List[Dict[str, Any]]:
    variations = domain_responses().get(response) or []
    return list((variations[0] if variations else {}).get("buttons") or [])


def say(dispatcher: Any, language: str, response: str, **values: Any) -> None:
    """Utter ``response`` in ``language``; a translation with button titles carries them over the domain's payloads."""
    titles = private_words.word(FLOW, language, "buttons", response)
    english = _english_buttons(response) if titles else []
    buttons = [{"title": str(title), "payload": str(button["payload"]).format(**values)}
               for title, button in zip(titles or [], english)]
    private_words.say(dispatcher, FLOW, language, response, buttons=buttons or None,
                      replaces_buttons=bool(buttons), **values)


def words(language: str, key: str) -> Any:
    """An entry of ``content/rituals.yml`` ``words`` (English) or of the translation's ``words``."""
    english = content.load("rituals")["words"][key]
    return private_words.word(FLOW, language, "words", key, english=english)


def mood_word(mood: int, language: str) -> str:
    """ "heavy", "schwer", "pesado": a mood 1-5 in words."""
    return str(words(language, "moods")[int(mood) - 1])


def day_name(weekday: int, language: str, english: str) -> str:
    """A weekday's name in ``language`` (Babel), ``english`` as given for English."""
    if language == "en":
        return english
    from babel.dates import get_day_names

    return str(get_day_names("wide", locale=language)[int(weekday)])


def describe_days(weekdays: str, language: str = "en") -> str:
    """ "every day", "on weekdays", "on Mondays and Thursdays"; "jeden Montag und Donnerstag"."""
    days = words(language, "days")
    if weekdays in days["sets"]:
        return str(days["sets"][weekdays])
    english = days.get("names") or []
    names = [day_name(int(d), language, str(english[int(d)]) if english else "") for d in weekdays]
    listed = names[0] if len(names) == 1 else days["joiner"].join(names[:-1]) + days["last_joiner"] + names[-1]
    return str(days["named"]).format(days=listed)


def ordinal(nth: int, language: str, english: Optional[str] = None) -> str:
    """ "first", "ersten", "primer": which weekday of the month."""
    translated = private_words.word(FLOW, language, "words", "ordinals")
    if isinstance(translated, dict) and str(nth) in {str(k) for k in translated}:
        return str({str(k): v for k, v in translated.items()}[str(nth)])
    return str(english or nth)
