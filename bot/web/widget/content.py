"""What the widget shows that is data: UI strings, country guesses and help lines."""
from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

from bot import content
DEFAULT_LANGUAGE = "en"
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}")


def fallback_help() -> str:
    """Said when nothing better is known (``help_intro``); the widget carries the same words built in."""
    return strings_for(DEFAULT_LANGUAGE)["help_intro"]


def __getattr__(name: str) -> Any:
    """``FALLBACK_HELP``, read from the strings on first use."""
    if name == "FALLBACK_HELP":
        return fallback_help()
    raise AttributeError(name)


def strings_for(language: Optional[str]) -> Dict[str, str]:
    """UI strings for ``language``, with English filling any gap."""
    catalogue = content.load("widget/strings")
    strings = dict(catalogue[DEFAULT_LANGUAGE])
    code = normalise_language(language)
    if code != DEFAULT_LANGUAGE:
        strings.update(catalogue.get(code) or {})
    return {key: str(value) for key, value in strings.items()}


def normalise_language(language: Optional[str]) -> str:
    """``en-GB`` → ``en``; anything unusable → the default language."""
    match = _LANGUAGE.match((language or "").strip())
    return match.group(0).lower() if match else DEFAULT_LANGUAGE


def normalise_country(country: Optional[str]) -> Optional[str]:
    """An upper-case ISO 3166 alpha-2 code, or None when ``country`` is not one."""
    raw = (country or "").strip()
    if raw.upper() == "UK":  # people write UK; the standard code is GB
        return "GB"
    return raw.upper() if _COUNTRY.match(raw) else None


def guess_country(country: Optional[str], timezone: Optional[str]) -> Optional[str]:
    """The page's own country if it gave one, else a guess from the browser's time zone."""
    explicit = normalise_country(country)
    if explicit:
        return explicit
    zones: Mapping[str, str] = content.load("widget/timezones")
    return zones.get((timezone or "").strip())


def help_for(country: Optional[str], default_country: str = "INTL", language: Optional[str] = None) -> Dict[str, Any]:
    """Help lines for ``country`` as the widget shows them; unknown countries get the directories."""
    from bot.safety import resources as directory

    lang = normalise_language(language)
    found = directory.resources_for(country or default_country)
    known = found.country != directory.FALLBACK
    text = directory.format_resources(found, language=lang)
    # An "emergency" entry without a number only repeats the intro; leave it out.
    entries = [_entry(e) for e in found.entries if e.kind != "emergency" or e.phone]
    # "Get help now" leads with the emergency number, then the lines for every kind of trouble.
    entries.sort(key=lambda e: e["kind"] != "emergency")
    elsewhere = [] if not known else [
        _entry(e) for e in directory.resources_for(directory.FALLBACK).entries if e.kind != "emergency"]
    return {
        "country": normalise_country(country),
        "directory": found.country,
        "country_name": found.country_name,
        "known": known,
        "emergency": found.emergency,
        "intro": text.splitlines()[0] if text else fallback_help(),
        "text": text,
        "resources": entries,
        "elsewhere": elsewhere,
    }


def _entry(item: Any) -> Dict[str, Any]:
    """One help line as plain JSON (only what a person needs to reach it)."""
    keys = ("name", "phone", "other_phones", "text", "web", "hours", "kind")
    return {key: (list(value) if isinstance(value, tuple) else value)
            for key, value in ((k, getattr(item, k, None)) for k in keys)}
