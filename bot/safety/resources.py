"""Help lines by country, from ``content/resources/<CODE>.yml``.

The numbers there are copied from the project's checked list and carry their
``source`` and ``checked`` date; nothing here hard-codes a number. Unknown
countries get ``INTL`` (directories and "your local emergency number").
Files are read on first use and cached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from bot import content

CATEGORIES = ("medical_emergency", "suicide_self_harm", "partner_violence", "child_safety",
              "harm_to_others", "general")
FALLBACK = "INTL"
_TAG_RE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?")


@dataclass(frozen=True)
class Resource:
    """One service: how to reach it, when, and where the details came from."""

    name: str
    phone: Optional[str] = None
    text: Optional[str] = None  # e.g. "Text HOME to 741741"
    web: Optional[str] = None
    hours: Optional[str] = None
    categories: Tuple[str, ...] = ()
    source: Optional[str] = None
    checked: Optional[str] = None
    status: str = "listed"  # "verified": compared with the service's own pages
    other_phones: Tuple[str, ...] = ()
    kind: str = "helpline"  # or "emergency"
    free: bool = False  # shown as "free" in the reader's language


@dataclass(frozen=True)
class ResourceList:
    """Help lines for one country and one kind of crisis, in the order to show them."""

    country: str
    country_name: str
    language: str
    category: Optional[str]
    emergency: Optional[str]
    emergency_note: Optional[Mapping[str, str]] = None  # by language
    entries: Tuple[Resource, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Resource]:
        """Iterate over the entries."""
        return iter(self.entries)

    def __len__(self) -> int:
        """Number of entries."""
        return len(self.entries)

    def __getitem__(self, index: int) -> Resource:
        """Entry at ``index``."""
        return self.entries[index]


def _dir(path: Optional[Path]) -> Path:
    """The resources folder (``content/resources`` unless given)."""
    return Path(path) if path is not None else content.path_of("resources")


def _load(folder: Path, name: str) -> Dict[str, Any]:
    """Parse one YAML file of the folder (cached)."""
    return content.read(folder / f"{name}.yml")


@lru_cache(maxsize=None)
def _aliases(folder: Path) -> Dict[str, str]:
    """Lower-case code or alias -> file code, for every country file."""
    out: Dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        data = _load(folder, path.stem)
        code = str(data.get("code") or path.stem).upper()
        for alias in [code, *(data.get("aliases") or [])]:
            out[str(alias).strip().lower()] = code
    return out


def warm(path: Optional[Path] = None) -> int:
    """Read every country file now (the action server does at start), so the first crisis reply waits for none."""
    folder = _dir(path)
    for file in folder.glob("*.yml"):
        _load(folder, file.stem)
    return len(available_countries(folder))


def available_countries(path: Optional[Path] = None) -> List[str]:
    """Codes of every country file, e.g. ``['AU', 'CA', ...]``."""
    return sorted(set(_aliases(_dir(path)).values()))


def normalise_country(country: Optional[str], path: Optional[Path] = None) -> Optional[str]:
    """Our file code for a code or name ("gb", "United Kingdom" -> "UK"), else None."""
    if not country or not isinstance(country, str):
        return None
    key = " ".join(country.replace("_", " ").split()).lower()
    return _aliases(_dir(path)).get(key)


def country_from_language(lang_code: Optional[str], path: Optional[Path] = None) -> Optional[str]:
    """A country from a language tag: "en-GB" -> "UK", "de" -> "DE", "en" -> None."""
    match = _TAG_RE.match((lang_code or "").strip())
    if not match:
        return None
    language, region = match.group(1).lower(), match.group(2)
    if region:
        return normalise_country(region, path)
    defaults = _load(_dir(path), "_countries").get("language_defaults") or {}
    code = defaults.get(language)
    return normalise_country(code, path) if code else None


def _resource(raw: Mapping[str, Any]) -> Resource:
    """A Resource from one YAML entry (dates become ISO strings)."""
    def opt(key: str) -> Optional[str]:
        value = raw.get(key)
        return None if value is None else str(value)

    return Resource(
        name=str(raw["name"]), phone=opt("phone"), text=opt("text"), web=opt("web"),
        hours=opt("hours"), categories=tuple(raw.get("categories") or ()), source=opt("source"),
        checked=opt("checked"), status=str(raw.get("status") or "listed"),
        other_phones=tuple(str(p) for p in raw.get("other_phones") or ()), free=bool(raw.get("free")),
    )


def resources_for(country: Optional[str], category: Optional[str] = None,
                  path: Optional[Path] = None) -> ResourceList:
    """Help lines for a country and crisis category (None: all lines), best first."""
    folder = _dir(path)
    code = normalise_country(country, folder) or FALLBACK
    data = _load(folder, code)
    strings = _load(folder, "_strings").get("en", {})
    entries = [_resource(r) for r in data.get("entries") or []]
    if category and category != "general":
        chosen = [e for e in entries if category in e.categories]
        chosen += [e for e in entries if "general" in e.categories and e not in chosen]
    else:
        chosen = sorted(entries, key=lambda e: "general" not in e.categories)
    number = data.get("emergency")
    local = str(strings.get("local_emergency", ""))
    emergency = Resource(
        name=f"Emergency services ({number})" if number else local[:1].upper() + local[1:],
        phone=str(number) if number else None, hours="24/7" if number else None,
        categories=("medical_emergency", "general"), checked=str(data.get("checked") or "") or None,
        status="listed", kind="emergency",
    )
    note = data.get("emergency_note")
    ordered = [emergency, *chosen] if category == "medical_emergency" else [*chosen, emergency]
    return ResourceList(
        country=code, country_name=str(data.get("country") or code), language=str(data.get("language") or "en"),
        category=category, emergency=str(number) if number else None,
        emergency_note=note if isinstance(note, Mapping) or note is None else {"en": str(note)},
        entries=tuple(ordered),
    )


def _line(entry: Resource, words: Mapping[str, str], markdown: bool) -> str:
    """One help line: name, how to reach it, when."""
    ways = []
    if entry.phone:
        phones = " / ".join((entry.phone, *entry.other_phones))
        ways.append(words["call"].format(phone=phones))
    if entry.text:
        ways.append(entry.text[0].lower() + entry.text[1:] if ways else entry.text)
    if entry.web:
        ways.append(f"[{entry.web}](https://{entry.web})" if markdown else entry.web)
    name = f"**{entry.name}**" if markdown else entry.name
    if entry.free:
        name += f" ({words['free']})"
    line = f"• {name}: {', '.join(ways)}" if ways else f"• {name}"
    if entry.hours:
        hours = words["any_time"] if entry.hours == "24/7" else entry.hours
        line += f" ({hours})"
    return line


def format_resources(resources: ResourceList, markdown: bool = False, language: str = "en",
                     path: Optional[Path] = None) -> str:
    """A short, warm block of help lines, the emergency number first or last."""
    all_words = _load(_dir(path), "_strings")
    words = {**all_words.get("en", {}), **all_words.get(language, {})}
    number = resources.emergency or words["local_emergency"]
    notes = resources.emergency_note or {}
    note = notes.get(language) or notes.get("en")
    if resources.emergency and note:
        number = f"{number} ({note})"
    if markdown and resources.emergency:
        number = f"**{number}**"
    medical = resources.category == "medical_emergency"
    lines = [words["emergency_first" if medical else "emergency"].format(emergency=number)]
    helplines = [e for e in resources.entries if e.kind != "emergency"]
    if helplines:
        lines.append(words["intro_medical" if medical else "intro"])
        lines.extend(_line(e, words, markdown) for e in helplines)
    lines.append(words["closing"])
    return "\n".join(lines)
