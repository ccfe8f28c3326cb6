"""Train the escalation detector's second opinion from the project's own lines, at build time.

``content/escalation_training/lines.yml`` holds 1,290 project-written lines (text, label
escalated|calm, kind, lang); ``_second_opinion.yml`` beside it holds the model settings. The
model is the safety layer's: word + character n-gram logistic regression, exported as JSON
weights and scored with numpy by :class:`bot.safety.second_opinion.SecondOpinion` (no
scikit-learn at run time). Weights go to ``models/escalation_second_opinion.json`` with a
fingerprint of the data, and are trained again only when the data changes.

``python -m bot.language.escalation_training --cv`` prints the 5-fold cross-validation table
behind the combination thresholds in ``content/escalation.yml`` (``second_opinion:``).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bot import PROJECT_ROOT
from bot.content import CONTENT_DIR, parse
from bot.safety.training import fit as _fit_ngram_lr

LABELS = ("escalated", "calm")


def content_dir() -> Path:
    return CONTENT_DIR / "escalation_training"


def model_path() -> Path:
    """Where the trained weights go (not in git: built from the lines)."""
    return PROJECT_ROOT / "models" / "escalation_second_opinion.json"


def _files(folder: Path) -> List[Path]:
    return sorted(folder.glob("*.yml")) + sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))


def fingerprint(folder: Path) -> str:
    """A hash of the training lines, the settings and the everyday NLU examples."""
    from bot.safety.training import digest_of

    return digest_of(_files(folder))


def settings(folder: Path) -> Dict[str, Any]:
    return parse(folder / "_second_opinion.yml")


def examples(folder: Path) -> List[Dict[str, Any]]:
    """Every line: text, label, kind, lang."""
    from bot.safety.training import everyday_messages

    config = settings(folder)
    # The product's everyday NLU examples count as calm (greetings, yes/no, pauses, rules, painful
    # feelings...), except intents that may be heated (couple_talk) or are safety's.
    found: List[Dict[str, Any]] = [
        {"text": text, "label": "calm", "kind": "nlu_everyday", "lang": "en"}
        for text in everyday_messages({"nlu_intents_not_safe": config.get("nlu_intents_not_calm") or []})]
    for path in sorted(folder.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        for item in parse(path).get("items") or []:
            if item.get("label") not in LABELS or not str(item.get("text") or "").strip():
                raise ValueError(f"{path.name}: every item needs a text and a label in {LABELS}")
            found.append(item)
    return found


def fit(items: Sequence[Dict[str, Any]], config: Dict[str, Any]) -> Dict[str, Any]:
    """The safety layer's exporter, with escalated as the concern and the kind as the category."""
    mapped = [{"text": str(i["text"]), "level": "check" if i["label"] == "escalated" else "none",
               "category": str(i.get("kind") or "escalated")} for i in items]
    return _fit_ngram_lr(mapped, config)


def build(folder: Optional[Path] = None, out: Optional[Path] = None, force: bool = False) -> Path:
    """Train unless weights from exactly this data exist; returns the weights' path."""
    from bot.safety.training import build_weights

    folder, out = folder or content_dir(), out or model_path()
    return build_weights(out, fingerprint(folder), lambda: fit(examples(folder), settings(folder)), force)


# ----------------------------------------------------------------- cross-validation
def out_of_fold(folder: Optional[Path] = None, folds: int = 5) -> List[Dict[str, Any]]:
    """Each line with its out-of-fold model probability and its lexicon score (message alone)."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from bot.language.escalation import lexicon_score
    from bot.safety.second_opinion import SecondOpinion

    folder = folder or content_dir()
    items, config = examples(folder), settings(folder)
    labels = np.array([i["label"] == "escalated" for i in items])
    probs = np.zeros(len(items))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=42).split(probs, labels):
        model = SecondOpinion(fit([items[i] for i in train], config))
        for i in test:
            probs[i] = model.opinion(str(items[i]["text"])).probability
    return [{**item, "p": float(probs[n]), "lex": lexicon_score(str(item["text"]))}
            for n, item in enumerate(items)]


def _rates(flags: Sequence[bool], rows: Sequence[Dict[str, Any]]) -> tuple:
    esc = [f for f, r in zip(flags, rows) if r["label"] == "escalated"]
    # the project's calm lines only (the NLU everyday examples are reported by kind)
    calm = [f for f, r in zip(flags, rows) if r["label"] == "calm" and r["kind"] != "nlu_everyday"]
    return sum(esc) / len(esc), sum(calm) / len(calm)


def cv_table(rows: Optional[List[Dict[str, Any]]] = None) -> List[str]:
    """The tables behind the thresholds: single messages, then two-to-three-message patterns."""
    from bot.language.escalation import combine_scores, load_lexicon

    rows = rows or out_of_fold()
    lex = load_lexicon()
    cfg = dict(lex.second_opinion)
    out = ["single messages (out-of-fold), pause if lexicon + weight x model >= threshold:"]
    for weight in (1.1, 1.2, 1.25, 1.3, 1.4, 1.5):
        for threshold in (1.0,):
            flags = [min(r["lex"], cfg["lexicon_cap"]) + weight * r["p"] >= threshold for r in rows]
            d, fa = _rates(flags, rows)
            out.append(f"  model_weight {weight:.2f} threshold {threshold:.2f}: detection {d:.3f}, "
                       f"pause on calm {fa:.3f}")
    # Patterns: each line after two others of the same label from another fold's view (their
    # out-of-fold scores), and calm lines after two escalated ones (a calm answer to a row).
    rng = random.Random(42)
    esc = [r for r in rows if r["label"] == "escalated"]
    calm = [r for r in rows if r["label"] == "calm" and r["kind"] != "nlu_everyday"]

    def scored(row: Dict[str, Any], history: Sequence[Dict[str, Any]], **over: float) -> bool:
        single = combine_scores(row["lex"], row["p"], {**cfg, **over})
        hist = [combine_scores(h["lex"], h["p"], {**cfg, **over}) for h in history]
        from bot.language.escalation import with_history

        return with_history(single, hist, {**cfg, **over}) >= lex.threshold

    out.append("patterns (two earlier lines, out-of-fold scores), by history floor:")
    for floor in (0.5, 0.6, 0.7, 0.8, 0.9):
        pat = [scored(r, rng.sample(esc, 2), history_floor=floor) for r in esc]
        after_row = [scored(r, rng.sample(esc, 2), history_floor=floor) for r in calm]
        calm_calm = [scored(r, rng.sample(calm, 2), history_floor=floor) for r in calm]
        out.append(f"  history_floor {floor:.2f}: escalated after escalated {sum(pat) / len(pat):.3f}; "
                   f"calm after a row {sum(after_row) / len(after_row):.3f}; "
                   f"calm after calm {sum(calm_calm) / len(calm_calm):.3f}")
    chosen = [combine_scores(r["lex"], r["p"], cfg) >= lex.threshold for r in rows]
    d, fa = _rates(chosen, rows)
    out.append(f"chosen (content/escalation.yml): detection {d:.3f}, pause on calm {fa:.3f}")
    kinds = sorted({r["kind"] for r in rows})
    for kind in kinds:
        part = [(f, r) for f, r in zip(chosen, rows) if r["kind"] == kind]
        out.append(f"  kind {kind:<16} {'detected' if part[0][1]['label'] == 'escalated' else 'pause'} "
                   f"{sum(f for f, _ in part)}/{len(part)}")
    for lang in sorted({r["lang"] for r in rows}):
        part = [(f, r) for f, r in zip(chosen, rows) if r["lang"] == lang]
        d, fa = _rates([f for f, _ in part], [r for _, r in part]) if lang != "en" else _rates(chosen, [
            r if r["lang"] == "en" else {**r, "label": "other"} for r in rows])
        out.append(f"  lang {lang}: detection {d:.3f}, pause on calm {fa:.3f}")
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Train the escalation second opinion.")
    parser.add_argument("--force", action="store_true", help="train even when the data did not change")
    parser.add_argument("--cv", action="store_true", help="print the cross-validation table behind the thresholds")
    args = parser.parse_args(argv)
    if args.cv:
        for line in cv_table():
            print(line)
        return 0
    print(f"Escalation second opinion: {build(force=args.force)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
