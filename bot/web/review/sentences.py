"""The transcript in words: each logged event as a sentence, times in the reader's locale and zone.

Nothing a therapist reads should look like data: no nulls, booleans, lists, ISO
timestamps or payloads. The words are in ``content/review.yml`` (``sentences``,
``pressed``); dates and times are written by Babel for the therapist's locale.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from typing import Any, Dict, Iterable, Optional

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time

from bot import clock

DEFAULT_LOCALE = "en_GB"
SUPPORTED = ("en_GB", "en_US", "en_AU", "en_CA", "en_IE", "en_NZ", "de", "de_AT", "de_CH", "es", "fr", "fr_CA", "nl",
             "it", "pt", "sv", "da", "nb", "fi", "pl")
_PAYLOAD = re.compile(r"^/([A-Za-z_]+)")


def _words(locale: Optional[str] = None) -> Dict[str, Any]:
    from bot.web.review.render import words

    return words(locale)


def _s(key: str, locale: Optional[str] = None) -> Any:
    return _words(locale)["sentences"][key]


def locale_from(preferred: Optional[str], accept_language: Optional[str] = None) -> str:
    """The therapist's own locale, else the browser's best supported one, else ``en_GB``."""
    if preferred:
        try:
            return str(Locale.parse(preferred.replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            pass
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag or tag == "*":
            continue
        for candidate in (tag, tag.split("_")[0]):
            match = next((s for s in SUPPORTED if s.lower() == candidate.lower()), None)
            if match:
                return match
        if tag.lower() == "en":
            return DEFAULT_LOCALE
    return DEFAULT_LOCALE


def zone_named(name: Optional[str]) -> Optional[tzinfo]:
    """A time zone from its IANA name, or None when unset or unknown."""
    if not name:
        return None
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - a bad name must not break a page
        return None




def when(moment: Optional[datetime], zone: Optional[tzinfo] = None, locale: str = DEFAULT_LOCALE) -> str:
    """A date and time as the reader writes them: "Tue 16 Jun 2026, 20:15" (en_GB), "Tue, Jun 16, 2026, 8:15 PM"."""
    if moment is None:
        return "—"
    local = clock.as_utc(moment).astimezone(zone or timezone.utc)
    return f"{format_skeleton('yMMMEd', local, locale=locale)}, {format_time(local, 'short', locale=locale)}"


def time_of_day(moment: datetime, zone: Optional[tzinfo] = None, locale: str = DEFAULT_LOCALE,
                today: Optional[datetime] = None) -> str:
    """A time ("20:15"), with its date when it falls on another day than ``today``."""
    local = clock.as_utc(moment).astimezone(zone or timezone.utc)
    if today is not None and clock.as_utc(today).astimezone(zone or timezone.utc).date() == local.date():
        return format_time(local, "short", locale=locale)
    return when(moment, zone, locale)


def _parse_time(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _minutes(value: Any, locale: Optional[str] = None) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    return _s("minutes_one", locale) if n == 1 else _s("minutes_many", locale).format(n=n)


def _named(group: str, key: Any, fallback: Optional[str] = None, locale: Optional[str] = None) -> str:
    names = _s(group, locale)
    if key in names:
        return names[key]
    if fallback is not None:
        return names.get(fallback, str(key or "").replace("_", " "))
    return str(key or "").replace("_", " ")


def _list(items: Iterable[str], joiner: str = "and_join", locale: Optional[str] = None) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _s(joiner, locale) + items[-1]


def event_sentence(event_type: str, details: Dict[str, Any], who: Optional[str], *, at: Optional[datetime] = None,
                   zone: Optional[tzinfo] = None, locale: str = DEFAULT_LOCALE, withheld: bool = False) -> str:
    """One logged event as a sentence in the therapist's words and language."""
    from bot.web.review.render import event_label

    sentences = _words(locale)["sentences"]

    def s(key: str) -> Any:
        return sentences[key]

    def named(group: str, key: Any, fallback: Optional[str] = None) -> str:
        return _named(group, key, fallback, locale)

    person = who or s("someone")
    label = event_label(event_type, locale)
    if withheld:
        return s("withheld").format(event=label, who=person)
    d = details or {}
    values: Dict[str, Any] = {"who": person, "event": label}
    key = event_type
    if event_type == "flooding_reported":
        if d.get("interrupted"):
            key, values["flow"] = "flooding_reported_during", named("flows", d["interrupted"])
        elif d.get("after_suggestion"):
            key = "flooding_reported_after_suggestion"
    elif event_type in ("resume_scheduled", "question_scheduled"):
        raw = d.get("resume_at") if event_type == "resume_scheduled" else d.get("at")
        moment = _parse_time(raw)
        if moment is None and not (isinstance(raw, str) and raw.strip()):
            key = "other"
        else:  # a moment, or a time already in words ("20:00")
            values["time"] = time_of_day(moment, zone, locale, today=at) if moment else raw.strip()[:40]
            # how long from when they asked, as they said it ("in 30 minutes"), else the length logged
            ahead = (clock.as_utc(moment) - clock.as_utc(at)).total_seconds() if moment and at else 0
            values["minutes"] = _minutes(round(ahead / 60) if ahead > 0 else d.get("minutes"), locale)
            if event_type == "resume_scheduled" and not values["minutes"]:
                key = "resume_scheduled_no_length"
    elif event_type == "question_coached":
        values["kind"] = named("kinds", d.get("kind"), "open")
        if d.get("off_limits"):
            key = "question_coached_off_limits"
        if isinstance(d.get("reworded"), str) and d["reworded"].strip():
            return s(key).format(**values) + s("question_words_extra").format(
                original=str(d.get("original") or "").strip(), reworded=d["reworded"].strip())
    elif event_type == "rule_proposed":
        names = [named("rule_names", k) for k in d.get("keys") or []]
        values["rules"] = _list(names, locale=locale) or named("flow_nouns", "rules_form")
        values["version"] = d.get("version", "?")
        if d.get("change"):
            key = "rule_proposed_change"
    elif event_type == "rule_confirmed":
        values["version"] = d.get("version", "?")
        if d.get("complete"):
            key = "rule_confirmed_complete"
    elif event_type == "crisis_routed":
        values["category"] = named("categories", d.get("category"), "general")
        country = str(d.get("country") or "INTL")
        values["country"] = s("countries").get(country, country)
        key = "crisis_routed_private" if d.get("private") else "crisis_routed"
        text = s(key).format(**values)
        listed = d.get("sent") or d.get("resources")
        sent = [str(v) for v in listed if v] if isinstance(listed, list) else []
        if sent:
            text += " " + s("help_lines").format(lines="; ".join(sent))
        return text + (s("crisis_routed_notified_extra") if d.get("notified") else "")
    elif event_type == "safety_check":
        values["category"] = named("categories", d.get("category"), "general")
        if d.get("interrupted"):
            key, values["flow"] = "safety_check_during", named("flows", d["interrupted"])
    elif event_type == "safety_resolved":
        outcome = d.get("outcome")
        key = f"safety_resolved_{outcome}" if f"safety_resolved_{outcome}" in sentences else "safety_resolved"
    elif event_type == "flow_interrupted":
        values["flow_noun"] = named("flow_nouns", d.get("flow"), "other")
        by = d.get("by")
        key = f"flow_interrupted_{by}" if f"flow_interrupted_{by}" in sentences else "flow_interrupted"
        text = s(key).format(**values)
        return text[:1].upper() + text[1:]
    template = sentences.get(key)
    if not isinstance(template, str):
        return s("other").format(event=label, who=person)
    return template.format(**values)


def pressed(text: str, titles: Optional[Dict[str, str]] = None, locale: Optional[str] = None) -> Optional[str]:
    """What a partner pressed, in words, when ``text`` is a command or button payload; else None."""
    if not text.startswith("/"):
        return None
    if titles and text in titles:
        return _s("pressed", locale).format(title=titles[text])
    match = _PAYLOAD.match(text)
    table = _words(locale)["pressed"]
    if match and f"/{match.group(1)}" in table:
        return table[f"/{match.group(1)}"]
    return table["other"] if match else None


def bot_extras(details: Dict[str, Any], locale: Optional[str] = None) -> str:
    """What came with a bot message (choices offered, help lines), as sentences."""
    parts = []
    buttons = [str(b) for b in details.get("buttons") or [] if b]
    if buttons:
        parts.append(_s("offered", locale).format(
            choices=_list((_s("quoted", locale).format(text=b) for b in buttons), "choice_join", locale)))
    lines = [str(r) for r in details.get("resources") or [] if r]
    if lines:
        parts.append(_s("help_lines", locale).format(lines="; ".join(lines)))
    return " ".join(parts)
