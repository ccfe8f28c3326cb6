"""Issue 21: one long conversation, and fresh conversations while it talks.

``long_conversation`` plays the scripts one after another in a single conversation up to
``messages`` messages and reports p50/p95 per block of 100. ``interference`` times fresh
conversations (one message at a time, each a new conversation of a new couple) first
alone, then while the long conversation keeps talking, and reports both p95s.

The long conversation talks twice beside them: at a heated couple's pace (``PACE_S``, one
message a second, faster than two people can type, so an evening's argument at this pace runs
to hundreds of messages) -- the figure for issue 21's 1.2x target -- and back to back with no
pause at all (one client saturating the server: what a single process on a shared machine must
divide between two senders, whatever the conversation's length).
"""
from __future__ import annotations

import asyncio
import itertools
import random
import time
from typing import Any, Dict, List, Optional, Sequence

import aiohttp

from bench.load import WEBHOOK, _send, for_conversation, percentile
from bench.scripts import Script

# One message a second: a couple arguing in a group, both typing as fast as they can.
PACE_S = 1.0
# Fresh conversations arrive on their own, at random moments (a Poisson stream, one every
# ARRIVAL_S on average): how often a newcomer meets the long conversation's turn is what a
# newcomer feels. Sent back to back instead, every long turn lands on a fresh message, which
# measures the collision itself rather than the chance of one (kept as ``back_to_back``).
ARRIVAL_S = 0.4
# 400 fresh conversations, 200 on each side: a p95 of 100 first messages is the fifth slowest, and
# moved from 0.74x to 1.98x between runs of the same code (bench/README.md); the interval below says
# how far a rise can be trusted.
FRESH = 400
# Bootstrap: resample each side's latencies this many times; the 5th and 95th percentile of the
# ratio of their p95s is the 90% interval printed beside the rise.
BOOTSTRAP_ROUNDS = 2000


def rise_interval(alone: Sequence[float], beside: Sequence[float], p: float = 95,
                  rounds: int = BOOTSTRAP_ROUNDS, seed: int = 21) -> Optional[List[float]]:
    """A 90% bootstrap interval for percentile(beside) / percentile(alone); None without samples."""
    if not alone or not beside:
        return None
    draw = random.Random(seed)
    ratios = []
    for _ in range(rounds):
        a = percentile([draw.choice(alone) for _ in alone], p)
        b = percentile([draw.choice(beside) for _ in beside], p)
        if a:
            ratios.append(b / a)
    ratios.sort()
    return [round(percentile(ratios, 5), 2), round(percentile(ratios, 95), 2)]


def blocks(latencies: Sequence[float], size: int = 100) -> List[Dict[str, Any]]:
    """p50/p95 of each block of ``size`` messages, in order."""
    out = []
    for start in range(0, len(latencies), size):
        part = latencies[start:start + size]
        out.append({"from": start, "to": start + len(part) - 1, "p50_ms": round(percentile(part, 50), 1),
                    "p95_ms": round(percentile(part, 95), 1)})
    return out


def growth(block_list: List[Dict[str, Any]]) -> Any:
    """p50 of the last block ÷ p50 of the first (issue 21: at most 1.5)."""
    if len(block_list) < 2 or not block_list[0]["p50_ms"]:
        return None
    return round(block_list[-1]["p50_ms"] / block_list[0]["p50_ms"], 2)


async def _talk(session: aiohttp.ClientSession, url: str, sender: str, scripts: Sequence[Script], messages: int,
                out: List[float], stop: "asyncio.Event | None" = None, timeout: float = 120.0,
                pace_s: Optional[float] = None) -> None:
    """Send ``messages`` turns one after another; with ``pace_s``, start one at most every
    ``pace_s`` seconds (a reply slower than that is followed at once)."""
    turns = itertools.cycle([turn for script in scripts for turn in script])
    for _ in range(messages):
        if stop is not None and stop.is_set():
            return
        turn = next(turns)
        began = time.perf_counter()
        await _send(session, url, sender, turn.text, for_conversation(turn.metadata, sender), timeout)
        took = time.perf_counter() - began
        out.append(took * 1000)
        if pace_s is not None and took < pace_s:
            if stop is None:
                await asyncio.sleep(pace_s - took)
            else:
                try:
                    await asyncio.wait_for(stop.wait(), pace_s - took)
                except asyncio.TimeoutError:
                    pass


async def long_conversation(base_url: str, scripts: Sequence[Script], messages: int, sender: str) -> Dict[str, Any]:
    """One conversation to ``messages`` messages; p50/p95 per 100."""
    url = base_url.rstrip("/") + WEBHOOK
    latencies: List[float] = []
    began = time.monotonic()
    async with aiohttp.ClientSession() as session:
        await _talk(session, url, sender, scripts, messages, latencies)
    found = blocks(latencies)
    return {"messages": len(latencies), "seconds": round(time.monotonic() - began, 1), "blocks": found,
            "growth_p50_last_over_first": growth(found)}


async def _fresh(session: aiohttp.ClientSession, url: str, scripts: Sequence[Script], count: int,
                 prefix: str, arrival_s: Optional[float] = None, seed: int = 21) -> List[float]:
    """``count`` first messages of new conversations: back to back, or arriving at random moments
    (``arrival_s`` apart on average, a fixed seed so every phase sees the same stream)."""
    out: List[float] = []
    first_turns = [script[0] for script in scripts]
    gaps = random.Random(seed)

    async def one(number: int) -> None:
        turn = first_turns[number % len(first_turns)]
        sender = f"{prefix}-{number}"
        began = time.perf_counter()
        await _send(session, url, sender, turn.text, for_conversation(turn.metadata, sender), 60.0)
        out.append((time.perf_counter() - began) * 1000)

    if arrival_s is None:
        for number in range(count):
            await one(number)
        return out
    pending = []
    for number in range(count):
        pending.append(asyncio.create_task(one(number)))
        await asyncio.sleep(gaps.expovariate(1.0 / arrival_s))
    await asyncio.gather(*pending)
    return out


async def _beside(session: aiohttp.ClientSession, url: str, scripts: Sequence[Script], long_sender: str,
                  fresh: int, prefix: str, pace_s: Optional[float],
                  arrival_s: Optional[float] = None) -> Dict[str, Any]:
    """Fresh conversations' latencies while ``long_sender`` talks (at ``pace_s``, or back to back)."""
    stop, long_latencies = asyncio.Event(), []
    talker = asyncio.create_task(_talk(session, url, long_sender, scripts, 10 ** 6, long_latencies, stop,
                                       pace_s=pace_s))
    try:
        await asyncio.sleep(0.5)  # the long conversation is mid-turn when the first fresh one arrives
        return {"fresh": await _fresh(session, url, scripts, fresh, prefix, arrival_s), "long": long_latencies}
    finally:
        stop.set()
        await talker


async def interference(base_url: str, scripts: Sequence[Script], long_sender: str, fresh: int = FRESH,
                       prefix: str = "fresh", pace_s: float = PACE_S, arrival_s: float = ARRIVAL_S,
                       back_to_back: int = 60) -> Dict[str, Any]:
    """p95 of fresh conversations arriving at random moments, alone and while ``long_sender`` (already
    long) talks at ``pace_s`` (``p95_rise``, the target's figure; measured alone, beside, beside, alone and
    pooled per side, each phase's own p95 kept in ``phase_p95_ms``); and, as before, fresh
    conversations sent back to back, alone and beside the paced long one (``back_to_back_p95_rise``),
    and beside it talking back to back too (``saturating_p95_rise``)."""
    url = base_url.rstrip("/") + WEBHOOK
    half = max(1, fresh // 2)
    async with aiohttp.ClientSession() as session:
        # Alone, beside, beside, alone (each half the arrivals, the same random stream): whatever else
        # the machine does drifts over minutes, and this order gives it the same weight on both sides.
        alone = await _fresh(session, url, scripts, half, f"{prefix}-alone-1", arrival_s)
        first = await _beside(session, url, scripts, long_sender, half, f"{prefix}-beside-1", pace_s, arrival_s)
        second = await _beside(session, url, scripts, long_sender, half, f"{prefix}-beside-2", pace_s, arrival_s)
        alone_later = await _fresh(session, url, scripts, half, f"{prefix}-alone-2", arrival_s)
        paced = {"fresh": first["fresh"] + second["fresh"], "long": first["long"] + second["long"]}
        phases = {"alone_first": alone, "beside_first": first["fresh"], "beside_second": second["fresh"],
                  "alone_second": alone_later}
        alone = alone + alone_later
        alone_b2b = await _fresh(session, url, scripts, back_to_back, f"{prefix}-alone-b2b")
        paced_b2b = await _beside(session, url, scripts, long_sender, back_to_back, f"{prefix}-beside-b2b", pace_s)
        flat_out = await _beside(session, url, scripts, long_sender, back_to_back, f"{prefix}-saturated", None)
    out: Dict[str, Any] = {"fresh": fresh, "arrival_s": arrival_s, "pace_s": pace_s, "back_to_back": back_to_back,
                           "phase_p95_ms": {name: round(percentile(values, 95), 1) for name, values in phases.items()}}
    for name, values in (("alone", alone), ("beside_long", paced["fresh"]), ("alone_back_to_back", alone_b2b),
                         ("beside_long_back_to_back", paced_b2b["fresh"]), ("saturating", flat_out["fresh"])):
        out[f"{name}_p50_ms"] = round(percentile(values, 50), 1)
        out[f"{name}_p95_ms"] = round(percentile(values, 95), 1)
    base, base_b2b = out["alone_p95_ms"], out["alone_back_to_back_p95_ms"]
    out["p95_rise"] = round(out["beside_long_p95_ms"] / base, 2) if base else None
    out["p95_rise_interval_90"] = rise_interval(alone, paced["fresh"])
    out["back_to_back_p95_rise"] = round(out["beside_long_back_to_back_p95_ms"] / base_b2b, 2) if base_b2b else None
    out["saturating_p95_rise"] = round(out["saturating_p95_ms"] / base_b2b, 2) if base_b2b else None
    out["long_messages_meanwhile"] = len(paced["long"])
    out["long_messages_meanwhile_saturating"] = len(flat_out["long"])
    return out
