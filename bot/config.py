"""Configuration read from the environment, in one place.

Every default runs on a laptop: SQLite under ``var/``, rasa on localhost,
Telegram off until a token is set. Secrets are only ever read from the
environment and never logged. Each setting is one typed field below and one
row of the README's configuration table. The one exception is
``KINTSUGI_CLOCK_OFFSET_SECONDS``, which ``bot.clock`` reads on every call
(tests shift the clock while a process runs).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from bot import PROJECT_ROOT

DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'kintsugi.db'}"


def _number(env: Mapping[str, str], name: str, default: Any, cast: Callable[[str], Any] = int) -> Any:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return cast(raw)
    except ValueError as exc:  # a clear error beats a silent default
        kind = "a whole number" if cast is int else "a number"
        raise ValueError(f"{name} must be {kind}, got {raw!r}") from exc


def _days(env: Mapping[str, str], name: str) -> int:
    """A number of days, 0 for off (unset, empty, ``off``); never negative."""
    if env.get(name, "").strip().lower() in ("off", "no", "false"):
        return 0
    days = _number(env, name, 0)
    if days < 0:
        raise ValueError(f"{name} must be 0 (off) or a number of days, got {days}")
    return days


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    return default if not raw else raw not in ("off", "0", "false", "no")


@dataclass(frozen=True)
class Settings:
    """Everything the processes read from the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: Optional[str] = None
    sanic_workers: int = 1
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: Optional[str] = None
    rasa_timeout: float = 8.0
    rasa_tuning: bool = True
    tracker_window: int = 12
    rasa_port: int = 5005
    action_port: int = 5055
    action_token: Optional[str] = None
    bind: str = "127.0.0.1"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    reminder_interval: float = 5.0
    reminder_retry: float = 15.0
    widget_socket_url: Optional[str] = None
    widget_leave_url: Optional[str] = None
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
    log_dir: Path = PROJECT_ROOT / "var" / "logs"
    action_health_url: Optional[str] = None
    retention_days: int = 0  # 0: messages are kept until a partner deletes them (/forget)
    encryption_key: Optional[str] = None  # KINTSUGI_ENCRYPTION_KEY: seals private lists (bot/sealed.py)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from ``env`` (``os.environ`` by default)."""
        env = os.environ if env is None else env
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        return cls(
            database_url=get("KINTSUGI_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=get("KINTSUGI_REDIS_URL"),
            sanic_workers=_number(env, "SANIC_WORKERS", 1),
            rasa_url=(get("KINTSUGI_RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=get("KINTSUGI_RASA_TOKEN"),
            rasa_timeout=_number(env, "KINTSUGI_RASA_TIMEOUT", 8.0, float),
            rasa_tuning=_switch(env, "KINTSUGI_RASA_TUNING", True),
            tracker_window=_number(env, "KINTSUGI_TRACKER_WINDOW", 12),
            rasa_port=_number(env, "KINTSUGI_RASA_PORT", 5005),
            action_port=_number(env, "KINTSUGI_ACTION_PORT", 5055),
            action_token=get("KINTSUGI_ACTION_TOKEN"),
            bind=get("KINTSUGI_BIND") or "127.0.0.1",
            gateway_host=get("KINTSUGI_GATEWAY_HOST") or "127.0.0.1",
            gateway_port=_number(env, "KINTSUGI_GATEWAY_PORT", 8080),
            reminder_interval=_number(env, "KINTSUGI_REMINDER_INTERVAL", 5.0, float),
            reminder_retry=_number(env, "KINTSUGI_REMINDER_RETRY", 15.0, float),
            widget_socket_url=get("KINTSUGI_WIDGET_SOCKET_URL"),
            widget_leave_url=get("KINTSUGI_WIDGET_LEAVE_URL"),
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
            log_dir=Path(get("KINTSUGI_LOG_DIR") or PROJECT_ROOT / "var" / "logs").expanduser(),
            action_health_url=get("KINTSUGI_ACTION_HEALTH_URL"),
            retention_days=_days(env, "KINTSUGI_RETENTION_DAYS"),
            encryption_key=get("KINTSUGI_ENCRYPTION_KEY"),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once on first use."""
    return Settings.from_env()
