"""The crisis detector: labelled-set metrics, named cases, context rules, robustness."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from typing import Any, Dict, List

import pytest

from bot import PROJECT_ROOT
from bot.safety.lexicon import CATEGORIES
from tests.report import record

FALSE_ALARM_LIMIT = 0.03


def test_labelled_set_metrics(detector: Any, labelled: Dict[str, List[Any]], capsys: Any) -> None:
    """Every crisis-or-check message is flagged; `crisis` on safe messages stays <= 3%."""
    positives, negatives = labelled["positives"], labelled["negatives"]
    assert len(positives) + len(negatives) >= 360
    assert {p["category"] for p in positives} == set(CATEGORIES)
    missed: List[str] = []
    per_cat: Dict[str, Counter] = defaultdict(Counter)
    exact = same_category = 0
    for item in positives:
        result = detector.assess(item["text"])
        per_cat[item["category"]]["total"] += 1
        if result.flagged:
            per_cat[item["category"]]["flagged"] += 1
        else:
            missed.append(item["text"])
        exact += result.level == item["level"]
        same_category += result.category == item["category"]
    false_crisis = [t for t in negatives if detector.assess(t).level == "crisis"]
    checks = [t for t in negatives if detector.assess(t).level == "check"]
    recall = 1 - len(missed) / len(positives)
    false_alarm = len(false_crisis) / len(negatives)
    record("Safety detector on tests/safety/labelled.yml", [
        f"{len(positives)} crisis-or-check, {len(negatives)} safe",
        f"recall (crisis-or-check flagged): {recall:.1%} (must be 100%)",
        f"false alarms (crisis on safe): {false_alarm:.1%} (at most 3%)",
        *[f"  {cat:<18} recall {per_cat[cat]['flagged']}/{per_cat[cat]['total']}" for cat in CATEGORIES]])
    with capsys.disabled():
        print(f"\n[safety] labelled set: {len(positives)} crisis-or-check, {len(negatives)} safe")
        print(f"[safety] recall (crisis-or-check flagged): {recall:.1%}")
        print(f"[safety] false-alarm rate (crisis on safe): {false_alarm:.1%} ({len(false_crisis)})")
        print(f"[safety] check on safe (a gentle question, allowed): {len(checks) / len(negatives):.1%}")
        print(f"[safety] exact level: {exact / len(positives):.1%}, category: {same_category / len(positives):.1%}")
        for cat in CATEGORIES:
            c = per_cat[cat]
            print(f"[safety]   {cat:<18} recall {c['flagged']}/{c['total']} = {c['flagged'] / c['total']:.1%}")
    assert not missed, f"missed: {missed}"
    assert false_alarm <= FALSE_ALARM_LIMIT, f"false crisis: {false_crisis}"


def test_lexicon_examples_hit_their_rule(detector: Any) -> None:
    """Each entry's own examples trigger it; each exclusion's examples come out as none."""
    problems = []
    for entry in detector.entries:
        for example in entry.examples:
            if entry.id not in {h.rule_id for h in detector.hits(example)}:
                problems.append((entry.id, example))
    for exclusion in detector.exclusions:
        for example in exclusion.examples:
            if detector.assess(example).level != "none":
                problems.append((exclusion.id, example))
    assert not problems


@pytest.mark.parametrize("text", [
    "i want to kill myself", "I'm killing myself", "i killed myself in my head a thousand times",
    "kill my self", "KILL MYSELF", "killing my self", "I've thought about killing myself",
])
def test_kill_myself_in_any_form(detector: Any, text: str) -> None:
    """One lemma pattern covers kill / killing / killed / spacing / case."""
    result = detector.assess(text)
    assert (result.level, result.category) == ("crisis", "suicide_self_harm")


@pytest.mark.parametrize("text", [
    "this traffic is killing me", "my phone died", "I could murder a pizza", "I'd die for my kids",
    "he choked up", "dying to know", "killing it at work", "died laughing", "knock them dead",
    "kill time before the session", "the suspense is killing me", "you're killing me lol",
    "i nearly killed myself laughing", "it hit me that he lied", "he stabbed me in the back",
    "I want to die my hair red", "you gave me a heart attack",
])
def test_idioms_are_not_flagged(detector: Any, text: str) -> None:
    """Everyday idioms are excluded explicitly."""
    assert detector.assess(text).level == "none"


@pytest.mark.parametrize("text,category", [
    ("kms", "suicide_self_harm"), ("i should just kys", "suicide_self_harm"),
    ("gonna unalive myself", "suicide_self_harm"), ("i wanna die", "suicide_self_harm"),
    ("want 2 die", "suicide_self_harm"), ("i wanna diiiiie", "suicide_self_harm"),
    ("killl myself", "suicide_self_harm"), ("kiiiilll myself", "suicide_self_harm"),
    ("im going to kill myself", "suicide_self_harm"), ("dont want to live", "suicide_self_harm"),
    ("i dont wanna be alive", "suicide_self_harm"), ("I’m going to kill myself", "suicide_self_harm"),
    ("ｋｉｌｌ ｍｙｓｅｌｆ", "suicide_self_harm"), ("k\u200bill myself", "suicide_self_harm"),
    ("he chocked me", "partner_violence"), ("i od'd", "medical_emergency"),
    ("my bf hit me", "partner_violence"),
])
def test_slang_spelling_and_typos(detector: Any, text: str, category: str) -> None:
    """Slang, repeated letters, missing apostrophes, curly quotes, full-width and typos."""
    result = detector.assess(text)
    assert result.level == "crisis" and result.category == category


@pytest.mark.parametrize("text", [
    "I'm not going to kill myself", "I would never hurt myself", "i dont want to die",
    "I'm not suicidal, just tired", "he has never hit me",
    # inside a pattern's gap (engine._judge), not only before the phrase
    "my kids told me he never touched them", "he threatened he would never hurt the kids",
])
def test_negation_is_a_soft_check_never_silence(detector: Any, text: str) -> None:
    """A negated phrase is `check` with negated=True."""
    result = detector.assess(text)
    assert result.level == "check" and result.negated


@pytest.mark.parametrize("text", [
    "no reason not to kill myself", "why shouldn't I kill myself", "i can't stop wanting to die",
    "i don't want to live anymore", "i dont see why i shouldnt just kill myself",
])
def test_negation_that_does_not_soften(detector: Any, text: str) -> None:
    """Double negation, "why", "can't stop", and phrases negative by nature stay crisis."""
    assert detector.assess(text).level == "crisis"


@pytest.mark.parametrize("text,level", [
    ("my uncle killed himself years ago", "none"),
    ("she said she wanted to die in the movie", "none"),
    ("the character kills himself at the end of the book", "none"),
    ("my sister wants to die", "check"),
    ("my husband is suicidal", "check"),
    ("I tried to kill myself when I was 16", "check"),
    ("my friend overdosed last night", "crisis"),
    ("my friend overdosed years ago", "none"),
    ("he choked me years ago", "check"),
])
def test_someone_else_fiction_and_the_past(detector: Any, text: str, level: str) -> None:
    """About others: at most check, none in fiction or the distant past; emergencies stay."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize("text,level,category", [
    ("ich will nicht mehr leben", "crisis", "suicide_self_harm"),
    ("Ich bring mich um", "crisis", "suicide_self_harm"),
    ("er schlägt mich", "crisis", "partner_violence"),
    ("Er hat mich gewürgt", "crisis", "partner_violence"),
    ("ich habe alle tabletten genommen", "crisis", "medical_emergency"),
    ("er schlaegt mich", "crisis", "partner_violence"),
    ("er schlägt mich nicht", "check", "partner_violence"),
    ("ich sterbe vor lachen", "none", None),
])
def test_german(detector: Any, text: str, level: str, category: Any) -> None:
    """German phrases, umlaut-free spelling, negation after the verb, idioms."""
    result = detector.assess(text)
    assert (result.level, result.category) == (level, category)


def test_highest_level_then_category_priority(detector: Any) -> None:
    """Crisis beats check; among crises medical comes first; all are listed."""
    result = detector.assess("i can't do this anymore. he choked me. i took all my pills")
    assert (result.level, result.category) == ("crisis", "medical_emergency")
    assert result.categories == ("medical_emergency", "partner_violence")
    assert detector.assess("i'm scared of him and i want to die").category == "suicide_self_harm"


def test_match_is_the_text_as_written(detector: Any) -> None:
    """The reported span is the person's own words, not the normalised form."""
    assert detector.assess("honestly i wanna diiiie rn").match == "wanna diiiie"
    assert detector.assess("He CHOKED me!!").match == "CHOKED me"


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n", b"\xff\xfe\x00binary", "\x00\x01\x02\x7f",
                                  "😭😭😭💔", "我想死了", "أريد أن أموت", "хочу умереть", "a" * 20000,
                                  "🔪" * 5000, 12345])
def test_odd_input_never_raises(detector: Any, text: Any) -> None:
    """Empty, None, bytes, control characters, emoji, other scripts, huge tokens."""
    result = detector.assess(text)
    assert result.level in ("none", "check", "crisis")


def test_long_message_with_crisis_at_the_end(detector: Any) -> None:
    """10k and 200k characters of safe text still find a crisis phrase at the very end."""
    filler = "We talked about the affair again and it went a bit better than last week. "
    for size in (10_000, 200_000):
        text = (filler * (size // len(filler) + 1))[:size] + " and honestly I want to kill myself"
        started = time.perf_counter()
        result = detector.assess(text)
        assert result.level == "crisis" and result.match == "kill myself"
        assert time.perf_counter() - started < 5
    assert detector.assess("i took all my pills. " + filler * 200).category == "medical_emergency"


def test_bytes_input(detector: Any) -> None:
    """Bytes are decoded as UTF-8 with replacement."""
    assert detector.assess("ich will nicht mehr leben".encode()).level == "crisis"


def test_assessment_is_frozen(detector: Any) -> None:
    """Assessment is an immutable value with the documented fields."""
    result = detector.assess("he choked me")
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.level = "none"  # type: ignore[misc]
    assert {f.name for f in dataclasses.fields(result)} >= {"level", "category", "match", "rule_id", "negated"}
    assert result.rule_id == "pv.physical" and result.negated is False


def test_get_detector_is_a_lazy_singleton() -> None:
    """Importing does no work; get_detector() builds once and then returns the same object."""
    code = ("import sys, bot.safety as s; assert 'spacy' not in sys.modules; "
            "a = s.get_detector(); b = s.get_detector(); assert a is b; print(a.assess('kms').level)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("crisis")


def test_lemmas_match_the_spacy_lemmatizer(detector: Any, labelled: Dict[str, List[Any]]) -> None:
    """Our whole-doc lemma lookup gives exactly what the lookup lemmatizer pipe gives."""
    english = next(m for m in detector._matchers if m.lang.code == "en")
    for text in [p["text"].lower() for p in labelled["positives"][:80]] + labelled["negatives"][:80]:
        ours = [t.lemma_ for t in english.make_doc(text.lower())]
        assert ours == [t.lemma_ for t in english.nlp(text.lower())]


def test_anchored_matching_equals_a_plain_matcher(detector: Any, labelled: Dict[str, List[Any]]) -> None:
    """Running only the pattern groups whose anchor words occur loses no match."""
    from spacy.matcher import Matcher

    texts = [p["text"] for p in labelled["positives"]] + labelled["negatives"]
    for lang in detector._matchers:
        plain = Matcher(lang.nlp.vocab)
        for key, pattern in lang.patterns:
            plain.add(key, [pattern])
        for text in texts:
            doc = lang.make_doc(detector._normalise(text).text)
            assert set(lang.all_matches(doc)) == set(plain(doc)), text


ODD_TOKENS = ["gonna kill myself", "i'm gonna end it", "cannot go on", "10am pills", "took 30pills",
              "kill10", "10kill", "5x", "aujourd'hui je veux mourir", "war's", "l'overdose", "m'a frappée",
              "sewerslide", "kms", "unalive", "i wanna die", "dont wanna live", "can't breathe",
              "\u200bkill", "ki\u00adll", "\U0001F52A\U0001F52A", "x" * 500, ""]


def _project_texts() -> List[str]:
    """Every message the project holds: the labelled set, the blind batches, the training examples."""
    import yaml

    from bot.safety.training import content_dir, examples

    texts = [str(item["text"]) for item in examples(content_dir())]
    with (PROJECT_ROOT / "tests" / "safety" / "labelled.yml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    texts += [p["text"] for p in data["positives"]] + list(data["negatives"])
    for path in sorted((PROJECT_ROOT / "tests" / "safety" / "blind").glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            texts += [str(item["text"]) for item in yaml.safe_load(fh)["items"]]
    return texts


def test_a_language_is_skipped_only_when_it_cannot_match(detector: Any) -> None:
    """The word gate (bot/safety/gate.py) never turns away a text its language's rules would match,
    on every message the project holds, each read as the detector reads it (fillers left out too)."""
    texts = _project_texts() + ODD_TOKENS
    assert len(texts) > 5000
    skipped = 0
    for text in texts:
        norm = detector._normalise(text)
        readings = [norm.text]
        without = detector._normalise.without_fillers(norm)
        if without is not None:
            readings.append(without[0].text)
        for reading in readings:
            for lang in detector._matchers:
                if lang.gate.may_match(reading):
                    continue
                skipped += 1
                doc = lang.make_doc(reading)
                assert not lang.matcher(doc) and not lang.frame_matcher(doc), (lang.lang.code, text)
    assert skipped > len(texts)  # most languages are skipped for most messages


def test_a_message_assessed_twice_at_once_is_read_once(detector: Any) -> None:
    """rasa's channel and its NLU pipeline both ask about the same message: the second asks the memo."""
    text = "i took all of my pills an hour ago and now i feel really strange"
    before = detector._recent.cache_info()
    first = detector.assess(text)
    assert detector.assess(text.encode("utf-8")) == first
    after = detector._recent.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses + 1
    assert first.level == "crisis"


def test_threads_share_one_detector(detector: Any, labelled: Dict[str, List[Any]]) -> None:
    """Concurrent use gives the same verdicts as sequential use."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [p["text"] for p in labelled["positives"][:60]] + labelled["negatives"][:60]
    expected = [detector.assess(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(detector.assess, texts * 4)) == expected * 4


def test_german_forms_file_is_fresh(detector: Any) -> None:
    """content/safety/de/_forms.yml has every lemma word the German lexicon uses, as generated."""
    import yaml

    from bot.content import CONTENT_DIR
    from bot.safety.forms import build_forms

    for code in ("de", "es", "fr"):
        language = next(m for m in detector._matchers if m.lang.code == code)
        assert not language.compiler.missing_forms, f"run: python -m bot.safety.forms {code}"
        with (CONTENT_DIR / "safety" / code / "_forms.yml").open(encoding="utf-8") as fh:
            stored = yaml.safe_load(fh)["forms"] or {}
        assert stored == build_forms(CONTENT_DIR / "safety" / code, code), f"run: python -m bot.safety.forms {code}"


def test_a_broken_lexicon_names_file_and_rule(tmp_path: Any) -> None:
    """Lexicon mistakes fail loudly at load, naming the file and the entry."""
    import shutil

    from bot.content import CONTENT_DIR
    from bot.safety.detector import SafetyDetector
    from bot.safety.lexicon import LexiconError

    root = tmp_path / "safety"
    shutil.copytree(CONTENT_DIR / "safety", root)
    extra = root / "zz_review.yml"
    extra.write_text("category: medical_emergency\nentries:\n  - id: me.bad\n    level: crisis\n"
                     "    patterns: [\"=ca|can't =breathe\"]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"zz_review.yml \[me.bad\]"):
        SafetyDetector.from_directory(root)
    extra.write_text("category: medical_emergency\nentries:\n  - id: me.raw\n    level: crisis\n"
                     "    patterns: [[{LOWER: zzyzx}], [{LOWER: {NOPE: 1}}]]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="me.raw"):
        SafetyDetector.from_directory(root)
    extra.write_text("category: medical_emergency\nentries:\n  - id: me.raw\n    level: crisis\n"
                     "    patterns: [[{LOWER: zzyzx}]]\n", encoding="utf-8")
    assert SafetyDetector.from_directory(root).assess("he took zzyzx").rule_id == "me.raw"
    extra.write_text("category: medical_emergency\nentries:\n  - id: me.unconscious\n    level: crisis\n"
                     "    patterns: [\"=zzyzx\"]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="repeated"):
        SafetyDetector.from_directory(root)


@pytest.mark.parametrize("text", [
    "", " ", "x" * 10_000, "kill " * 2_000, b"\xff\xfe\x00binary", "\x00\x01\x02", "i\u200bwant\u200bto\u200bdie",
    "\u202eeid ot tnaw i", "أريد أن أموت", "我想死", "i want to die 我想死 je veux mourir", "🙂" * 500, None, 42,
])
def test_odd_input_gets_a_level_never_an_exception(detector: Any, text: Any) -> None:
    """The whole layer (lexicon, softeners, second opinion) answers anything with a level."""
    assert detector.second_opinion is not None
    assert detector.assess(text).level in ("none", "check", "crisis")
