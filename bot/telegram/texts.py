"""UI strings of the Telegram gateway, read from ``content/channels/`` on first use."""
from __future__ import annotations

from typing import Any, Dict, Optional

from bot import content


def channel_file(name: str) -> Dict[str, Any]:
    """The parsed YAML file ``content/channels/<name>.yml``."""
    return content.load(f"channels/{name}")


def ui(key: str, **values: Any) -> str:
    """The Telegram string at dotted ``key`` (``link.created``), placeholders filled in."""
    node: Any = channel_file("telegram")
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{key} is not a string in content/channels/telegram.yml")
    return node.format(**values) if values else node


def command_descriptions() -> Dict[str, str]:
    """Command name → menu description, in menu order."""
    return dict(channel_file("telegram")["commands"])


def reminder_message(kind: str, language: Optional[str] = None) -> Dict[str, Any]:
    """Text and buttons of a reminder of ``kind`` (falls back to ``default``), in ``language`` when
    ``content/channels/reminders.yml`` has it under ``languages`` (else English)."""
    messages = channel_file("reminders")
    translated = (messages.get("languages") or {}).get(str(language or "en")[:2].lower(), {}).get(kind)
    return dict(translated or messages.get(kind) or messages["default"])
