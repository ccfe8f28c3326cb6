"""Tell a person (the couple's therapist or an on-call contact) that a crisis was routed.

Configured in ``endpoints.yml`` under ``oncall:`` (``webhook_url``, ``telegram_chat_id``)
or by the environment (``KINTSUGI_ONCALL_WEBHOOK_URL``, ``KINTSUGI_ONCALL_TELEGRAM_CHAT_ID``,
which win). The notice carries ids, category and time, never what the person wrote.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import aiohttp
import yaml

from bot import PROJECT_ROOT, content
from bot.config import get_settings

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=5)


@dataclass(frozen=True)
class OnCall:
    """Where crisis notices go."""

    webhook_url: Optional[str]
    telegram_chat_id: Optional[str]
    telegram_token: Optional[str]
    telegram_base_url: str

    @property
    def configured(self) -> bool:
        """True when at least one contact is set."""
        return bool(self.webhook_url or (self.telegram_chat_id and self.telegram_token))


def _endpoints_oncall() -> Dict[str, Any]:
    try:
        return content.read(PROJECT_ROOT / "endpoints.yml").get("oncall") or {}
    except (OSError, yaml.YAMLError):
        return {}


def oncall() -> OnCall:
    """The configured on-call contacts (environment first, then endpoints.yml)."""
    settings = get_settings()
    configured = _endpoints_oncall()
    return OnCall(
        webhook_url=settings.oncall_webhook_url or configured.get("webhook_url") or None,
        telegram_chat_id=settings.oncall_telegram_chat_id or (str(configured["telegram_chat_id"])
                                                              if configured.get("telegram_chat_id") else None),
        telegram_token=settings.telegram_token,
        telegram_base_url=settings.telegram_base_url,
    )


def notice_text(notice: Dict[str, Any]) -> str:
    """A short line for a human on call; no words of the person in crisis."""
    return (f"Kintsugi safety notice: a {notice['level']} message ({notice['category']}) was routed to help "
            f"lines at {notice['at']} in conversation {notice['conversation_id']} (couple {notice['couple_id']}). "
            "Please follow up according to your protocol.")


async def _post(session: aiohttp.ClientSession, url: str, payload: Dict[str, Any]) -> int:
    async with session.post(url, json=payload) as response:
        return response.status


async def notify_crisis(notice: Dict[str, Any], contacts: Optional[OnCall] = None) -> List[str]:
    """Send the notice to every configured contact; returns which ones accepted it."""
    contacts = contacts or oncall()
    delivered: List[str] = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        jobs = []
        if contacts.webhook_url:
            jobs.append(("webhook", _post(session, contacts.webhook_url, notice)))
        if contacts.telegram_chat_id and contacts.telegram_token:
            url = f"{contacts.telegram_base_url}{contacts.telegram_token}/sendMessage"
            jobs.append(("telegram", _post(session, url, {"chat_id": contacts.telegram_chat_id,
                                                          "text": notice_text(notice)})))
        results = await asyncio.gather(*(job for _, job in jobs), return_exceptions=True)
        for (name, _), result in zip(jobs, results):
            if isinstance(result, Exception):
                log.warning("crisis notice via %s failed: %s", name, type(result).__name__)
            elif result >= 300:
                log.warning("crisis notice via %s answered %s", name, result)
            else:
                delivered.append(name)
    return delivered
