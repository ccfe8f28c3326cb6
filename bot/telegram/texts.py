"""UI strings of the Telegram gateway, read from ``data/channels/`` on first use."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

import yaml

from bot import DATA_DIR

CHANNELS_DIR = DATA_DIR / "channels"


@lru_cache(maxsize=None)
def channel_file(name: str) -> Dict[str, Any]:
    """The parsed YAML file ``data/channels/<name>.yml``."""
    with open(CHANNELS_DIR / f"{name}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def ui(key: str, **values: Any) -> str:
    """The Telegram string at dotted ``key`` (``link.created``), placeholders filled in."""
    node: Any = channel_file("telegram")
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{key} is not a string in data/channels/telegram.yml")
    return node.format(**values) if values else node


def command_descriptions() -> Dict[str, str]:
    """Command name → menu description, in menu order."""
    return dict(channel_file("telegram")["commands"])


def reminder_message(kind: str) -> Dict[str, Any]:
    """Text and buttons of a reminder of ``kind`` (falls back to ``default``)."""
    messages = channel_file("reminders")
    return dict(messages.get(kind) or messages["default"])
