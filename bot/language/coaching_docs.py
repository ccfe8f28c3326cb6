"""Write docs/question-coaching.md and docs/defensiveness.md from the labelled sets (reproducible).

    .venv/bin/python -m bot.language.coaching_docs

Every figure and every review-table line is computed here from the frozen blind batches and the
development examples, so the docs can be checked by running this again (tests/test_coaching_blind.py
compares the written docs with a fresh run).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable, List

from bot import PROJECT_ROOT
from bot.language import coaching_evaluate as qe
from bot.language import defensiveness_evaluate as de

COACHING_BLIND = PROJECT_ROOT / "tests" / "coaching_blind" / "batch1.yml"
COACHING_DEV = PROJECT_ROOT / "tests" / "coaching" / "dev.yml"
DEFENSIVE_BLIND = PROJECT_ROOT / "tests" / "defensiveness_blind" / "batch1.yml"
DEFENSIVE_BLIND2 = PROJECT_ROOT / "tests" / "defensiveness_blind" / "batch2.yml"
COACHING_DOC = PROJECT_ROOT / "docs" / "question-coaching.md"
DEFENSIVE_DOC = PROJECT_ROOT / "docs" / "defensiveness.md"
KINDS = ("graphic_detail", "comparison", "whats_wrong_with_me", "timeline_facts", "motive_meaning", "none")


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _confusion(confusion: Counter) -> List[str]:
    out = ["| labelled \\ read | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for gold in KINDS:
        out.append(f"| {gold} | " + " | ".join(str(confusion[(gold, got)] or "") for got in KINDS) + " |")
    return out


def coaching_doc(intro: Iterable[str]) -> str:
    """The question-coaching page: figures on the blind batch, on the development examples, and the review table."""
    blind = qe.score(qe.load_items(COACHING_BLIND))
    dev = qe.score(qe.load_items(COACHING_DEV))
    out = list(intro)
    out += ["", "## Blind batch 1 (130 questions, scored once)", ""]
    out += [f"- {line.strip()}" for line in qe.lines(blind)]
    out += ["", "Labelled kind (rows) against the kind read (columns):", ""] + _confusion(blind.confusion)
    out += ["", "## Development examples (in sample: the lexicon was built on them)", ""]
    out += [f"- {line.strip()}" for line in qe.lines(dev)]
    out += ["", "## Review table: every blind line", "",
            "Kind read ✓ when it equals the label. Topic: the labelled topic, then the one found; ✓ when the "
            "labelled topic is in every wording offered. ⚠ marks a wording the automatic check says turns "
            "the question on the asker.", "",
            "| # | lang | question | labelled | read | topic (labelled → found) | wordings offered |",
            "|---|---|---|---|---|---|---|"]
    for n, row in enumerate(blind.rows, 1):
        read = f"{row['kind']} {'✓' if row['ok'] else '✗'}"
        kept = "" if row["kept"] is None else (" ✓" if row["kept"] else " ✗")
        topic = f"{row['topic'] or '—'} → {row['found'] or '—'}{kept}"
        wordings = "<br>".join(f"{i}. {cell(w)}{' ⚠' if w in row['turned'] else ''}"
                               for i, w in enumerate(row["wordings"], 1)) or "(kept as it is)"
        out.append(f"| {n} | {row['lang']} | {cell(row['text'])} | {row['gold']} | {read} | {cell(topic)} | {wordings} |")
    return "\n".join(out) + "\n"


def _review(figures: de.Figures) -> List[str]:
    out = ["tp: defensive and nudged; fp: a wrong nudge on a calm reply; fn: defensive, no nudge; tn: calm, no nudge.",
           "", "| # | lang | reply | labelled | nudge | |", "|---|---|---|---|---|---|"]
    for n, row in enumerate(figures.rows, 1):
        out.append(f"| {n} | {row['lang']} | {cell(row['text'])} | {row['gold']} | "
                   f"{'yes' if row['nudged'] else 'no'} | {row['cell']} |")
    return out


def defensiveness_doc(intro: Iterable[str]) -> str:
    """The defensiveness page: figures on both blind batches and their review tables."""
    blind = de.score(de.load_items(DEFENSIVE_BLIND))
    out = list(intro)
    if DEFENSIVE_BLIND2.exists():
        second = de.score(de.load_items(DEFENSIVE_BLIND2))
        out += ["", f"## Blind batch 2 ({len(second.rows)} replies, scored once with the frozen lexicon)", ""]
        out += [f"- {line}" for line in de.lines(second)]
        out += ["", "### Review table: every line of batch 2", ""] + _review(second)
    out += ["", "## Batch 1 with the lexicon as it is now (no longer blind)", ""]
    out += [f"- {line}" for line in de.lines(blind)]
    out += ["", "## Review table: every line of batch 1", ""] + _review(blind)
    return "\n".join(out) + "\n"


def _intro(path: Path) -> List[str]:
    """The hand-written part of a page: everything above its generated marker."""
    marker = "<!-- generated below by python -m bot.language.coaching_docs -->"
    text = path.read_text(encoding="utf-8") if path.exists() else marker
    return text.split(marker)[0].rstrip("\n").split("\n") + ["", marker]


def main() -> None:
    """Write both pages."""
    COACHING_DOC.write_text(coaching_doc(_intro(COACHING_DOC)), encoding="utf-8")
    DEFENSIVE_DOC.write_text(defensiveness_doc(_intro(DEFENSIVE_DOC)), encoding="utf-8")
    print(f"wrote {COACHING_DOC.relative_to(PROJECT_ROOT)} and {DEFENSIVE_DOC.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":  # pragma: no cover
    main()
