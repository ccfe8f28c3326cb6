"""The published crisis protocol, ``docs/safety-protocol.md``, generated from the product's content.

The words are in ``content/safety_protocol.md.j2``; the facts come from the files the product
reads: the categories and their entries from the crisis lexicon (``content/safety/``), the
countries and numbers from the help lines (``content/resources/``), the review intervals from
``content/safety_protocol.yml`` and the disclosure triggers from ``content/disclosure.yml``.
``kintsugi docs safety-protocol`` writes the file (``--check`` only compares); a test fails when
the committed file differs from ``render()``. The gateway serves the same text as HTML at
``/safety-protocol`` (``bot/web/protocol_page.py``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import jinja2

from bot import PROJECT_ROOT, content

OUTPUT = PROJECT_ROOT / "docs" / "safety-protocol.md"
TEMPLATE = "safety_protocol.md.j2"
REGENERATE = ".venv/bin/kintsugi docs safety-protocol"
LANGUAGE_NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French"}
CATEGORY_NAMES = {"medical_emergency": "Medical emergency"}  # the file's own words say "emergencies"
REVIEW_PARTS = {"help_lines": "Help lines", "lexicon": "Lexicon", "second_opinion": "Second opinion (model)",
                "disclosure": "AI disclosure"}


def _summary(path: Path) -> tuple[str, str]:
    """(label, first sentence) of a category file's opening comment, which says what it covers."""
    lines: List[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    text = " ".join(lines)
    sentence = re.split(r"(?<=[a-z)'\"])\.\s", text + " ", maxsplit=1)[0].rstrip(". ") + "."
    label, _, rest = sentence.partition(":")
    return label.strip(), rest.strip()[:1].upper() + rest.strip()[1:]


def _lexicon() -> Dict[str, Any]:
    """Categories in priority order, with their entry counts per language, and exclusions."""
    from bot.safety.lexicon import language_folders, read_language

    root = content.path_of("safety")
    counts: Dict[str, Counter] = {}
    exclusions, languages = 0, []
    for code, folder in language_folders(root):
        languages.append(code)
        language = read_language(folder, code)
        exclusions += len(language.raw_exclusions)
        for _path, category, raw in language.raw_entries:
            counts.setdefault(category, Counter())[(code, str(raw.get("level", "crisis")))] += 1
    categories = []
    for category in content.load("safety/_policy")["category_priority"]:
        label, summary = _summary(root / f"{category}.yml")
        per = counts.get(category, Counter())
        shown = ", ".join(f"{code.upper()} {per[(code, 'crisis')]} / {per[(code, 'check')]}" for code in languages)
        categories.append({"name": category, "label": CATEGORY_NAMES.get(category, label), "summary": summary,
                           "counts": shown})
    return {"categories": categories, "exclusions": exclusions,
            "languages": [LANGUAGE_NAMES.get(code, code) for code in languages],
            "entries_total": sum(sum(c.values()) for c in counts.values())}


def _training() -> Dict[str, Any]:
    """The languages of the project-written examples the second opinion learns from (counts change too often)."""
    found = set()
    for path in sorted(content.path_of("safety/training").glob("*.yml")):
        found.update(str(item.get("lang", "en")) for item in (content.read(path) or {}).get("items") or [])
    ordered = [LANGUAGE_NAMES[c] for c in LANGUAGE_NAMES if c in found] + sorted(found - set(LANGUAGE_NAMES))
    return {"training_languages": ", ".join(ordered[:-1]) + (" and " if len(ordered) > 1 else "") + ordered[-1]}


def _reach(entry: Dict[str, Any]) -> str:
    """Phone, other phones, text and web of one help line, as one cell."""
    parts = [f"call {p}" for p in [entry.get("phone"), *(entry.get("other_phones") or [])] if p]
    parts += [str(entry["text"])] if entry.get("text") else []
    parts += [str(entry["web"])] if entry.get("web") else []
    return "; ".join(parts) or "—"


def _countries(labels: Dict[str, str]) -> Dict[str, Any]:
    """Every help-line list (international last) with its entries, and the check dates."""
    from bot.safety.resources import available_countries, FALLBACK

    codes = [c for c in available_countries() if c != FALLBACK] + [FALLBACK]
    countries, checked, status = [], [], Counter()
    for code in codes:
        data = content.load(f"resources/{code}")
        note = (data.get("emergency_note") or {}).get("en")
        emergency = f"{data['emergency']}" + (f" ({note})" if note else "") if data.get("emergency") \
            else "your local emergency number"
        entries = []
        for raw in data.get("entries") or []:
            entries.append({"name": raw["name"], "reach": _reach(raw), "hours": raw.get("hours") or "not stated",
                            "categories": ", ".join(labels.get(c, c) for c in raw.get("categories") or [])})
            checked.append(str(raw.get("checked")))
            status[str(raw.get("status", "listed"))] += 1
        checked.append(str(data.get("checked")))
        name = "Everywhere else" if code == FALLBACK else data.get("country", code)
        countries.append({"code": code, "name": name, "emergency": emergency, "entries": entries})
    defaults = content.load("resources/_countries").get("language_defaults") or {}
    return {"countries": countries, "oldest_check": min(checked), "help_line_count": sum(status.values()),
            "verified_count": status["verified"], "listed_count": status["listed"],
            "language_countries": ", ".join(f"{LANGUAGE_NAMES.get(k, k)} → {v}" for k, v in defaults.items()
                                            if k in LANGUAGE_NAMES)}


def _reviews(oldest_help_line_check: str) -> List[Dict[str, Any]]:
    """Each reviewed part: interval, what else triggers a review, last review and next due date."""
    rows = []
    for key, part in (content.load("safety_protocol").get("review") or {}).items():
        last = oldest_help_line_check if key == "help_lines" else str(part["last_reviewed"])
        due = dt.date.fromisoformat(last) + dt.timedelta(days=int(part["every_days"]))
        rows.append({"part": REVIEW_PARTS.get(key, key), "every_days": part["every_days"], "also": part["also"],
                     "latest": last, "next_due": due.isoformat(), "how": " ".join(str(part["how"]).split())})
    return rows


def facts() -> Dict[str, Any]:
    """Everything the template fills in, read from the content files."""
    from bot.telegram.talk import CRISIS_GRACE

    protocol = content.load("safety_protocol")
    disclosure = content.load("disclosure")
    labels = {**{c: c.replace("_", " ") for c in ("general",)}, "general": protocol["general_label"]}
    lexicon = _lexicon()
    labels.update({c["name"]: c["label"] for c in lexicon["categories"]})
    found = {**lexicon, **_training(), **_countries(labels)}
    opinion = content.load("safety/_second_opinion")["thresholds"]
    return {**found, "second_opinion": opinion, "crisis_grace": f"{CRISIS_GRACE:g}",
            "disclosure": disclosure["triggers"], "jurisdictions": list(disclosure["jurisdictions"].values()),
            "reviews": _reviews(found["oldest_check"])}


def render() -> str:
    """The protocol as Markdown, exactly as ``docs/safety-protocol.md`` must be."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(content.CONTENT_DIR)), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    text = env.get_template(TEMPLATE).render(**facts())
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


@lru_cache(maxsize=1)
def html() -> str:
    """The protocol as one small, self-contained HTML page (no scripts, no outside files)."""
    import markdown

    body = markdown.markdown(render().split("-->", 1)[-1], extensions=["tables"], output_format="html")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Kintsugi's crisis protocol</title>"
            "<style>body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
            "color:#1d1d1f}table{border-collapse:collapse;width:100%;font-size:.92rem}"
            "th,td{border:1px solid #c8c8cc;padding:.35rem .5rem;text-align:left;vertical-align:top}"
            "h1,h2,h3{line-height:1.25}</style></head>\n<body><main>\n" + body + "\n</main></body></html>\n")


def docs_main(argv: Optional[Sequence[str]] = None) -> int:
    """``kintsugi docs safety-protocol [--check] [--output PATH]``."""
    parser = argparse.ArgumentParser(prog="kintsugi docs", description="generated documents")
    parser.add_argument("document", choices=["safety-protocol"])
    parser.add_argument("--check", action="store_true", help="only say whether the committed file is current")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(list(argv if argv is not None else sys.argv[1:]))
    text = render()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current == text:
            print(f"{args.output} is up to date.")
            return 0
        print(f"{args.output} differs from the content files; run: {REGENERATE}", file=sys.stderr)
        return 1
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {args.output}." if current != text else f"{args.output} was already up to date.")
    return 0
