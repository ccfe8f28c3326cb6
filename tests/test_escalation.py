"""The escalation detector: labelled-set rates, capitals, history, robustness."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.language import escalation
from bot.language.escalation import EscalationAssessment, assess_escalation, load_lexicon
from tests.report import record

LABELLED = Path(__file__).with_name("escalation_labelled.yml")
MIN_DETECTION = 0.85
MAX_FALSE_ALARMS = 0.10


def _labelled() -> list[dict[str, Any]]:
    """The labelled messages, each with text, label and optional recent."""
    with LABELLED.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["examples"]


def test_labelled_set_is_balanced_and_well_formed() -> None:
    """At least 150 items, roughly 40% escalated, every label known."""
    items = _labelled()
    assert len(items) >= 150
    assert {item["label"] for item in items} == {"escalated", "ok"}
    share = sum(item["label"] == "escalated" for item in items) / len(items)
    assert 0.3 <= share <= 0.5
    assert any(item.get("recent") for item in items if item["label"] == "escalated")
    assert any(item.get("recent") for item in items if item["label"] == "ok")


def test_detection_and_false_alarm_rates() -> None:
    """Detection on escalated items and false alarms on ok items meet the targets."""
    escalated = ok = detected = false_alarms = 0
    missed: list[str] = []
    alarms: list[str] = []
    for item in _labelled():
        result = assess_escalation(item["text"], item.get("recent") or ())
        if item["label"] == "escalated":
            escalated += 1
            detected += result.suggest_pause
            if not result.suggest_pause:
                missed.append(f"{result.score:.2f} {item['text']}")
        else:
            ok += 1
            false_alarms += result.suggest_pause
            if result.suggest_pause:
                alarms.append(f"{result.score:.2f} {item['text']}")
    detection = detected / escalated
    false_alarm_rate = false_alarms / ok
    print(f"\nescalation detection: {detected}/{escalated} = {detection:.1%} (target >= {MIN_DETECTION:.0%})")
    print(f"escalation false alarms: {false_alarms}/{ok} = {false_alarm_rate:.1%} (target <= {MAX_FALSE_ALARMS:.0%})")
    record("Escalation (pause suggestions) on tests/escalation_labelled.yml", [
        f"detection on escalated: {detected}/{escalated} = {detection:.1%} (target >= {MIN_DETECTION:.0%})",
        f"false alarms on painful-but-ok talk: {false_alarms}/{ok} = {false_alarm_rate:.1%} "
        f"(target <= {MAX_FALSE_ALARMS:.0%})"])
    for line in missed:
        print(f"  missed      {line}")
    for line in alarms:
        print(f"  false alarm {line}")
    assert detection >= MIN_DETECTION
    assert false_alarm_rate <= MAX_FALSE_ALARMS


@pytest.mark.parametrize("text", [
    "I feel hurt that you lied",
    "I'm so sad about what happened",
    "it hurts when you say that",
    "I'm really angry that you lied",
    "it's not your fault",
    "I need you to stop saying \"get over it\" to me",
    "whatever you need, I'm here",
    "I'm so fucking hurt",
    "I was a selfish coward and I know it",
    pytest.param("I don't think you're a liar", marks=pytest.mark.xfail(
        reason="known false alarm of the second opinion (the lexicon alone skips the negation)", strict=True)),
])
def test_painful_but_respectful_talk_does_not_trigger(text: str) -> None:
    """Pain, anger and I-statements never suggest a pause on their own."""
    assert not assess_escalation(text).suggest_pause


@pytest.mark.parametrize("text", [
    "I'm so worn out and low today",
    "I'm angry about what you did, and I want to talk about it calmly",
    "I get anxious when you're late and don't text",
    "I'm sad we lost so much this year",
])
def test_calm_sadness_named_anger_and_anxiety_never_start_a_pause(text: str) -> None:
    """Alone, and after a row of heated messages from either partner."""
    row = ["you're a pathetic liar", "YOU NEVER LISTEN", "whatever, I'm done talking to you"]
    assert not assess_escalation(text).suggest_pause
    assert not assess_escalation(text, row).suggest_pause


@pytest.mark.parametrize("text", [
    "wonderful, one more apology",
    "I'm done talking to you",
    "say whatever you want, I'm not listening",
    pytest.param("one more word about her and I'm gone", marks=pytest.mark.xfail(
        reason="scores 0.88 < 1.0: leave threats are still missed when reworded", strict=True)),
])
def test_kinds_the_lexicon_missed_are_caught_by_the_second_opinion(text: str) -> None:
    result = assess_escalation(text)
    assert result.suggest_pause and "second_opinion" in result.signals


@pytest.mark.parametrize("text, signal", [
    ("DU BIST SO EIN ARSCHLOCH", "insult"),
    ("du widerst mich an", "contempt"),
    ("ich verlasse dich, pack deine Sachen", "leave_threat"),
    ("eres un imbécil", "insult"),
    ("me das asco", "contempt"),
    ("me largo, quiero el divorcio", "leave_threat"),
    ("t'es qu'un connard", "insult"),
    ("tu me dégoûtes", "contempt"),
    ("je te quitte, fais tes valises", "leave_threat"),
    ("ta gueule", "profanity_at_partner"),
])
def test_german_spanish_french_lexicon(text: str, signal: str) -> None:
    result = assess_escalation(text, second_opinion=None)
    assert signal in result.signals and result.suggest_pause


@pytest.mark.parametrize("text", ["ich bin heute so müde", "estoy triste por lo que pasó",
                                  "je suis en colère mais je veux en parler", "tu es un type bien"])
def test_german_spanish_french_calm_talk(text: str) -> None:
    assert not assess_escalation(text).suggest_pause


def test_a_pattern_over_messages_counts_more_than_one_sharp_line() -> None:
    """A moderately heated line is amplified by both partners' heated lines just before it."""
    lex = load_lexicon()
    line = "oh sure, because you always know best"
    alone = assess_escalation(line)
    piled = assess_escalation(line, ["nice of you to finally show up", "you never listen to a word I say"])
    assert piled.score >= alone.score
    if alone.score >= lex.second_opinion["history_floor"]:
        assert piled.score > alone.score and "history" in piled.signals


def test_in_sample_cross_validation_figures_on_the_training_lines() -> None:
    """The training lines scored by the final model (in-sample) are printed beside the blind figures."""
    from bot.language import escalation_training
    from bot.language.escalation_evaluate import lines, rates, score

    items = escalation_training.examples(escalation_training.content_dir())
    figures = score(assess_escalation, items)
    record("Escalation on its training lines (in-sample; the thresholds come from 5-fold CV on them)",
           lines(figures))
    assert rates(figures)["detection"] >= 0.85 and rates(figures)["pause_on_calm"] <= 0.05


@pytest.mark.parametrize("text, signal", [
    ("you're a pathetic liar", "insult"),
    ("YOU NEVER LISTEN TO ME", "shouting"),
    ("whatever, you always do this", "contempt"),
    ("f*** you", "profanity_at_partner"),
    ("it's your fault and you know it!!!", "blame"),
    ("I'm done with you. pack your bags", "leave_threat"),
    ("oh here we go again 🙄", "contempt"),
])
def test_heated_contempt_triggers(text: str, signal: str) -> None:
    """Insults, contempt, shouting and threats suggest a pause and name the signal."""
    result = assess_escalation(text)
    assert result.suggest_pause
    assert signal in result.signals


def test_capitals_shouting_versus_emphasis() -> None:
    """A message in capitals is shouting; one emphasised word is not."""
    # the lexicon's capitals rule (the second opinion reads "why do you always do this" as blame)
    shouted = assess_escalation("WHY DO YOU ALWAYS DO THIS", second_opinion=None)
    lower = assess_escalation("why do you always do this", second_opinion=None)
    emphasis = assess_escalation("I feel so HURT")
    assert "shouting" in shouted.signals and shouted.suggest_pause
    assert "shouting" not in lower.signals and not lower.suggest_pause
    assert "shouting" not in emphasis.signals and not emphasis.suggest_pause
    # acronyms and a lone capital "I" are not shouting
    assert "shouting" not in assess_escalation("I saw it on TV in the UK OK").signals
    assert not assess_escalation("OK").signals


def test_exclamation_runs_add_but_do_not_trigger_alone() -> None:
    """A run of exclamation marks adds a little heat, never a pause by itself."""
    result = assess_escalation("this is so hard!!!", second_opinion=None)
    assert "exclamation" in result.signals
    assert not result.suggest_pause


@pytest.mark.xfail(reason="known false alarm: the second opinion reads '!!!' as escalation", strict=True)
def test_exclamation_runs_do_not_trigger_with_the_second_opinion() -> None:
    assert not assess_escalation("this is so hard!!!").suggest_pause


def test_repeated_blame_adds_up_across_recent_messages() -> None:
    """One blaming line is not enough; the third in a row is."""
    # the lexicon's repeated-signal history (the second opinion flags this line alone already)
    line = "because of you the kids are miserable"
    alone = assess_escalation(line, second_opinion=None)
    assert "blame" in alone.signals and not alone.suggest_pause
    piled = assess_escalation(line, ["this is your fault", "you did this to us"], second_opinion=None)
    assert piled.suggest_pause
    assert "repeated_blame" in piled.signals
    assert piled.score > alone.score


def test_history_only_amplifies_a_hostile_message() -> None:
    """A calm message after a row is never flagged on the row's account."""
    row = ["you're a pathetic liar", "YOU NEVER LISTEN", "whatever 🙄"]
    calm = assess_escalation("I'm sorry, that was cruel. I'm just hurting", row)
    assert not calm.suggest_pause and "history" not in calm.signals
    alone = assess_escalation("I'm sorry, that was cruel. I'm just hurting")
    assert calm.score == alone.score


def test_history_window_and_order() -> None:
    """Only the last few messages count, and nearer ones count more."""
    lex = load_lexicon()
    window = int(lex.history["window"])
    far = ["this is your fault"] + ["ok"] * window
    assert "repeated_blame" not in assess_escalation("your fault", far).signals
    near = assess_escalation("you never listen", ["whatever 🙄", "ok", "ok"])
    nearer = assess_escalation("you never listen", ["ok", "ok", "whatever 🙄"])
    assert nearer.score > near.score


def test_recent_given_as_a_single_string_is_one_message() -> None:
    """Passing a string instead of a list does not split it into characters."""
    as_str = assess_escalation("you always lie", "you never tell the truth")
    as_list = assess_escalation("you always lie", ["you never tell the truth"])
    assert as_str == as_list


@pytest.mark.parametrize("text", [
    "",
    "   \n\t  ",
    "x" * 10_000,
    "you are so " * 1_000,
    "🙂🙃😢❤️" * 500,
    "😂",
    "我很难过，你为什么骗我",
    "¿por qué me mentiste? estoy muy triste",
    "\x00\x01\x02\xff\ufffe binary \x7f junk",
    "\ud800 lone surrogate",
    "\"" * 5_000,
    "'" * 5_000,
    "!" * 10_000,
])
def test_robust_to_odd_input(text: str) -> None:
    """Empty, huge, emoji-only, non-English and binary-ish text never raises."""
    result = assess_escalation(text, [text, "", "you always lie"])
    assert isinstance(result, EscalationAssessment)
    assert isinstance(result.score, float) and result.score >= 0
    assert isinstance(result.signals, tuple)
    assert all(isinstance(s, str) for s in result.signals)


def test_robust_to_non_string_input() -> None:
    """Bytes, None and other objects are coerced rather than crashing."""
    assert assess_escalation(b"you're a pathetic liar").suggest_pause  # type: ignore[arg-type]
    assert assess_escalation(None).score == 0.0  # type: ignore[arg-type]
    odd = assess_escalation(12345, [None, b"\xff\xfe", 3.5])  # type: ignore[arg-type,list-item]
    assert not odd.suggest_pause and not odd.signals


def test_long_messages_are_fast() -> None:
    """A 10,000-character message with six long earlier ones scores well under a second."""
    text = ("you're a pathetic liar and I feel hurt. " * 300)[:10_000]
    load_lexicon()
    started = time.perf_counter()
    result = assess_escalation(text, [text] * 6)
    assert time.perf_counter() - started < 2.0
    assert result.suggest_pause


def test_signals_never_carry_message_text() -> None:
    """Signals are category names only, so they are safe to log."""
    lex = load_lexicon()
    known = {c.signal for c in lex.categories} | {
        str(lex.shouting.get("signal")), str(lex.shouting.get("emphasis_signal")),
        str(lex.exclamation.get("signal")), str(lex.scare_quotes.get("signal")), "history", "second_opinion",
    }
    result = assess_escalation("YOU pathetic liar!!! whatever 🙄", ["your fault", "you never"])
    for signal in result.signals:
        assert signal.removeprefix("repeated_") in known
        assert "liar" not in signal and "pathetic" not in signal


def test_assessment_is_frozen() -> None:
    """The assessment is an immutable value."""
    result = assess_escalation("whatever")
    with pytest.raises(AttributeError):
        result.score = 0.0  # type: ignore[misc]


def test_no_file_read_at_import() -> None:
    """Importing the module opens no file; the lexicon is read on first use."""
    probe = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "import bot.language.escalation as e\n"
        "from bot.language.escalation_lexicon import _load_cached\n"
        "assert not [p for p in opened if p.endswith('escalation.yml')], opened\n"
        "assert _load_cached.cache_info().currsize == 0\n"
        "e.assess_escalation('whatever')\n"
        "assert [p for p in opened if p.endswith('escalation.yml')]\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_lexicon_is_cached() -> None:
    """The lexicon is compiled once and reused."""
    assert load_lexicon() is load_lexicon()
    assert load_lexicon(escalation.DEFAULT_LEXICON_PATH) is load_lexicon()


def test_custom_lexicon_path_and_threshold(tmp_path: Path) -> None:
    """A lexicon file can be passed explicitly, and its threshold is honoured."""
    source = Path(escalation.DEFAULT_LEXICON_PATH).read_text(encoding="utf-8")
    strict = tmp_path / "strict.yml"
    strict.write_text(source.replace("\nthreshold: 1.0\n", "\nthreshold: 5.0\n"), encoding="utf-8")
    lex = load_lexicon(strict)
    assert lex.threshold == 5.0
    result = assess_escalation("you're a pathetic liar", lexicon=lex, second_opinion=None)
    assert result.score >= 1.0 and not result.suggest_pause
