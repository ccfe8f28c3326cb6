"""Pages: the Jinja2 environment (always autoescaping), its filters and the review app's words."""
from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

from aiohttp import web
from markupsafe import Markup, escape

from bot import content

HERE = Path(__file__).resolve().parent
TRANSLATED = ("en", "de", "es", "fr")  # languages with their words in content/review_i18n/ (en: content/review.yml)
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# Characters that change how text looks without showing themselves: shown as visible markers.
NAMED_CONTROLS = {
    0x00AD: "SHY", 0x061C: "ALM", 0x180E: "MVS", 0x200B: "ZWSP", 0x200C: "ZWNJ", 0x200E: "LRM", 0x200F: "RLM",
    0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO", 0x2060: "WJ",
    0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI", 0xFEFF: "BOM",
}
KEEP = {"\n", "\t"}


def _hidden(ch: str, before: str) -> bool:
    if ch in KEEP:
        return False
    if ch == "\u200d":  # zero-width joiner: part of emoji like 👩‍❤️‍👨, shown as a marker elsewhere
        return not before or unicodedata.category(before) not in ("So", "Sk", "Mn", "Cs")
    return unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")


def reveal(text: Optional[str]) -> Markup:
    """Escape ``text`` and show invisible and direction-changing characters as markers."""
    if not text:
        return Markup("")
    parts = []
    plain_start = 0
    for index, ch in enumerate(text):
        if _hidden(ch, text[index - 1] if index else ""):
            parts.append(escape(text[plain_start:index]))
            code = f"U+{ord(ch):04X}"
            name = NAMED_CONTROLS.get(ord(ch), code)
            parts.append(Markup('<span class="ctl" title="hidden character %s">⟨%s⟩</span>') % (code, name))
            plain_start = index + 1
    parts.append(escape(text[plain_start:]))
    return Markup("").join(parts)


def plain_value(value: Any) -> str:
    """A details value as one line of text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def language_of(locale: Optional[str]) -> str:
    """The language the app's words are written in for ``locale``: ``de`` for ``de_AT``; ``en`` without a translation."""
    lang = str(locale or "en").replace("-", "_").split("_")[0].lower()
    return lang if lang in TRANSLATED else "en"


def words(locale: Optional[str] = None) -> Dict[str, Any]:
    """The review app's words (``content/review.yml``), in the language of ``locale``.

    ``content/review_i18n/<lang>.yml`` holds a language's words; a key it lacks is the English one.
    """
    return _words_in(language_of(locale))


@lru_cache(maxsize=None)
def _words_in(lang: str) -> Dict[str, Any]:
    base = content.load("review")
    return base if lang == "en" else _merged(base, content.load(f"review_i18n/{lang}"))


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merged(base.get(k), v) for k, v in over.items()}}
    return base if over is None else over


def _ui(locale: Optional[str], key: str) -> str:
    found: Any = words(locale)["ui"]
    for part in key.split("."):
        found = found[part]
    return str(found)


def text(locale: Optional[str], key: str, **values: Any) -> str:
    """One of the app's sentences (``ui.<key>``, dots for sections) in the reader's language, filled in."""
    return _ui(locale, key).format(**values) if values else _ui(locale, key)


def _t(ctx: Any, key: str, **values: Any) -> Markup:
    """``t("key", n=3)`` in templates: our own words may hold markup; the values are escaped."""
    found = Markup(_ui(_locale_of(ctx), key))
    return found.format(**values) if values else found


def event_label(event_type: Optional[str], locale: Optional[str] = None) -> str:
    """An event type in plain words."""
    if not event_type:
        return ""
    return words(locale)["events"].get(event_type, event_type.replace("_", " ").capitalize())


def detail_label(key: str, locale: Optional[str] = None) -> str:
    """A details key in plain words."""
    return words(locale)["details"].get(key, str(key).replace("_", " ").capitalize())


def _locale_of(ctx: Any) -> str:
    from bot.web.review.sentences import DEFAULT_LOCALE

    return ctx.get("locale") or DEFAULT_LOCALE


def _when(ctx: Any, moment: Optional[datetime], zone: Any = None) -> str:
    """A date and time in the reader's locale and the given zone (UTC when none)."""
    from bot.web.review.sentences import when

    return when(moment, zone, _locale_of(ctx))


def _sentence(ctx: Any, item: Any, zone: Any = None) -> str:
    """A logged event as a sentence."""
    from bot.web.review.sentences import event_sentence

    who = item.partner.label if item.partner is not None else None
    return event_sentence(item.event_type or "", item.details, who, at=item.at, zone=zone, locale=_locale_of(ctx),
                          withheld=item.details_withheld)


def said(item: Any, locale: Optional[str] = None) -> Optional[str]:
    """What a partner pressed, in words, when their message was a command or a button's payload."""
    from bot.web.review.sentences import pressed

    if item.who != "partner" or not item.text:
        return None
    return pressed(item.text, {item.text: item.button_title} if item.button_title else None, locale=locale)


def extras(details: Any, locale: Optional[str] = None) -> str:
    """What came with a bot message (choices offered, help lines) as sentences."""
    from bot.web.review.sentences import bot_extras

    return bot_extras(details or {}, locale=locale)


def _day(ctx: Any, day: Any) -> str:
    """A date (no time) as the reader writes it: "16 Jun 2026", "16. Juni 2026"."""
    from babel.dates import format_date

    return format_date(day, "medium", locale=_locale_of(ctx)) if day else ""


def _number(ctx: Any, value: Any) -> str:
    """A whole number as the reader writes it ("10,000", "10.000")."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale_of(ctx))


def reader_locale(request: web.Request) -> str:
    """The therapist's locale: their own setting, else their browser's language."""
    from bot.web.review.sentences import locale_from

    session = request.get("review.session")
    return locale_from(getattr(session, "locale", None), request.headers.get("Accept-Language"))


def reader_zone(request: web.Request, fallback: Any = None) -> Any:
    """The therapist's time zone when they set one, else ``fallback`` (the couple's), else UTC."""
    from bot.web.review.sentences import zone_named

    session = request.get("review.session")
    return zone_named(getattr(session, "timezone", None)) or fallback or timezone.utc


def build_environment():
    """The Jinja2 environment: autoescape on for every template, whatever its name."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(reveal=reveal, plain=plain_value, when=pass_context(_when), day=pass_context(_day),
                       sentence=pass_context(_sentence),
                       event_label=pass_context(lambda ctx, v: event_label(v, _locale_of(ctx))),
                       detail_label=pass_context(lambda ctx, v: detail_label(v, _locale_of(ctx))),
                       said=pass_context(lambda ctx, item: said(item, _locale_of(ctx))),
                       extras=pass_context(lambda ctx, d: extras(d, _locale_of(ctx))))
    env.filters.update(number=pass_context(_number))
    env.globals.update(t=pass_context(_t))
    return env


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """Render a page with the session, the form token and the app's words at hand."""
    from bot.web.review.security import JINJA_KEY, form_token, remember_form_token

    env = request.config_dict[JINJA_KEY]
    context.setdefault("locale", reader_locale(request))
    context.setdefault("lang", language_of(context["locale"]))
    page = env.get_template(template).render(
        session=request.get("review.session"), csrf=form_token(request), path=request.path, **context)
    response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    remember_form_token(request, response)
    return response


async def stylesheet(request: web.Request) -> web.StreamResponse:
    """The app's one stylesheet (no other files are served from here)."""
    response = web.Response(body=_css(), content_type="text/css", charset="utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@lru_cache(maxsize=1)
def _css() -> bytes:
    return (STATIC / "review.css").read_bytes()


def error_page(request: web.Request, status: int) -> web.Response:
    """A calm page for refused or missing things."""
    messages = words(reader_locale(request))["errors"]
    title, body = messages.get(status, messages["other"])
    return render(request, "message.html", status=status, title=title, body=body)
