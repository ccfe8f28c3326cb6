"""Configuration read from the environment, in one place.

Every default runs on a laptop: SQLite under ``var/``, rasa on localhost,
Telegram off until a token is set. Secrets are only ever read from the
environment and never logged.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Optional

from bot import PROJECT_ROOT

DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'kintsugi.db'}"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a clear error beats a silent default
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Everything the processes read from the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: Optional[str] = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: Optional[str] = None
    action_port: int = 5055
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    public_url: Optional[str] = None
    default_country: str = "INTL"
    default_timezone: str = "UTC"
    telegram_token: Optional[str] = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: Optional[str] = None
    telegram_webhook_secret: Optional[str] = None
    oncall_webhook_url: Optional[str] = None
    oncall_telegram_chat_id: Optional[str] = None
    session_secret: Optional[str] = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from ``env`` (``os.environ`` by default)."""
        env = os.environ if env is None else env
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        return cls(
            database_url=get("KINTSUGI_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=get("KINTSUGI_REDIS_URL"),
            rasa_url=(get("KINTSUGI_RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=get("KINTSUGI_RASA_TOKEN"),
            action_port=_int(env, "KINTSUGI_ACTION_PORT", 5055),
            gateway_host=get("KINTSUGI_GATEWAY_HOST") or "127.0.0.1",
            gateway_port=_int(env, "KINTSUGI_GATEWAY_PORT", 8080),
            public_url=get("KINTSUGI_PUBLIC_URL"),
            default_country=(get("KINTSUGI_DEFAULT_COUNTRY") or "INTL").upper(),
            default_timezone=get("KINTSUGI_DEFAULT_TIMEZONE") or "UTC",
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_base_url=get("TELEGRAM_BASE_URL") or "https://api.telegram.org/bot",
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            oncall_webhook_url=get("KINTSUGI_ONCALL_WEBHOOK_URL"),
            oncall_telegram_chat_id=get("KINTSUGI_ONCALL_TELEGRAM_CHAT_ID"),
            session_secret=get("KINTSUGI_SESSION_SECRET"),
            extra={k: v for k, v in env.items() if k.startswith("KINTSUGI_")},
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once on first use."""
    return Settings.from_env()
