"""One versus two rasa replicas on PostgreSQL + the Redis lock store, under the same load (issue 17).

Each replica is a rasa server with its own action server (``bot.stack.Stack`` without a
gateway), as ``deploy/`` runs them; all replicas share one fresh PostgreSQL database and the
local Redis. The same closed-loop load (``bench.load.run_level``: ``concurrency`` conversations
at once, Kintsugi's three flows, the same message and time budget) goes to one replica, then to
two that take the messages in turn like a load balancer without sticky sessions, so each
conversation's turns alternate between replicas and the Redis lock store keeps them in order.

On a machine with fewer cores than processes the replicas share the same cores and the
figure says little about scaling out; the result records the CPU count and load average.
"""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

from bench.load import first_answer, run_level
from bench.procs import PeakMemory
from bench.scripts import kintsugi_scripts
from bench.targets import REDIS_URL, create_pg_database, drop_pg_database
from bot.stack import Stack, free_port


def _stacks(count: int, model: Path, folder: Path, database_url: str) -> List[Stack]:
    env = {"KINTSUGI_REDIS_URL": REDIS_URL, "SANIC_WORKERS": "1"}
    return [Stack(database_url=database_url, model=model, rasa_port=free_port(), action_port=free_port(),
                  gateway_port=None, extra_env=env, log_dir=folder / "logs" / f"replicas-{count}-{i}")
            for i in range(count)]


def measure_replicas(count: int, model: Path, folder: Path, concurrency: int, messages: int,
                     seconds: float) -> Dict[str, Any]:
    """Start ``count`` replicas on a fresh database, warm them, load them once; every figure of that run."""
    from bot.storage.db import dispose_engines, upgrade_database

    database_url = create_pg_database()
    upgrade_database(database_url)
    dispose_engines()
    stacks = _stacks(count, model, folder, database_url)
    record: Dict[str, Any] = {"replicas": count, "processes": f"{count} rasa server(s) + {count} action server(s)"}
    prefix = f"replicas{count}-{uuid.uuid4().hex[:6]}"
    try:
        began = time.monotonic()
        for stack in stacks:  # one after the other: two cold starts at once only fight over the cores
            stack.start()
            asyncio.run(first_answer(stack.rasa_url, time.monotonic() + 300))
        record["start_seconds"] = round(time.monotonic() - began, 1)
        urls = [stack.rasa_url for stack in stacks]
        roots = {f"{name}-{i}": process.pid for i, stack in enumerate(stacks)
                 for name, process in stack.processes.items()}
        scripts = kintsugi_scripts()
        asyncio.run(run_level(urls, scripts, 3, max_messages=sum(len(s) for s in scripts) * 2 * count,
                              max_seconds=30, prefix=f"{prefix}-warm"))  # every replica's first turns, unmeasured
        record["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        with PeakMemory(roots) as memory:
            result = asyncio.run(run_level(urls, scripts, concurrency, max_messages=messages, max_seconds=seconds,
                                           prefix=prefix))
        record["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        record["rss_peak_total_mb"] = round(sum(memory.peak.values()))
        record["level"] = result.summary()
    except Exception as exc:  # noqa: BLE001 - the other run's figures are still worth writing
        record["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        for stack in stacks:
            stack.stop()
        drop_pg_database(database_url)
    return record


def compare_replicas(model: Path, folder: Path, concurrency: int, messages: int, seconds: float) -> Dict[str, Any]:
    """One replica, then two, under the same load; the ratios of two over one."""
    out: Dict[str, Any] = {"setup": "PostgreSQL + Redis lock store, 1 Sanic worker per rasa server, "
                                    "messages alternate between replicas", "concurrency": concurrency,
                           "budget": {"messages": messages, "seconds": seconds}, "cpus": os.cpu_count()}
    for count in (1, 2):
        print(f"\n== {count} rasa replica(s) on PostgreSQL + Redis, {concurrency} conversations", flush=True)
        record = measure_replicas(count, model, folder, concurrency, messages, seconds)
        out[str(count)] = record
        level = record.get("level")
        if level:
            print(f"   {level['msg_per_s']} msg/s  p50 {level['p50_ms']} ms  p95 {level['p95_ms']} ms  "
                  f"({level['messages']} msgs, {level['errors']} errors, {level['wrong_recipient']} wrong recipient)",
                  flush=True)
        else:
            print(f"   failed: {record.get('error')}", flush=True)
    one, two = (out["1"].get("level") or {}), (out["2"].get("level") or {})
    if one.get("msg_per_s") and two.get("msg_per_s"):
        out["throughput_two_over_one"] = round(two["msg_per_s"] / one["msg_per_s"], 2)
        out["p95_two_over_one"] = round(two["p95_ms"] / one["p95_ms"], 2) if one.get("p95_ms") else None
        print(f"   two replicas ÷ one: {out['throughput_two_over_one']}x msg/s, p95 {out['p95_two_over_one']}x",
              flush=True)
    return out
