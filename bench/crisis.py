"""What the safety layer costs inside rasa's NLU pipeline: SafetyGuard timed on its own."""
from __future__ import annotations

import gc
import re
import time
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

from bench.load import percentile
from bot import PROJECT_ROOT

ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def training_messages(root: Path = PROJECT_ROOT) -> List[str]:
    """Every distinct example in data/nlu/*.yml (annotations stripped): realistic, varied messages."""
    seen: Dict[str, None] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line.strip()[2:].strip())
                if text and not text.startswith("/"):
                    seen.setdefault(text, None)
    return list(seen)


def time_safety_guard(messages: Sequence[str] = ()) -> Dict[str, object]:
    """Each message once through the pipeline's SafetyGuard (first sight, as in production), ms per message.

    The garbage collector is paused while timing: a full collection of rasa's heap lands on
    whatever code runs at that moment and is not the detector's cost (it shows in the end-to-end figures).
    """
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa_plugins.safety_guard import SafetyGuard

    guard = SafetyGuard(SafetyGuard.get_default_config())
    texts = list(messages) or training_messages()
    guard.process([Message(data={"text": "warm up", "intent": {"name": "greet", "confidence": 1.0}})])
    timings: Dict[str, List[float]] = {"flagged": [], "other": []}
    gc.collect()
    gc.disable()
    try:
        for text in texts:
            message = Message(data={"text": text, "intent": {"name": "greet", "confidence": 0.9},
                                    "metadata": {"chat_type": "private"}})
            began = time.perf_counter()
            guard.process([message])
            elapsed = (time.perf_counter() - began) * 1000
            name = (message.get("intent") or {}).get("name")
            timings["flagged" if name in ("crisis", "safety_check") else "other"].append(elapsed)
    finally:
        gc.enable()
    every = timings["flagged"] + timings["other"]
    return {"messages": len(every), "flagged": len(timings["flagged"]),
            "p50_ms": round(percentile(every, 50), 3), "p99_ms": round(percentile(every, 99), 3),
            "flagged_p99_ms": round(percentile(timings["flagged"], 99) or 0, 3),
            "other_p99_ms": round(percentile(timings["other"], 99) or 0, 3)}
