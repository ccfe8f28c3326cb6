"""Two replicas, two partners writing at the same moment: are any messages lost?

Starts two rasa servers and two action servers on one PostgreSQL database and one
Redis (as ``tests/test_replicas.py`` does), then in many conversations at once sends
pairs of messages simultaneously, one to each replica. Afterwards each tracker must
hold every answered message exactly once, each turn finished before the next. Runs
with Rasa's own ``RedisLockStore`` (``type: redis`` in endpoints.yml) and with the one
Kintsugi ships (``EnvLockStore`` → ``bot/rasa_plugins/lock_store.py``, atomic), and prints both.

    .venv/bin/python bench/lock_race.py [--conversations 20] [--pairs 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.load import percentile  # noqa: E402
from bench.targets import REDIS_URL, create_pg_database, drop_pg_database  # noqa: E402
from bot.stack import Stack, free_port, train_if_changed  # noqa: E402

KINTSUGI = "bot.rasa_plugins.lock_store.EnvLockStore"  # the atomic store Kintsugi ships


def rasa_redis_lock_store() -> str:
    """endpoints.yml's lock_store body for Rasa's own RedisLockStore on the same Redis."""
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    return (f"redis\n  url: {parts.hostname or '127.0.0.1'}\n  port: {parts.port or 6379}\n"
            f"  db: {parts.path.strip('/') or 1}\n  key_prefix: kintsugi")


RASA = "rasa"  # marker: use rasa_redis_lock_store()
CLIENT_TIMEOUT = 15.0


class LockStack(Stack):
    """A Stack whose endpoints.yml names another lock store class."""

    lock_store: str = KINTSUGI

    def _endpoints(self) -> Path:
        path = super()._endpoints()
        replacement = rasa_redis_lock_store() if self.lock_store == RASA else self.lock_store
        path.write_text(path.read_text().replace(KINTSUGI, replacement))
        return path


async def _post(session: aiohttp.ClientSession, url: str, sender: str, text: str, meta: Dict[str, Any]) -> list:
    async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text,
                                                                  "metadata": meta},
                            timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return await response.json(content_type=None)


async def drive(urls: List[str], token: str, conversations: int, pairs: int) -> Dict[str, Any]:
    """Simultaneous pairs in every conversation; then check every tracker."""
    senders = [f"race-{uuid.uuid4().hex[:8]}" for _ in range(conversations)]
    answered: Dict[str, List[str]] = {s: [] for s in senders}
    waits: List[float] = []
    failures: List[str] = []

    async with aiohttp.ClientSession() as session:
        async def one(sender: str, replica: int, seq: str, text: str) -> None:
            meta = {"partner_id": f"rest:{sender}:{replica}", "chat_type": "group", "addressed": True,
                    "channel": "rest", "test_seq": seq}
            began = time.monotonic()
            try:
                replies = await _post(session, urls[replica], sender, text, meta)
            except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
                failures.append(f"{sender} {seq}: {type(exc).__name__} {exc}")
                return
            waits.append(time.monotonic() - began)
            if replies and all(r.get("recipient_id") == sender for r in replies):
                answered[sender].append(seq)
            else:
                failures.append(f"{sender} {seq}: reply for another conversation or none")

        async def conversation(sender: str) -> None:
            for i in range(pairs):
                await asyncio.gather(one(sender, 0, f"{i}a", "thank you"), one(sender, 1, f"{i}b", "thanks so much"))

        began = time.monotonic()
        await asyncio.gather(*(conversation(s) for s in senders))
        seconds = time.monotonic() - began
        lost = duplicated = interleaved = 0
        for sender in senders:
            async with session.get(f"{urls[0]}/conversations/{sender}/tracker",
                                   params={"token": token, "include_events": "ALL"}) as response:
                events = (await response.json())["events"]
            seqs = [(e.get("metadata") or {}).get("test_seq") for e in events if e["event"] == "user"]
            duplicated += len(seqs) - len(set(seqs))
            lost += len(set(answered[sender]) - set(seqs))
            interleaved += sum(1 for a, b in zip(events, events[1:]) if b["event"] == "user"
                               and not (a["event"] == "action" and a.get("name") == "action_listen"))
    sent = conversations * pairs * 2
    return {"messages": sent, "answered": sum(map(len, answered.values())), "failed_or_timed_out": len(failures),
            "lost_after_answer": lost, "duplicated": duplicated, "interleaved_turns": interleaved,
            "seconds": round(seconds, 1),
            "wait_p50_ms": round(percentile(waits, 50) * 1000), "wait_p99_ms": round(percentile(waits, 99) * 1000),
            "failures": failures[:5]}


def run_one(lock_store: str, model: Path, folder: Path, conversations: int, pairs: int) -> Dict[str, Any]:
    """Two replicas with ``lock_store`` on a fresh database; the figures of one drive."""
    from bot.storage.db import dispose_engines, upgrade_database

    url = create_pg_database()
    upgrade_database(url)
    dispose_engines()
    token = uuid.uuid4().hex
    stacks = []
    try:
        for name in ("a", "b"):
            stack = LockStack(database_url=url, model=model, rasa_port=free_port(), action_port=free_port(),
                              gateway_port=None, token=token, log_dir=folder / lock_store.rsplit(".", 1)[-1] / name,
                              extra_env={"KINTSUGI_REDIS_URL": REDIS_URL, "TICKET_LOCK_LIFETIME": "8"})
            stack.lock_store = lock_store
            stacks.append(stack)
            stack.start()
        return asyncio.run(drive([s.rasa_url for s in stacks], token, conversations, pairs))
    finally:
        for stack in stacks:
            stack.stop()
        drop_pg_database(url)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the shipped and the proposed lock store; print and save both."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args(argv)
    model = train_if_changed(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="kintsugi-lock-race-"))
    results = {}
    try:
        for name, store in (("rasa RedisLockStore", RASA), ("kintsugi AtomicRedisLockStore", KINTSUGI)):
            print(f"== {name}", flush=True)
            results[name] = run_one(store, model, folder, args.conversations, args.pairs)
            print(json.dumps(results[name], indent=2), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = ROOT / "bench" / "results" / f"lock-race-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\n{'lock store':<32} {'sent':>5} {'failed':>7} {'lost':>5} {'dup':>4} {'interleaved':>11} "
          f"{'wait p50':>9} {'p99':>7}")
    for name, r in results.items():
        print(f"{name:<32} {r['messages']:>5} {r['failed_or_timed_out']:>7} {r['lost_after_answer']:>5} "
              f"{r['duplicated']:>4} {r['interleaved_turns']:>11} {r['wait_p50_ms']:>7}ms {r['wait_p99_ms']:>5}ms")
    print(f"Wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
