"""Build real rasa-sdk Trackers and run actions the way the action server does."""
from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import PROJECT_ROOT, clock


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    """domain.yml as the dict the action server receives."""
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def user_event(text: str, intent: str = "share_feelings", metadata: Optional[Dict[str, Any]] = None,
               entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """A user event as it appears in a tracker sent to the action server."""
    return {"event": "user", "timestamp": clock.timestamp(), "text": text, "metadata": metadata or {},
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "entities": entities or []},
            "input_channel": (metadata or {}).get("channel", "rest")}


def tracker(sender: str, text: str = "", intent: str = "share_feelings", *,
            slots: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, Any]] = None,
            active_loop: Optional[str] = None, history: Optional[List[Dict[str, Any]]] = None,
            entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    """A tracker whose latest message is ``text`` with ``intent``."""
    latest = user_event(text, intent, metadata, entities)
    all_slots = {name: None for name in domain()["slots"]}
    all_slots.update(slots or {})
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                        "entities": entities or [], "metadata": metadata or {}},
        events=[*(history or []), latest],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, track: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run ``action``; returns (events, messages sent to the user)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, domain()))
    return events, dispatcher.messages


def run_validation(action: Action, slot: str, value: Any, track: Tracker
                   ) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Call one ``validate_<slot>`` method; returns (slot values, messages)."""
    dispatcher = CollectingDispatcher()
    method = getattr(action, f"validate_{slot}")
    result = asyncio.run(method(value, dispatcher, track, domain()))
    return result, dispatcher.messages


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots an action set, as a dict."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[Optional[str]]:
    """The domain response names the action sent."""
    return [m.get("response") for m in messages]


def custom(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The Kintsugi custom payloads among the messages."""
    return [m["custom"]["kintsugi"] for m in messages if (m.get("custom") or {}).get("kintsugi")]
