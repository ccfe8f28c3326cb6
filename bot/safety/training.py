"""Train the safety layer's second opinion from the project's own examples, at build time.

``content/safety/training/*.yml`` holds messages the project wrote (never copied
from public datasets), each with a level and a category; ``_second_opinion.yml``
beside them holds the settings and thresholds, chosen by cross-validation on
those examples (``python -m bot.safety.training --cv`` prints the table). The
weights go to ``models/safety_second_opinion.json`` with a fingerprint of the
data, and are trained again only when the data changes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bot import PROJECT_ROOT
from bot.content import CONTENT_DIR, parse

LEVELS = ("none", "check", "crisis")


def content_dir() -> Path:
    """Where the examples and settings live."""
    return CONTENT_DIR / "safety"


def model_path() -> Path:
    """Where the trained weights go (not in git: they are built from the examples)."""
    return PROJECT_ROOT / "models" / "safety_second_opinion.json"


# The frozen blind batches (tests/safety/blind/). Once a batch has been scored it is seen; the ones
# listed under ``seen_blind_batches`` in _second_opinion.yml are also training examples. A batch
# not listed there is never read here, so a new batch stays blind until it is scored and added.
BLIND_DIR = PROJECT_ROOT / "tests" / "safety" / "blind"


def seen_blind_files(folder: Path) -> List[Path]:
    """The blind batches already scored and now trained on (``seen_blind_batches``)."""
    return [BLIND_DIR / f"batch{int(n)}.yml" for n in settings(folder).get("seen_blind_batches") or []]


def _files(folder: Path) -> List[Path]:
    return (sorted((folder / "training").glob("*.yml")) + sorted(folder.glob("**/exclusions.yml"))
            + sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")) + [folder / "_second_opinion.yml"]
            + seen_blind_files(folder) + [Path(__file__)])  # this file too: new training code, new weights


def digest_of(paths: Sequence[Path]) -> str:
    """A hash of some files' names and contents (what a trained model was built from)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def fingerprint(folder: Path) -> str:
    """A hash of the training examples and settings."""
    return digest_of(_files(folder))


def settings(folder: Path) -> Dict[str, Any]:
    """``_second_opinion.yml``: features, regularisation, thresholds."""
    return parse(folder / "_second_opinion.yml")


_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def everyday_messages(config: Dict[str, Any]) -> List[str]:
    """The NLU examples of the product's everyday intents (greetings, yes/no, pauses, rules...)."""
    skip = set(config.get("nlu_intents_not_safe") or [])
    found = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for block in parse(path).get("nlu") or []:
            if "intent" not in block or block["intent"] in skip:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return [text for text in found if text]


def examples(folder: Path) -> List[Dict[str, Any]]:
    """Every training example: text, level, category. Also counted as safe: the lexicon's idiom
    examples and the NLU examples of the everyday intents (so "no" or "goodbye" stay ordinary).
    The blind batches already scored (``seen_blind_batches``) are examples too."""
    found: List[Dict[str, Any]] = [{"text": text, "level": "none", "category": None}
                                   for text in everyday_messages(settings(folder))]
    for path in sorted(folder.glob("**/exclusions.yml")):
        for exclusion in parse(path).get("exclusions") or []:
            found.extend({"text": str(text), "level": "none", "category": None}
                         for text in exclusion.get("examples") or [])
    for path in sorted((folder / "training").glob("*.yml")):
        for item in parse(path).get("items") or []:
            if item.get("level") not in LEVELS or not str(item.get("text") or "").strip():
                raise ValueError(f"{path.name}: every item needs a text and a level")
            found.append(item)
    for path in seen_blind_files(folder):
        found.extend({"text": str(item["text"]), "level": item["level"], "category": item.get("category")}
                     for item in parse(path).get("items") or [])
    return found


def _vectorizers(config: Dict[str, Any]) -> List[Tuple[str, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = []
    for spec in config["features"]:
        kind, low, high = spec["kind"], *spec["ngram_range"]
        common = dict(lowercase=True, sublinear_tf=True, min_df=spec.get("min_df", 1), ngram_range=(low, high))
        if kind == "char_wb":
            out.append((kind, TfidfVectorizer(analyzer="char_wb", **common)))
        else:
            out.append((kind, TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b", **common)))
    return out


def fit(items: Sequence[Dict[str, Any]], config: Dict[str, Any]) -> Dict[str, Any]:
    """Fit the concern and category classifiers; return the exported model."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    texts = [str(i["text"]) for i in items]
    concern = np.array([i["level"] != "none" for i in items], dtype=int)
    vectorizers = _vectorizers(config)
    blocks = [v.fit_transform(texts) for _, v in vectorizers]
    matrix = hstack(blocks).tocsr()
    binary = LogisticRegression(C=config["C"], class_weight="balanced", max_iter=5000).fit(matrix, concern)
    positive = np.flatnonzero(concern)
    labels = [str(items[i]["category"]) for i in positive]
    categories = sorted(set(labels))
    multi = LogisticRegression(C=config["C"], max_iter=5000).fit(matrix[positive], labels)
    assert list(multi.classes_) == categories
    # How acute a worrying message is: crisis against check, learnt from the worrying examples only.
    # (Only when the examples have both levels: the escalation detector reuses this with one.)
    acute_labels = np.array([items[i]["level"] == "crisis" for i in positive], dtype=int)
    acute = LogisticRegression(C=config["C"], class_weight="balanced", max_iter=5000).fit(
        matrix[positive], acute_labels) if len(set(acute_labels.tolist())) == 2 else None
    rows = np.vstack([binary.coef_, *([acute.coef_] if acute is not None else []), multi.coef_])
    features, start = [], 0
    for (kind, vectorizer), block in zip(vectorizers, blocks):
        width = block.shape[1]
        vocabulary = {gram: int(i) for gram, i in vectorizer.vocabulary_.items()}
        features.append({"kind": kind, "ngram_range": list(vectorizer.ngram_range), "vocabulary": vocabulary,
                         "idf": [round(float(x), 6) for x in vectorizer.idf_],
                         "weights": [[round(float(x), 6) for x in row[start:start + width]] for row in rows]})
        start += width
    head = ["concern", "acute"] if acute is not None else ["concern"]
    intercepts = [float(binary.intercept_[0])] + ([float(acute.intercept_[0])] if acute is not None else [])
    return {"features": features, "outputs": [*head, *categories],
            "intercepts": [*intercepts, *map(float, multi.intercept_)],
            "categories": categories, "thresholds": dict(config["thresholds"]),
            "sentence_split_chars": int(config.get("sentence_split_chars", 400)),
            "min_words_alone": int(config.get("min_words_alone", 3)),
            # the words of the safe examples: the speller never repairs these (bot/safety/detector.py)
            "safe_words": sorted({word for i in items if i["level"] == "none"
                                  for word in re.findall(r"(?u)\b\w+\b", str(i["text"]).lower())})}


def cross_validate(folder: Path, folds: int = 5) -> List[Tuple[float, float, float]]:
    """(threshold, recall, flags on safe) of the lexicon plus the model, by seeded k-fold cross-validation."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from bot.safety.detector import SafetyDetector
    from bot.safety.second_opinion import SecondOpinion

    items, config = examples(folder), settings(folder)
    concern = np.array([i["level"] != "none" for i in items])
    lexicon = SafetyDetector.from_directory(folder, second_opinion=None)
    floor = np.array([lexicon.assess(i["text"]).flagged for i in items])
    scores = np.zeros(len(items))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=42).split(scores, concern):
        model = SecondOpinion(fit([items[i] for i in train], config))
        for i in test:
            scores[i] = model.opinion(items[i]["text"]).probability
    table = []
    for threshold in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        flagged = floor | (scores >= threshold)
        table.append((threshold, float(flagged[concern].mean()), float(flagged[~concern].mean())))
    return table


def build_weights(out: Path, current: str, train: Callable[[], Dict[str, Any]], force: bool = False) -> Path:
    """Write ``train()``'s weights to ``out`` unless the file there has the fingerprint ``current``.

    Shared by every trained second opinion (safety, escalation); written atomically, so two
    processes building at once never leave half a file.
    """
    if not force and out.exists():
        try:
            with open(out, encoding="utf-8") as handle:
                if json.load(handle).get("fingerprint") == current:
                    return out
        except (OSError, ValueError):
            pass
    model = train()
    model["fingerprint"] = current
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=out.parent, delete=False, suffix=".tmp", encoding="utf-8") as tmp:
        json.dump(model, tmp, separators=(",", ":"), ensure_ascii=False)
    os.replace(tmp.name, out)
    return out


def build(folder: Optional[Path] = None, out: Optional[Path] = None, force: bool = False) -> Path:
    """Train unless weights from exactly this data exist; returns the weights' path."""
    folder, out = folder or content_dir(), out or model_path()
    return build_weights(out, fingerprint(folder), lambda: fit(examples(folder), settings(folder)), force)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Train the safety layer's second opinion.")
    parser.add_argument("--force", action="store_true", help="train even when the data did not change")
    parser.add_argument("--cv", action="store_true", help="print the cross-validation table behind the thresholds")
    args = parser.parse_args(argv)
    if args.cv:
        for threshold, recall, false_flags in cross_validate(content_dir()):
            print(f"threshold {threshold:.2f}: recall {recall:.3f}, flagged safe {false_flags:.3f}")
        return 0
    path = build(force=args.force)
    print(f"Safety second opinion: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
