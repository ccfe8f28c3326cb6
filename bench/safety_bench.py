"""Benchmark the crisis detector: load time, throughput, p50/p99 latency on 300-char messages.

    .venv/bin/python bench/safety_bench.py [--rounds 5] [--cpu 0]

Messages are the labelled test messages (crisis and safe, about half each),
each padded with safe couple-talk to exactly 300 characters. Pinned to one
CPU. "cold" is the first pass (spaCy meets most words for the first time and
creates their lexemes); "warm" is the steady state of a long-running process.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

import yaml
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FILLER = [
    "We talked for a long time last night about the affair and the new rules for our phones. ",
    "I still feel shaky when he goes out, but he checks in now and it helps a little. ",
    "Our therapist said to take a twenty minute pause when one of us gets flooded. ",
    "The kids were at my sister's so we finally had time to talk without fighting. ",
    "Some days I think we can rebuild this, other days I just feel numb and tired. ",
]


def messages(size: int = 300) -> List[str]:
    """Every labelled message padded (in front) with safe text to ``size`` characters."""

    with (ROOT / "tests" / "safety" / "labelled.yml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    texts = [p["text"] for p in data["positives"]] + list(data["negatives"])
    rng = random.Random(7)
    out = []
    for text in texts:
        pad = "".join(rng.sample(FILLER, len(FILLER))) * 2
        out.append((pad[: max(0, size - len(text) - 1)] + " " + text)[-size:])
    rng.shuffle(out)
    return out


def percentile(values: List[float], q: float) -> float:
    """The q-th percentile (0-100) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="warm passes over the messages")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to (Linux)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    started = time.perf_counter()
    import spacy  # noqa: F401  (thinc imports TensorFlow when it is installed: slow, not ours)
    import_s = time.perf_counter() - started
    from bot.safety.detector import SafetyDetector

    started = time.perf_counter()
    detector = SafetyDetector.from_directory()
    load_s = time.perf_counter() - started

    msgs = messages()
    flagged = 0
    cold = []
    for m in msgs:
        t = time.perf_counter()
        flagged += detector.assess(m).flagged
        cold.append(time.perf_counter() - t)
    warm: List[float] = []
    best = [float("inf")] * len(msgs)
    started = time.perf_counter()
    for _ in range(args.rounds):
        for i, m in enumerate(msgs):
            t = time.perf_counter()
            detector.assess(m)
            took = time.perf_counter() - t
            warm.append(took)
            best[i] = min(best[i], took)
    total = time.perf_counter() - started

    ms = 1000.0
    print(f"safety detector benchmark  (python {sys.version.split()[0]}, pinned to cpu {args.cpu})")
    print(f"  import spacy          {import_s:6.2f} s   (includes TensorFlow via thinc; not the detector)")
    print(f"  load lexicon          {load_s:6.2f} s   ({len(detector.entries)} rules, "
          f"{sum(len(e.patterns) for e in detector.entries)} patterns, {len(detector.exclusions)} exclusions)")
    print(f"  messages              {len(msgs)} x {len(msgs[0])} chars, {flagged} flagged")
    print(f"  cold  p50 / p99       {percentile(cold, 50) * ms:6.3f} / {percentile(cold, 99) * ms:6.3f} ms")
    print(f"  warm  p50 / p99       {percentile(warm, 50) * ms:6.3f} / {percentile(warm, 99) * ms:6.3f} ms"
          f"   (mean {statistics.mean(warm) * ms:.3f} ms, max {max(warm) * ms:.3f} ms)")
    print(f"  warm, best of {args.rounds} runs per message: p50 / p99 {percentile(best, 50) * ms:6.3f} / "
          f"{percentile(best, 99) * ms:6.3f} ms  (each message's own cost, minus other processes' noise)")
    print(f"  throughput (warm)     {len(warm) / total:8.0f} messages/s on one core")
    if hasattr(os, "getloadavg"):
        print(f"  machine load average  {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (the noise in p99 above)")
    import resource

    from bot.safety.evaluate import lines, score

    model = detector.second_opinion
    print(f"  second opinion        {'on' if model else 'OFF'}"
          + (f" ({sum(len(f.index) for f in model.features)} n-grams, thresholds {model.thresholds})" if model else ""))
    print(f"  peak memory (RSS)     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB for the whole process")
    from bot.safety.training import content_dir, settings

    seen = {f"batch{int(n)}" for n in settings(content_dir()).get("seen_blind_batches") or []}
    for path in sorted((ROOT / "tests" / "safety" / "blind").glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            items = yaml.safe_load(fh)["items"]
        what = "scored once, seen since: tuned on and trained on" if path.stem in seen else "never tuned on"
        print(f"\nblind {path.stem} ({len(items)} messages, {what})")
        for line in lines(score(detector.assess, items)):
            print("  " + line)
        print("  lexicon alone: " + lines(score(detector.lexicon_assess, items))[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
