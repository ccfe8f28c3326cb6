"""The load driver: closed-loop conversations over Rasa's REST channel with aiohttp."""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import aiohttp

from bench.scripts import Script

WEBHOOK = "/webhooks/rest/webhook"


def percentile(values: Sequence[float], p: float) -> Optional[float]:
    """Nearest-rank percentile (p in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(p / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


@dataclass
class LevelResult:
    """What one load level measured."""

    concurrency: int
    seconds: float = 0.0
    latencies: Dict[str, List[float]] = field(default_factory=dict)
    errors: int = 0
    wrong_recipient: int = 0
    conversations: int = 0

    @property
    def all_latencies(self) -> List[float]:
        """Every answered message's latency in ms."""
        return [value for values in self.latencies.values() for value in values]

    @property
    def messages(self) -> int:
        """Messages answered."""
        return len(self.all_latencies)

    @property
    def msg_per_s(self) -> float:
        """Answered messages per second of wall time."""
        return self.messages / self.seconds if self.seconds else 0.0

    def summary(self) -> Dict[str, object]:
        """The figures for the table and the JSON file."""
        values = self.all_latencies
        out: Dict[str, object] = {
            "concurrency": self.concurrency, "messages": self.messages, "conversations": self.conversations,
            "errors": self.errors, "wrong_recipient": self.wrong_recipient, "seconds": round(self.seconds, 2),
            "msg_per_s": round(self.msg_per_s, 1),
        }
        for p in (50, 95, 99):
            value = percentile(values, p)
            out[f"p{p}_ms"] = round(value, 1) if value is not None else None
        out["by_tag"] = {tag: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
                         for tag, v in sorted(self.latencies.items()) if v}
        return out


class Budget:
    """Stops a level after so many messages or so many seconds, whichever comes first."""

    def __init__(self, messages: int, seconds: float) -> None:
        self.left = messages
        self.deadline = time.monotonic() + seconds

    def take(self) -> bool:
        """Reserve one message; False once the level is over."""
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


def for_conversation(metadata: dict, sender: str) -> dict:
    """The turn's metadata with partner ids of this conversation's own couple.

    Every conversation of a run is a different couple: the same ``partner_id`` in
    all of them would make Kintsugi link them into one couple with thousands of
    chats (a pause then reminds every one of them), which no clinic has.
    """
    if not metadata.get("partner_id"):
        return metadata
    return {**metadata, "partner_id": f"{metadata['partner_id']}:{sender}"}


async def _send(session: aiohttp.ClientSession, url: str, sender: str, text: str, metadata: dict,
                timeout: float) -> list:
    body = {"sender": sender, "message": text, "metadata": metadata}
    async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return await response.json(content_type=None)


async def run_level(base_url: Union[str, Sequence[str]], scripts: Sequence[Script], concurrency: int, *,
                    max_messages: int, max_seconds: float, prefix: str, timeout: float = 30.0) -> LevelResult:
    """Play ``scripts`` round-robin in ``concurrency`` simultaneous conversations until the budget runs out.

    Several base URLs (replicas) take the messages in turn, like a load balancer without sticky
    sessions: one conversation's messages go to every replica, and the lock store keeps them in order.
    """
    result = LevelResult(concurrency=concurrency)
    budget = Budget(max_messages, max_seconds)
    counter = itertools.count()
    urls = [u.rstrip("/") + WEBHOOK for u in ([base_url] if isinstance(base_url, str) else base_url)]

    async def conversation_worker(session: aiohttp.ClientSession) -> None:
        while True:
            number = next(counter)
            script = scripts[number % len(scripts)]
            sender = f"{prefix}-c{concurrency}-{number}"
            started = False
            for index, turn in enumerate(script):
                if not budget.take():
                    return
                if not started:
                    result.conversations += 1
                    started = True
                began = time.perf_counter()
                try:
                    url = urls[(number + index) % len(urls)]  # each turn to the next replica
                    replies = await _send(session, url, sender, turn.text, for_conversation(turn.metadata, sender), timeout)
                except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError):
                    result.errors += 1
                    break  # this conversation's state is unknown now; start a fresh one
                elapsed = (time.perf_counter() - began) * 1000
                if not replies or any(r.get("recipient_id") != sender for r in replies):
                    result.wrong_recipient += 1
                result.latencies.setdefault(turn.tag, []).append(elapsed)

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.monotonic()
        await asyncio.gather(*(conversation_worker(session) for _ in range(concurrency)))
        result.seconds = time.monotonic() - began
    return result


async def first_answer(base_url: str, deadline: float, probe: str = "hello") -> float:
    """Poll the REST channel until a reply arrives; returns the monotonic time it did."""
    url = base_url.rstrip("/") + WEBHOOK
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                replies = await _send(session, url, "bench-first-answer", probe, {}, 10)
                if replies is not None:
                    return time.monotonic()
            except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError):
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{base_url} gave no answer before the deadline")
