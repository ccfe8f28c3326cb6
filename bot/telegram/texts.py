"""UI strings of the Telegram gateway, read from ``content/channels/`` on first use.

English is ``content/channels/telegram.yml``; German, Spanish and French are
``content/channels/telegram_i18n/<lang>.yml`` under the same keys, chosen from the Telegram user's
``language_code`` (:func:`language_of`). A key a translation lacks falls back to English, so each
text has one place per language and a new English line never breaks the others.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from bot import content
from bot.private_words import language_tag


def channel_file(name: str) -> Dict[str, Any]:
    """The parsed YAML file ``content/channels/<name>.yml``."""
    return content.load(f"channels/{name}")


def language_of(user: Any) -> str:
    """Our language for a Telegram user (``de-AT`` → ``de``): ``update.effective_user.language_code``, else English."""
    return language_tag(getattr(user, "language_code", None))


def translations(language: Optional[str]) -> Dict[str, Any]:
    """``content/channels/telegram_i18n/<language>.yml`` ({} for English or a language we lack)."""
    code = language_tag(language)
    if code == "en":
        return {}
    path = content.path_of(f"channels/telegram_i18n/{code}")
    return content.load(f"channels/telegram_i18n/{code}") if path.exists() else {}


def _find(node: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def ui(key: str, language: Optional[str] = None, **values: Any) -> str:
    """The Telegram string at dotted ``key`` (``link.created``) in ``language``, placeholders filled in."""
    node = _find(translations(language), key)
    if not isinstance(node, str) or not node:
        node = _find(channel_file("telegram"), key)
    if not isinstance(node, str):
        raise KeyError(f"{key} is not a string in content/channels/telegram.yml")
    return node.format(**values) if values else node


def error_text(group: str, reason: str, fallback: str, language: Optional[str] = None) -> str:
    """The error line of ``group`` (``link``, ``practice``) for ``reason``, else its ``fallback`` reason's."""
    errors = channel_file("telegram")[group]["errors"]
    return ui(f"{group}.errors.{reason if reason in errors else fallback}", language)


def command_descriptions(language: Optional[str] = None) -> Dict[str, str]:
    """Command name → menu description, in menu order, in ``language`` where it has one."""
    translated = translations(language).get("commands") or {}
    return {name: translated.get(name) or description
            for name, description in channel_file("telegram")["commands"].items()}


def reminder_message(kind: str, language: Optional[str] = None) -> Dict[str, Any]:
    """Text and buttons of a reminder of ``kind`` (falls back to ``default``), in ``language`` when
    ``content/channels/reminders.yml`` has it under ``languages`` (else English)."""
    messages = channel_file("reminders")
    translated = (messages.get("languages") or {}).get(str(language or "en")[:2].lower(), {}).get(kind)
    return dict(translated or messages.get(kind) or messages["default"])
