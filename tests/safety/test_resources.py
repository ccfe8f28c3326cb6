"""Help lines: every country file is complete, numbers come from the checked list, ordering rules."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content import CONTENT_DIR
from bot.safety.resources import (
    CATEGORIES, available_countries, country_from_language, format_resources, normalise_country, resources_for,
)

FOLDER = CONTENT_DIR / "resources"
CHECKED_LIST = Path("/work/shared/RESOURCES-CHECKED.md")
COUNTRIES = ["US", "UK", "CA", "AU", "IE", "DE", "NZ", "ES", "FR", "INTL"]
CRISIS_CATEGORIES = [c for c in CATEGORIES if c != "general"]
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _file(code: str) -> dict:
    with (FOLDER / f"{code}.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_every_country_is_there() -> None:
    """The ten files the product needs, and nothing unexpected."""
    assert sorted(available_countries()) == sorted(COUNTRIES)


@pytest.mark.parametrize("code", COUNTRIES)
def test_country_file_is_complete(code: str) -> None:
    """Each entry: name, a way to reach it, hours key, categories, source and checked date."""
    data = _file(code)
    assert data["code"] == code and data["country"] and data["language"] in ("en", "de", "es", "fr")
    assert "emergency" in data and DATE.match(str(data["checked"]))
    assert data["entries"]
    for entry in data["entries"]:
        where = f"{code}: {entry.get('name')}"
        assert entry.get("name"), where
        assert entry.get("phone") or entry.get("text") or entry.get("web"), where
        assert "hours" in entry and (entry["hours"] is None or isinstance(entry["hours"], str)), where
        assert entry.get("categories") and set(entry["categories"]) <= set(CATEGORIES), where
        assert str(entry.get("source", "")).startswith("https://"), where
        assert DATE.match(str(entry.get("checked"))), where
        assert entry.get("status") in ("verified", "listed"), where
    covered = {c for e in data["entries"] for c in e["categories"]}
    assert "general" in covered or code == "INTL"


@pytest.mark.skipif(not CHECKED_LIST.exists(), reason="the shared checked list is not on this machine")
@pytest.mark.parametrize("code", COUNTRIES)
def test_numbers_come_from_the_checked_list(code: str) -> None:
    """Every phone number, text short code and emergency number appears verbatim in the checked list."""
    checked = CHECKED_LIST.read_text(encoding="utf-8")
    data = _file(code)
    numbers = [data["emergency"]] if data["emergency"] else []
    for entry in data["entries"]:
        numbers += [entry.get("phone"), *(entry.get("other_phones") or [])]
        numbers += re.findall(r"\d[\d ]*\d|\d", entry.get("text") or "")
    for number in filter(None, numbers):
        assert str(number) in checked, f"{code}: {number} is not in {CHECKED_LIST}"


def test_unknown_country_falls_back_to_intl() -> None:
    """Unknown, empty or odd input gives the international list."""
    for country in (None, "", "ZZ", "Italia", "it", 42):
        assert resources_for(country, "suicide_self_harm").country == "INTL"  # type: ignore[arg-type]
    text = format_resources(resources_for("xx", "partner_violence"))
    assert "local emergency number" in text and "findahelpline.com" in text


@pytest.mark.parametrize("code", COUNTRIES)
def test_medical_puts_the_emergency_number_first(code: str) -> None:
    """For medical emergencies the emergency number leads, in the list and in the text."""
    found = resources_for(code, "medical_emergency")
    assert found.entries[0].kind == "emergency"
    text = format_resources(found)
    first = text.splitlines()[0]
    assert (found.emergency or "local emergency number") in first


@pytest.mark.parametrize("code", COUNTRIES)
@pytest.mark.parametrize("category", CRISIS_CATEGORIES + [None])
def test_emergency_always_included_and_specific_lines_first(code: str, category: str) -> None:
    """The emergency line is always there; lines for the category come before general ones."""
    found = resources_for(code, category)
    assert sum(e.kind == "emergency" for e in found) == 1
    helplines = [e for e in found if e.kind != "emergency"]
    assert helplines, f"{code}/{category}: no help line at all"
    if category:
        flags = [category in e.categories for e in helplines]
        assert flags == sorted(flags, reverse=True)
    assert "danger" in format_resources(found).splitlines()[0] or category == "medical_emergency"


def test_specific_examples() -> None:
    """Spot checks against the checked list."""
    us = resources_for("US", "partner_violence")
    assert us.entries[0].name == "National Domestic Violence Hotline" and us.entries[0].phone == "1-800-799-7233"
    uk = format_resources(resources_for("gb", "suicide_self_harm"))
    assert "999" in uk and "116 123" in uk
    assert resources_for("DE", "partner_violence").entries[0].phone == "116 016"
    assert resources_for("AU", "medical_emergency").emergency == "000"


def test_format_is_short_warm_and_optionally_markdown() -> None:
    """A few short lines; markdown bolds names and links the web address."""
    text = format_resources(resources_for("NZ", "partner_violence"))
    lines = text.splitlines()
    assert len(lines) <= 10 and all(len(line) <= 160 for line in lines)
    assert "alone" in text
    md = format_resources(resources_for("NZ", "partner_violence"), markdown=True)
    assert "**Women's Refuge crisis line (0800 REFUGE)**" in md and "(https://womensrefuge.org.nz)" in md
    de = format_resources(resources_for("DE", "suicide_self_harm"), language="de")
    assert de.startswith("Wenn du") and "Polizei: 110" in de


@pytest.mark.parametrize("raw,code", [
    ("gb", "UK"), ("GB", "UK"), ("uk", "UK"), ("United Kingdom", "UK"), ("england", "UK"),
    ("us", "US"), ("USA", "US"), ("united  states", "US"), ("Deutschland", "DE"), ("de", "DE"),
    ("nz", "NZ"), ("Aotearoa", "NZ"), ("ie", "IE"), ("Éire", "IE"), ("au", "AU"), ("ca", "CA"),
    ("fr", "FR"), ("France", "FR"), ("es", "ES"), ("España", "ES"), ("it", None), ("", None), (None, None),
])
def test_normalise_country(raw: str, code: str) -> None:
    """Codes, names and common aliases map to our file codes."""
    assert normalise_country(raw) == code


@pytest.mark.parametrize("tag,code", [
    ("en-GB", "UK"), ("en_US", "US"), ("en-AU", "AU"), ("de", "DE"), ("de-DE", "DE"), ("de-AT", None),
    ("en", None), ("fr-CA", "CA"), ("ga", "IE"), ("", None), (None, None), ("???", None),
])
def test_country_from_language(tag: str, code: str) -> None:
    """A region in the tag wins; a bare language only where it is unambiguous."""
    assert country_from_language(tag) == code


def test_resource_list_is_iterable_and_json_friendly() -> None:
    """Callers iterate it and turn entries into plain dicts."""
    import dataclasses
    import json

    found = resources_for("CA", "child_safety")
    assert len(found) == len(list(found)) and found[0] is found.entries[0]
    json.dumps([dataclasses.asdict(e) for e in found])


@pytest.mark.parametrize("language, country, words", [
    ("es", "ES", ["024", "016", "gratuito", "a cualquier hora"]),
    ("fr", "FR", ["3114", "3919", "gratuit", "à toute heure"]),
    ("de", "DE", ["0800 111 0 111", "kostenlos", "rund um die Uhr"]),
])
def test_help_lines_speak_the_readers_language(language: str, country: str, words: list) -> None:
    """No English lead-in or "(free)" before Spanish, French or German lines."""
    text = format_resources(resources_for(country_from_language(language) or country, None), language=language)
    for word in words:
        assert word in text
    for english in ("(free)", "any time", "You don't have to", "please call"):
        assert english not in text
