"""Kintsugi against a stock Rasa assistant, in one run on this machine (``make bench``).

Trains both (Kintsugi's model, and the ``rasa init --no-prompt`` assistant in a
temporary folder), then starts each variant in turn and drives it over the REST
channel from this process with aiohttp: 1 conversation at a time, then 10 and 50
concurrent conversations, each level bounded in messages and seconds. Prints a
table and writes ``bench/results/<timestamp>.json`` (``throughput_ratio_50`` on top).

    .venv/bin/python bench/run.py                 # everything (about 20 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick         # fewer variants and messages (about 5 minutes)
    .venv/bin/python bench/run.py --kintsugi sqlite --no-stock --levels 1
    .venv/bin/python bench/run.py --long 600 --levels "" --kintsugi sqlite,sqlite-nowindow   # issue 21 only
    .venv/bin/python bench/run.py --levels "" --kintsugi "" --no-stock --long 0 --replicas 20   # 1 vs 2 replicas only
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crisis import time_safety_guard  # noqa: E402
from bench.load import LevelResult, percentile, run_level  # noqa: E402
from bench.long import interference, long_conversation  # noqa: E402
from bench.procs import PeakMemory, tree_rss_mb  # noqa: E402
from bench.replicas import compare_replicas  # noqa: E402
from bench.report import print_report  # noqa: E402
from bench.scripts import crisis_scripts, kintsugi_scripts, stock_scripts  # noqa: E402
from bench.targets import KintsugiTarget, StockTarget, Variant, init_stock  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# Per level: (most messages, most seconds). Enough for stable rates and percentiles, bounded either way.
BUDGETS = {1: (300, 30.0), 10: (600, 40.0), 50: (1500, 60.0)}
# One versus two rasa replicas (issue 17): the same closed-loop load on each, (messages, seconds).
REPLICA_BUDGET = (600, 60.0)

KINTSUGI_VARIANTS = {
    "sqlite": Variant("kintsugi-sqlite"),
    "sqlite-untuned": Variant("kintsugi-sqlite-untuned", untuned=True),
    "sqlite-nowindow": Variant("kintsugi-sqlite-nowindow", window=0),
    "sqlite-redis-w2": Variant("kintsugi-sqlite-redis-w2", redis=True, workers=2),
    "pg-redis": Variant("kintsugi-pg-redis", database="postgresql", redis=True),
    "pg-redis-untuned": Variant("kintsugi-pg-redis-untuned", database="postgresql", redis=True, untuned=True),
    "pg-redis-w2": Variant("kintsugi-pg-redis-w2", database="postgresql", redis=True, workers=2),
    "pg-redis-w2-threads": Variant("kintsugi-pg-redis-w2-threads", database="postgresql", redis=True, workers=2,
                                   threads=True),
    "pg-redis-w2-async": Variant("kintsugi-pg-redis-w2-async", database="postgresql", redis=True, workers=2,
                                 async_commit=True),
}
# The long conversation and interference (issue 21) run on these (and on the stock bot as `rasa run` starts it);
# pg-redis-w2 is the production shape (two Sanic workers): does a second worker keep fresh conversations fast?
LONG_VARIANTS = ("sqlite", "sqlite-nowindow", "pg-redis-w2")
# The crisis path is timed end to end on these.
CRISIS_VARIANTS = ("sqlite", "pg-redis-w2")
STOCK_VARIANTS = {
    "default": Variant("stock", database="memory"),
    "threads": Variant("stock-threads", database="memory", threads=True),
    "pg-redis-w2-threads": Variant("stock-pg-redis-w2-threads", database="postgresql", redis=True, workers=2,
                                   threads=True),
}
DEFAULT_KINTSUGI = ["sqlite", "sqlite-untuned", "sqlite-redis-w2", "pg-redis", "pg-redis-untuned", "pg-redis-w2",
                    "pg-redis-w2-async"]
DEFAULT_STOCK = ["default", "threads", "pg-redis-w2-threads"]
QUICK_KINTSUGI = ["sqlite", "pg-redis-w2"]
QUICK_STOCK = ["default"]
# What each lever gave: (lever, variant with it, variant without it).
LEVERS = (
    ("bot.rasa_plugins.tuning (SQLite)", "kintsugi-sqlite", "kintsugi-sqlite-untuned"),
    ("bot.rasa_plugins.tuning (PostgreSQL)", "kintsugi-pg-redis", "kintsugi-pg-redis-untuned"),
    ("SANIC_WORKERS=2 + Redis lock store (SQLite)", "kintsugi-sqlite-redis-w2", "kintsugi-sqlite"),
    ("SANIC_WORKERS=2 + Redis lock store (PostgreSQL)", "kintsugi-pg-redis-w2", "kintsugi-pg-redis"),
    ("PostgreSQL instead of SQLite (1 worker)", "kintsugi-pg-redis", "kintsugi-sqlite"),
    ("synchronous_commit=off (PostgreSQL, 2 workers)", "kintsugi-pg-redis-w2-async", "kintsugi-pg-redis-w2"),
    ("TF/BLAS 1 thread per op (PostgreSQL, 2 workers)", "kintsugi-pg-redis-w2-threads", "kintsugi-pg-redis-w2"),
    ("stock: TF 1 thread per op", "stock-threads", "stock"),
    ("stock: PostgreSQL + Redis, 2 workers, 1 thread/op", "stock-pg-redis-w2-threads", "stock-threads"),
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer variants, a third of the messages")
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations per level (default 1,10,50)")
    parser.add_argument("--kintsugi", default=None, help=f"variants, comma-separated: {', '.join(KINTSUGI_VARIANTS)}")
    parser.add_argument("--stock", default=None, help=f"variants, comma-separated: {', '.join(STOCK_VARIANTS)}")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock assistant")
    parser.add_argument("--scale", type=float, default=None, help="multiply every level's message budget")
    parser.add_argument("--crisis-samples", type=int, default=150, help="crisis and ordinary openings each")
    parser.add_argument("--long", type=int, default=2000,
                        help="messages of the long conversation (issue 21), on kintsugi-sqlite with and without the "
                             "window and on the stock bot; 0 skips it (default 2000)")
    parser.add_argument("--stock-long", type=int, default=None,
                        help="messages of the stock bot's long conversation (default: as --long; its cost per "
                             "message grows with the session, so 2,000 messages take it most of an hour)")
    parser.add_argument("--replicas", type=int, default=20,
                        help="conversations at once for one versus two rasa replicas on PostgreSQL + Redis "
                             "(issue 17); 0 skips it (default 20)")
    parser.add_argument("--note", default="", help="a note kept in the result file (what else the machine was doing)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (models, logs)")
    parser.add_argument("--kintsugi-model", type=Path, help="use this model instead of training (no training time)")
    parser.add_argument("--stock-dir", type=Path, help="use this trained `rasa init` folder (no training time)")
    return parser.parse_args(argv)


def services_up() -> Dict[str, bool]:
    """Whether PostgreSQL and Redis answer on this machine."""
    import socket

    status = {}
    for name, port in (("postgresql", 5432), ("redis", 6379)):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                status[name] = True
        except OSError:
            status[name] = False
    return status


def cold_cache(folder: Path) -> Dict[str, str]:
    """Environment for training without rasa's component cache (~/.rasa/cache), so training is timed in full."""
    return {"RASA_CACHE_DIRECTORY": str(folder), "RASA_MAX_CACHE_SIZE": "0"}


def train_kintsugi(folder: Path) -> Dict[str, Any]:
    """Train Kintsugi's model from scratch into ``folder``; returns the path and seconds."""
    from bot.stack import train_if_changed

    began = time.monotonic()
    model = train_if_changed(ROOT, out=folder, force=True, env=cold_cache(folder / "rasa-cache"))
    return {"model": str(model), "seconds": round(time.monotonic() - began, 1)}


async def _levels(url: str, scripts: list, levels: List[int], scale: float, prefix: str) -> List[LevelResult]:
    results = []
    # Warm-up: every script once, a few at a time (first requests load lazily); not measured.
    await run_level(url, scripts, 3, max_messages=sum(len(s) for s in scripts) * 2, max_seconds=30,
                    prefix=f"{prefix}-warm")
    for level in levels:
        messages, seconds = BUDGETS.get(level, (12 * level, 60.0))
        results.append(await run_level(url, scripts, level, max_messages=max(20, int(messages * scale)),
                                       max_seconds=seconds, prefix=f"{prefix}-l{level}"))
    return results


async def _crisis(url: str, samples: int, prefix: str) -> Dict[str, Any]:
    """Crisis openings and ordinary action openings, alternating, one at a time.

    The first crisis reply a process gives loads the help lines (on first use, by design);
    a warm-up of a few crisis conversations takes that out of the per-message figures and
    reports it on its own as ``cold_first_crisis_ms``.
    """
    warm = await run_level(url, crisis_scripts(), 1, max_messages=16, max_seconds=60, prefix=f"{prefix}-crisis-warm")
    result = await run_level(url, crisis_scripts(), 1, max_messages=2 * samples, max_seconds=120,
                             prefix=f"{prefix}-crisis")
    crisis, ordinary = result.latencies.get("crisis", []), result.latencies.get("action", [])
    out: Dict[str, Any] = {"samples": len(crisis), "errors": result.errors + result.wrong_recipient}
    if warm.latencies.get("crisis") and warm.latencies.get("action"):
        out["cold_first_crisis_ms"] = round(warm.latencies["crisis"][0], 1)
        out["cold_first_ordinary_ms"] = round(warm.latencies["action"][0], 1)
    for name, values in (("crisis", crisis), ("ordinary", ordinary)):
        for p in (50, 95, 99):
            value = percentile(values, p)
            out[f"{name}_p{p}_ms"] = round(value, 1) if value is not None else None
    if out["crisis_p99_ms"] is not None and out["ordinary_p99_ms"] is not None:
        for p in (50, 95, 99):
            out[f"added_p{p}_ms"] = round(out[f"crisis_p{p}_ms"] - out[f"ordinary_p{p}_ms"], 1)
    return out


def measure(target: Any, scripts: list, levels: List[int], scale: float, crisis_samples: int = 0,
            long_messages: int = 0) -> Dict[str, Any]:
    """Start one variant, load it level by level, and stop it; every figure of that variant."""
    variant: Variant = target.variant
    print(f"\n== {variant.name} ({variant.describe()})", flush=True)
    record: Dict[str, Any] = {"variant": variant.name, "setup": variant.describe(), "env": variant.env()}
    prefix = f"{variant.name}-{uuid.uuid4().hex[:6]}"
    try:
        for attempt in (1, 2):  # a port taken between free_port() and bind() is worth one retry
            try:
                target.start()
                break
            except (RuntimeError, TimeoutError) as exc:
                target.stop()
                if attempt == 2:
                    raise
                print(f"   start failed ({exc}); trying again on other ports", flush=True)
        record["start_seconds"] = round(target.start_seconds, 1)
        roots = target.roots()
        record["rss_idle_mb"] = {name: round(tree_rss_mb(pid)) for name, pid in roots.items()}
        print(f"   answering {target.start_seconds:.1f} s after start", flush=True)
        with PeakMemory(roots) as memory:
            results = asyncio.run(_levels(target.url, scripts, levels, scale, prefix))
            if crisis_samples:
                record["crisis"] = asyncio.run(_crisis(target.url, crisis_samples, prefix))
            if long_messages:
                record["long"] = asyncio.run(long_conversation(target.url, scripts, long_messages, f"{prefix}-long"))
                record["interference"] = asyncio.run(interference(target.url, scripts, f"{prefix}-long",
                                                                  prefix=f"{prefix}-fresh"))
                lg, it = record["long"], record["interference"]
                print(f"   long conversation: {lg['messages']} msgs, p50 per 100 " +
                      " ".join(str(b["p50_ms"]) for b in lg["blocks"]) +
                      f" ms; growth {lg['growth_p50_last_over_first']}x; fresh p95 ({it['fresh']} arriving at random, "
                      f"one every {it['arrival_s']} s on average) alone {it['alone_p95_ms']} ms, beside the long one "
                      f"at one message per {it['pace_s']} s {it['beside_long_p95_ms']} ms ({it['p95_rise']}x, 90% interval "
                      f"{it.get('p95_rise_interval_90')}); "
                      f"{it['back_to_back']} fresh sent back to back: alone {it['alone_back_to_back_p95_ms']} ms, "
                      f"beside the paced long one {it['beside_long_back_to_back_p95_ms']} ms "
                      f"({it['back_to_back_p95_rise']}x), beside it back to back {it['saturating_p95_ms']} ms "
                      f"({it['saturating_p95_rise']}x)", flush=True)
        record["rss_peak_mb"] = {name: round(value) for name, value in memory.peak.items()}
        record["rss_peak_total_mb"] = round(sum(memory.peak.values()))
        record["levels"] = {str(r.concurrency): r.summary() for r in results}
        for r in results:
            s = r.summary()
            print(f"   {r.concurrency:>3} conv: {s['msg_per_s']:>6} msg/s  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  "
                  f"p99 {s['p99_ms']} ms  ({s['messages']} msgs, {s['errors']} errors)", flush=True)
    except Exception as exc:  # noqa: BLE001 - one failed variant must not lose the others' figures
        record["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        target.stop()
    return record


def best(records: List[Dict[str, Any]], level: str) -> Optional[Dict[str, Any]]:
    """The variant with the most messages per second at ``level``."""
    usable = [r for r in records if level in r.get("levels", {}) and not r.get("error")]
    return max(usable, key=lambda r: r["levels"][level]["msg_per_s"], default=None)


def levers(records: List[Dict[str, Any]], levels: List[int]) -> List[Dict[str, Any]]:
    """What each lever gave: msg/s and p50 with it ÷ without it, per level, where both variants ran."""
    by_name = {r["variant"]: r for r in records if not r.get("error")}
    out = []
    for lever, with_it, without in LEVERS:
        a, b = by_name.get(with_it), by_name.get(without)
        if not a or not b:
            continue
        entry: Dict[str, Any] = {"lever": lever, "with": with_it, "without": without}
        for level in map(str, levels):
            la, lb = a["levels"].get(level), b["levels"].get(level)
            if la and lb and lb["msg_per_s"] and lb["p50_ms"]:
                entry[level] = {"msg_per_s_ratio": round(la["msg_per_s"] / lb["msg_per_s"], 2),
                                "p50_ratio": round(la["p50_ms"] / lb["p50_ms"], 2)}
        out.append(entry)
    return out


def _pair(k: Dict[str, Any], s: Dict[str, Any], level: str) -> Dict[str, Any]:
    kl, sl = k["levels"][level], s["levels"][level]
    return {"kintsugi": k["variant"], "stock": s["variant"],
            "throughput_ratio": round(kl["msg_per_s"] / sl["msg_per_s"], 2) if sl["msg_per_s"] else None,
            "p50_ratio": round(kl["p50_ms"] / sl["p50_ms"], 2), "p95_ratio": round(kl["p95_ms"] / sl["p95_ms"], 2),
            "kintsugi_p95_lower": kl["p95_ms"] < sl["p95_ms"]}


def ratios(kintsugi: List[Dict[str, Any]], stock: List[Dict[str, Any]], levels: List[int]) -> Dict[str, Any]:
    """Kintsugi ÷ stock per level.

    The headline pairs Kintsugi's fastest variant with the stock bot as the issue
    defines it: made by ``rasa init --no-prompt`` and started by ``rasa run``
    (variant ``stock``). ``vs_fastest_stock`` pairs it with the fastest stock variant
    this run built (PostgreSQL + Redis, 2 workers, TensorFlow threads): a stricter test.
    """
    out: Dict[str, Any] = {}
    default_stock = [r for r in stock if r["variant"] == "stock"]
    for level in map(str, levels):
        k, fastest = best(kintsugi, level), best(stock, level)
        default = best(default_stock, level) or fastest
        entry: Dict[str, Any] = {}
        if k and default:
            entry = _pair(k, default, level)
        if k and fastest:
            entry["vs_fastest_stock"] = _pair(k, fastest, level)
        out[level] = entry
    return out


def main(argv: Optional[List[str]] = None) -> int:
    """Run the benchmark; returns the exit code."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the stacks on the way out
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    scale = args.scale if args.scale is not None else (0.35 if args.quick else 1.0)
    k_names = ([n for n in args.kintsugi.split(",") if n] if args.kintsugi is not None
               else list(QUICK_KINTSUGI if args.quick else DEFAULT_KINTSUGI))
    if args.long and args.kintsugi is None and "sqlite-nowindow" not in k_names:
        k_names.append("sqlite-nowindow")  # the long conversation without Kintsugi's window, beside it
    s_names = [] if args.no_stock else ([n for n in args.stock.split(",") if n] if args.stock is not None else
                                        (QUICK_STOCK if args.quick else DEFAULT_STOCK))
    services = services_up()
    skipped = []
    for names, table in ((k_names, KINTSUGI_VARIANTS), (s_names, STOCK_VARIANTS)):
        for name in list(names):
            v = table[name]
            if (v.database == "postgresql" and not services["postgresql"]) or (v.redis and not services["redis"]):
                names.remove(name)
                skipped.append(v.name)
    if skipped:
        print(f"PostgreSQL/Redis not reachable: skipping {', '.join(skipped)}", flush=True)

    folder = Path(tempfile.mkdtemp(prefix="kintsugi-bench-"))
    started = datetime.now(timezone.utc)
    report: Dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"), "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": list(os.getloadavg())},
        "levels": levels, "budgets": {str(k): {"messages": max(20, int(v[0] * scale)), "seconds": v[1]}
                                      for k, v in BUDGETS.items() if k in levels},
        "skipped": skipped,
    }
    if args.note:
        report["notes"] = args.note
    try:
        if args.kintsugi_model:
            model = args.kintsugi_model.resolve()
        else:
            print("Training Kintsugi's model from scratch...", flush=True)
            report["kintsugi_training"] = train_kintsugi(folder / "kintsugi-models")
            print(f"   {report['kintsugi_training']['seconds']} s", flush=True)
            model = Path(report["kintsugi_training"]["model"])
        stock_dir = args.stock_dir.resolve() if args.stock_dir else folder / "stock"
        if s_names and not args.stock_dir:
            print("Creating and training the stock assistant (rasa init --no-prompt)...", flush=True)
            report["stock_training"] = {"seconds": round(init_stock(stock_dir, cold_cache(folder / "rasa-cache")), 1)}
            print(f"   {report['stock_training']['seconds']} s", flush=True)

        print("Timing SafetyGuard on its own (every NLU example once)...", flush=True)
        report["safety_guard"] = time_safety_guard()

        kintsugi_records = []
        for i, name in enumerate(k_names):
            variant = KINTSUGI_VARIANTS[name]
            target = KintsugiTarget(variant=variant, model=model, folder=folder)
            timed = name in CRISIS_VARIANTS or (i == 0 and not set(CRISIS_VARIANTS) & set(k_names))
            record = measure(target, kintsugi_scripts(), levels, scale,
                             crisis_samples=args.crisis_samples if timed else 0,
                             long_messages=args.long if name in LONG_VARIANTS else 0)
            kintsugi_records.append(record)
        stock_records = []
        for name in s_names:
            target = StockTarget(variant=STOCK_VARIANTS[name], folder=stock_dir, log_dir=folder / "logs")
            stock_records.append(measure(target, stock_scripts(), levels, scale,
                                         long_messages=(args.long if args.stock_long is None else args.stock_long)
                                         if name == "default" and args.long else 0))

        if args.replicas and services["postgresql"] and services["redis"]:
            messages, seconds = REPLICA_BUDGET
            report["replicas"] = compare_replicas(model, folder, args.replicas, max(20, int(messages * scale)), seconds)
        elif args.replicas:
            skipped.append("replicas (PostgreSQL/Redis not reachable)")
        report["kintsugi"] = kintsugi_records
        report["stock"] = stock_records
        report["ratios"] = ratios(kintsugi_records, stock_records, levels) if stock_records else {}
        report["throughput_ratio_50"] = (report["ratios"].get("50") or {}).get("throughput_ratio")
        report["throughput_ratio_50_vs_fastest_stock"] = (
            (report["ratios"].get("50") or {}).get("vs_fastest_stock") or {}).get("throughput_ratio")
        report["crisis_path"] = crisis_summary(report)
        report["long_conversation"] = {r["variant"]: {"growth_p50_last_over_first": r["long"]["growth_p50_last_over_first"],
                                                      "fresh_p95_rise": r["interference"]["p95_rise"],
                                                      "fresh_p95_rise_interval_90":
                                                          r["interference"].get("p95_rise_interval_90"),
                                                      "fresh_p95_rise_back_to_back":
                                                          r["interference"].get("back_to_back_p95_rise"),
                                                      "fresh_p95_rise_saturating":
                                                          r["interference"].get("saturating_p95_rise")}
                                       for r in kintsugi_records + stock_records if r.get("long")}
        report["long_command"] = " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])])
        report["levers"] = levers(kintsugi_records + stock_records, levels)
        default_k = next((r for r in kintsugi_records if r["variant"] == "kintsugi-sqlite" and not r.get("error")), None)
        one = default_k or best(kintsugi_records, "1")
        report["kintsugi_p50_one_user_ms"] = one["levels"]["1"]["p50_ms"] if one and "1" in one["levels"] else None
        report["kintsugi_p50_one_user_variant"] = one["variant"] if one else None
        report["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    finally:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        out.write_text(json.dumps(report, indent=2))
        if args.keep:
            print(f"Kept {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print_report(report)
    print(f"\nWrote {out.relative_to(ROOT)}")
    return 0


def crisis_summary(report: Dict[str, Any]) -> Dict[str, Any]:
    """The crisis path's added latency: SafetyGuard on its own, and crisis vs ordinary openings end to end."""
    guard = report.get("safety_guard") or {}
    out: Dict[str, Any] = {"safety_guard_p99_ms": guard.get("p99_ms"), "safety_guard_p50_ms": guard.get("p50_ms")}
    for record in report.get("kintsugi", []):
        if record.get("crisis"):
            out.setdefault("end_to_end", {})[record["variant"]] = record["crisis"]
    return out


if __name__ == "__main__":
    sys.exit(main())
