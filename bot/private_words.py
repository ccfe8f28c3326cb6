"""The sentences of issue 16's flows in the person's language (en, de, es, fr).

English stays where it was: the responses in ``domain.yml`` and the lists in ``content/closeness.yml``
and ``content/reflection.yml``. German, Spanish and French live in ``content/<flow>_i18n/<lang>.yml``
(``closeness``, ``reflection``): the same response names under ``responses:``, and the list's own
words (items, group titles, buttons) under the keys the English file uses. A missing key falls back
to English, so a new English sentence never breaks the other languages.

Which language (:func:`choose`), as the crisis replies pick it: the client's (Telegram's
``language_code``, the widget page's language, a REST client's ``language``), else the one kept
with the person's private note from when they started, else the language the typed message is
clearly in (``bot.safety.language_guess``), else English.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot import content

LANGUAGES = ("en", "de", "es", "fr")


def _code(value: Any) -> Optional[str]:
    code = str(value or "")[:2].lower()
    return code if code in LANGUAGES else None


def language_tag(value: Any) -> str:
    """A client's or Telegram's language tag as one of ours ("de-AT", "de_AT" → "de"); English otherwise."""
    return _code(value) or "en"


def choose(told: Any = None, kept: Any = None, typed: Optional[str] = None) -> str:
    """The language to speak: the client's, the kept one, the typed message's, else English."""
    for candidate in (told, kept):
        if _code(candidate):
            return str(_code(candidate))
    if typed and not typed.startswith("/"):
        from bot.safety.language_guess import guess_language

        guessed = _code(guess_language(typed))
        if guessed:
            return guessed
    return "en"


def texts(flow: str, language: str) -> Dict[str, Any]:
    """``content/<flow>_i18n/<language>.yml`` ({} for English or a language without a file)."""
    if language == "en" or _code(language) is None:
        return {}
    path = content.path_of(f"{flow}_i18n/{language}")
    return content.read(path) if path.exists() else {}


def word(flow: str, language: str, *keys: str, english: Any = None) -> Any:
    """One entry of the flow's words in ``language`` (``keys`` is its path), else ``english``."""
    node: Any = texts(flow, language)
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return english
        node = node[key]
    return english if node in (None, "") else node


def say(dispatcher: Any, flow: str, language: str, response: str,
        buttons: Optional[List[Dict[str, str]]] = None, replaces_buttons: bool = False, **values: Any) -> None:
    """Utter ``response`` in ``language``: the domain's English, or the translation as its text.

    The response's name stays on the message (rasa fills the English template, then the message's
    own text replaces it), so everything that knows a reply by its name still does. With
    ``replaces_buttons`` the domain's response has buttons of its own: the English keeps them and
    ``buttons`` are left out; a translation gets ``buttons`` instead and names its response as rasa
    does (``utter_action``), since rasa would otherwise add the English buttons to the message's.
    """
    translated = word(flow, language, "responses", response)
    if replaces_buttons and not translated:
        buttons = None
    extra: Dict[str, Any] = {"buttons": buttons} if buttons else {}
    if translated:
        try:
            text = str(translated).format(**values)
        except (KeyError, IndexError, ValueError):
            text = str(translated)
        named = {"utter_action": response} if replaces_buttons and buttons else {"response": response}
        dispatcher.utter_message(text=text, **named, **extra, **values)
    else:
        dispatcher.utter_message(response=response, **extra, **values)
