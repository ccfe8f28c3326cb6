"""The second opinion scores exactly as scikit-learn's tf-idf and a linear model would."""
from __future__ import annotations

import math
from typing import Any, Dict, List

import numpy as np
import pytest

from bot.safety.second_opinion import SecondOpinion, sentences

TEXTS = [
    "we talked for hours about the affair and the new rules for our phones",
    "I still feel shaky when he goes out, but he checks in now.",
    "ich kann nicht mehr, ich will einfach nur schlafen und nicht mehr aufwachen",
    "no quiero seguir así. me duele todo y ya no sé qué hacer",
    "j'ai peur quand il rentre tard, il crie et il casse des choses",
    "he said he'd kill himself if I leave, and I believe him",
    "the kids were at my sister's so we finally had time to talk",
    "some days I think we can rebuild this, other days I just feel numb",
    "emoji 😭😭 and typos: i dont wanna b alive anymoree",
    "",
]


@pytest.fixture(scope="module")
def pair() -> Dict[str, Any]:
    """A small model exported the way training does, and the scikit-learn objects behind it."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(3)
    vectorizers = [
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), sublinear_tf=True),
    ]
    corpus = [t for t in TEXTS if t] * 2
    for v in vectorizers:
        v.fit(corpus)
    outputs = 4  # concern, acute, two categories
    weights = [rng.normal(size=(outputs, len(v.vocabulary_))) for v in vectorizers]
    intercepts = rng.normal(size=outputs).tolist()
    model = {
        "features": [{"kind": kind, "ngram_range": list(v.ngram_range),
                      "vocabulary": {g: int(i) for g, i in v.vocabulary_.items()},
                      "idf": v.idf_.tolist(), "weights": w.tolist()}
                     for kind, v, w in zip(("char_wb", "word"), vectorizers, weights)],
        "outputs": ["concern", "acute", "a", "b"], "intercepts": intercepts, "categories": ["a", "b"],
        "thresholds": {"check": 0.5, "crisis_with_lexicon": 0.9}, "sentence_split_chars": 40,
    }
    return {"model": SecondOpinion(model), "vectorizers": vectorizers, "weights": weights,
            "intercepts": np.array(intercepts)}


def _expected(pair: Dict[str, Any], text: str) -> np.ndarray:
    """scikit-learn's raw outputs for one text."""
    total = pair["intercepts"].copy()
    for v, w in zip(pair["vectorizers"], pair["weights"]):
        total += v.transform([text]).toarray()[0] @ w.T
    return total


@pytest.mark.parametrize("text", TEXTS)
def test_a_message_scores_as_scikit_learn_scores_it(pair: Dict[str, Any], text: str) -> None:
    model: SecondOpinion = pair["model"]
    ours = model._score_rows([model._ids(text.lower())])[0]
    assert np.allclose(ours, _expected(pair, text), atol=1e-9)


def test_a_long_message_is_the_highest_of_the_whole_and_its_sentences(pair: Dict[str, Any]) -> None:
    model: SecondOpinion = pair["model"]
    text = " ".join(TEXTS[:6]).replace(", but", ". But").replace(" and I", ". And I")
    pieces = [text.lower()] + sentences(text.lower())
    assert len(pieces) > 3
    raws = [_expected(pair, p) for p in pieces]
    best = max(range(len(raws)), key=lambda i: (raws[i][0], -i))
    opinion = model.opinion(text)
    assert math.isclose(opinion.probability, 1 / (1 + math.exp(-raws[best][0])), rel_tol=1e-9)
    assert math.isclose(opinion.acute, 1 / (1 + math.exp(-raws[best][1])), rel_tol=1e-9)
    assert opinion.category == ["a", "b"][int(np.argmax(raws[best][2:]))]


def test_words_met_again_score_the_same(pair: Dict[str, Any]) -> None:
    """The per-word cache changes nothing: a message scores the same the first and the tenth time."""
    model: SecondOpinion = pair["model"]
    first: List[float] = [model.opinion(t).probability for t in TEXTS]
    assert [model.opinion(t).probability for t in TEXTS] == first


def test_odd_input_gets_a_score(pair: Dict[str, Any]) -> None:
    model: SecondOpinion = pair["model"]
    for text in ["", " ", "\u200b", "x" * 10_000, "a. " * 900, "\ud83d\ude2d" * 50, "مرحبا 你好 שלום"]:
        assert 0.0 <= model.opinion(text).probability <= 1.0
