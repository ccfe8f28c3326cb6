"""The transcript in words: sentences for events, presses as what was pressed, dates in the reader's locale."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import PROJECT_ROOT
from bot.storage import events as ev
from bot.storage.therapists import set_place, therapist_by_email
from bot.web.review.sentences import event_sentence, locale_from, pressed, when

from .conftest import sign_in
from .seed import Tracker, _event, _insert

CSS = Path(PROJECT_ROOT / "bot" / "web" / "review" / "static" / "review.css")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _visible(html: str) -> str:
    """The words a reader sees: no tags, attributes or hidden-only text."""
    html = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_each_event_the_actions_write_reads_as_a_sentence() -> None:
    london = ZoneInfo("Europe/London")
    at = datetime(2026, 6, 16, 18, 0, tzinfo=timezone.utc)
    cases = [
        (ev.FLOODING_REPORTED, {"interrupted": None, "after_suggestion": False, "trigger": "im_flooded"},
         "Ana (Partner A) said they felt flooded."),
        (ev.FLOODING_REPORTED, {"interrupted": "question_form", "after_suggestion": False, "trigger": "im_flooded"},
         "Ana (Partner A) said they felt flooded while preparing a question."),
        (ev.RESUME_SCHEDULED, {"pause_id": 4, "resume_at": "2026-06-16T20:15:00+01:00", "minutes": 75},
         "Ana (Partner A) asked for a pause until 20:15 (75 minutes)."),
        (ev.CRISIS_ROUTED, {"category": "partner_violence", "level": "crisis", "country": "UK", "private": True,
                            "notified": False},
         "Crisis help sent privately to Ana (Partner A): partner violence, UK help lines."),
        (ev.FLOW_INTERRUPTED, {"flow": "rules_form", "by": "pause"},
         "Ana (Partner A) set setting ground rules aside to take a pause."),
        (ev.RULE_CONFIRMED, {"version": 2, "complete": True},
         "Ana (Partner A) confirmed the ground rules (version 2); both partners have now agreed."),
        (ev.PAUSE_SUGGESTED, {"score": 0.81, "signals": ["always", "never"]},
         "Kintsugi noticed rising tension from Ana (Partner A) and suggested a pause."),
        (ev.SAFETY_RESOLVED, {"outcome": "safe"}, "Ana (Partner A) said they are safe now."),
    ]
    for event_type, details, expected in cases:
        assert event_sentence(event_type, details, "Ana (Partner A)", at=at, zone=london) == expected
    for event_type in sorted(ev.EVENT_TYPES):  # every type, even with odd or missing details
        for details in ({}, {"interrupted": None, "private": False, "keys": ["a", "b"], "at": None}):
            text = event_sentence(event_type, details, None, at=at, zone=london)
            assert text and not re.search(r"\b(None|null|True|False)\b|\[|\]|\{|\}", text), (event_type, text)


def test_presses_and_commands_read_as_what_was_pressed() -> None:
    assert pressed("/greet") == "started the conversation"
    assert pressed("/im_flooded") == "pressed “Pause”"
    assert pressed("/affirm", {"/affirm": "Yes, let's pause"}) == "pressed “Yes, let's pause”"
    assert pressed('/inform{"text": "x"}') == "pressed a button"
    assert pressed("I need a break") is None


def test_dates_follow_the_readers_locale_and_zone() -> None:
    moment = datetime(2026, 6, 16, 19, 15, tzinfo=timezone.utc)
    assert when(moment, ZoneInfo("Europe/London"), "en_GB") == "Tue, 16 Jun 2026, 20:15"
    assert when(moment, ZoneInfo("America/New_York"), "en_US").replace("\u202f", " ") == "Tue, Jun 16, 2026, 3:15 PM"
    assert when(moment, ZoneInfo("Europe/Berlin"), "de") == "Di., 16. Juni 2026, 21:15"
    assert locale_from(None, "en-US,en;q=0.8") == "en_US" and locale_from(None, "de-DE,de") == "de"
    assert locale_from("fr_CA", "en-US") == "fr_CA" and locale_from(None, None) == "en_GB"


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_primary_buttons_meet_wcag_aa_contrast() -> None:
    css = CSS.read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    rule = re.search(r"^button \{([^}]*)\}", css, re.M).group(1)
    background = re.search(r"background:\s*([^;]+);", rule).group(1).strip()
    background = variables[background[6:-1]] if background.startswith("var(") else background
    foreground = re.search(r"(?<![-\w])color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", rule).group(1)
    foreground = "#" + (foreground if len(foreground) == 6 else "".join(c * 2 for c in foreground))
    assert _contrast(foreground, background) >= 4.5


async def test_the_page_shows_presses_and_events_in_words(seeded_sqlite, make_client) -> None:
    s = seeded_sqlite
    chat = Tracker("tg-111", s.base + timedelta(days=2))
    rows = chat.user("/greet", "tg:111", "Ana", chat_type="private", intent="greet")
    rows += chat.bot("Hi. What would help right now?")
    data = json.loads(rows[-1]["data"])
    data["data"]["buttons"] = [{"title": "I need a pause", "payload": "/im_flooded"},
                               {"title": "I want to ask a question", "payload": "/ask_a_question"}]
    rows[-1]["data"] = json.dumps(data)
    rows += chat.user("/im_flooded", "tg:111", "Ana", chat_type="private", intent="im_flooded")
    _insert(rows)
    _event("tg-111", ev.FLOODING_REPORTED, chat.clock, s.partners.get("ana") or _ana(s), s.couple_a,
           interrupted=None, after_suggestion=False, trigger="im_flooded")
    _event("tg-111", ev.RESUME_SCHEDULED, chat.clock + timedelta(seconds=3), _ana(s), s.couple_a,
           pause_id=1, resume_at=(chat.clock + timedelta(minutes=30)).isoformat(), minutes=30)

    client = await make_client()
    assert (await sign_in(client)).status == 303
    page = await client.get(f"/review/couples/{s.couple_a}", headers={"Accept-Language": "en-US,en;q=0.8"})
    text = _visible(await page.text())
    assert "started the conversation" in text and "pressed “I need a pause”" in text
    assert "Offered: “I need a pause” or “I want to ask a question”." in text
    assert "Ana (Partner A) said they felt flooded." in text and "asked for a pause until" in text
    assert "/greet" not in text and "/im_flooded" not in text
    assert not re.search(r"\b(None|null|True|False)\b", text) and not ISO.search(text)
    assert re.search(r"[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}", text), text[-3000:]  # US order

    alice = therapist_by_email("alice@example.org")
    set_place(alice.id, timezone_name="Asia/Tokyo", locale="de")
    german = _visible(await (await client.get(f"/review/couples/{s.couple_a}")).text())
    assert re.search(r"\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+\.? \d{4}, \d{2}:\d{2}", german) and "Asia/Tokyo" in german
    assert "Ana (Partner A) fühlte sich überflutet." in german and "hat das Gespräch begonnen" in german
    assert "drückte „I need a pause“" in german and "said they felt" not in german
    csv_text = await (await client.get(f"/review/couples/{s.couple_a}/export.csv")).text()
    assert "Ana (Partner A) fühlte sich überflutet." in csv_text and "hat das Gespräch begonnen" in csv_text


def _ana(s) -> int:
    from bot.storage import partner_by_key

    return partner_by_key("tg:111").id


def _keys(tree, prefix=""):
    out = set()
    for key, value in tree.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return out


def test_every_language_has_every_word() -> None:
    """content/review_i18n/<lang>.yml repeats every key of content/review.yml, with the same placeholders."""
    from bot import content

    english = {k: v for k, v in content.load("review").items() if k != "groups"}  # groups are ids, named in ui
    for lang in ("de", "es", "fr"):
        other = content.load(f"review_i18n/{lang}")
        assert _keys(other) == _keys(english), lang
        _same_holes(english, other, lang)


def _same_holes(english, other, where: str) -> None:
    for key, value in english.items():
        if isinstance(value, dict):
            _same_holes(value, other[key], f"{where}.{key}")
        else:
            assert sorted(re.findall(r"\{(\w*)\}", str(other[key]))) == \
                sorted(re.findall(r"\{(\w*)\}", str(value))), f"{where}.{key}"


def test_each_event_reads_as_a_sentence_in_every_language() -> None:
    at = datetime(2026, 6, 16, 18, 0, tzinfo=timezone.utc)
    details = {"interrupted": "question_form", "resume_at": "2026-06-16T20:15:00+01:00", "minutes": 75,
               "category": "partner_violence", "country": "UK", "private": True, "keys": ["pause_signal"],
               "version": 2, "complete": True, "flow": "rules_form", "by": "pause", "outcome": "safe", "at": "20:00"}
    for event_type in sorted(ev.EVENT_TYPES):
        english = event_sentence(event_type, details, "Ana (Partner A)", at=at, locale="en_GB")
        for locale in ("de", "es_ES", "fr_CA"):
            text = event_sentence(event_type, details, "Ana (Partner A)", at=at, locale=locale)
            assert text and "{" not in text and "Ana (Partner A)" in text, (locale, event_type, text)
            assert not re.search(r"\b(None|null|True|False)\b|\[|\]", text), (locale, event_type, text)
            if not event_type.startswith(("apology", "empathy")):  # those read as "{event} ({who})."
                assert text != english, (locale, event_type)
    assert event_sentence(ev.CRISIS_ROUTED, details, "Ben (Partner B)", locale="es") == \
        "Ayuda en crisis enviada en privado a Ben (Partner B): violencia en la pareja, líneas de ayuda de Reino Unido."
    assert pressed("/im_flooded", locale="fr") == "a appuyé sur « Pause »"
    assert pressed("/affirm", {"/affirm": "Oui"}, locale="de") == "drückte „Oui“"
