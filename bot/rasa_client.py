"""The gateway's client for the rasa server: the REST channel and the HTTP API.

Every part of the gateway that talks to rasa (Telegram, the reminder loop) uses it.

Retries only what is safe to retry: a message that never reached rasa (the
connection was refused, or rasa answered 502/503/504 before handling it). A
timeout is not retried, because rasa may already have handled the message and
a second copy would appear twice in the conversation.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot.config import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES = (502, 503, 504)


class RasaUnavailable(Exception):
    """Rasa could not be reached, was too slow, or answered with an error."""


class RasaClient:
    """Talks to one rasa server; the HTTP session is opened on first use."""

    def __init__(self, base_url: str, token: Optional[str] = None, *, timeout: float = 8.0,
                 attempts: int = 3, backoff: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._session: Optional[aiohttp.ClientSession] = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _api_params(self, **params: str) -> Dict[str, str]:
        if self._token:
            params["token"] = self._token
        return params

    async def _request(self, method: str, path: str, *, json: Any = None,
                       params: Optional[Dict[str, str]] = None) -> Any:
        """One call with retries for failures where rasa never saw the request."""
        url = f"{self.base_url}{path}"
        last = "no attempt"
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                async with self._http().request(method, url, json=json, params=params) as response:
                    if response.status in RETRY_STATUSES:
                        last = f"status {response.status}"
                        continue
                    if response.status >= 400:
                        raise RasaUnavailable(f"{method} {path.split('/')[1]} answered {response.status}")
                    try:
                        return await response.json(content_type=None)
                    except ValueError as exc:
                        raise RasaUnavailable("answer was not JSON") from exc
            except aiohttp.ClientConnectorError as exc:
                last = type(exc).__name__
                continue
            except asyncio.TimeoutError as exc:
                raise RasaUnavailable(f"no answer within {self.timeout:g}s") from exc
            except aiohttp.ClientError as exc:
                raise RasaUnavailable(type(exc).__name__) from exc
        raise RasaUnavailable(f"unreachable after {self.attempts} attempts ({last})")

    async def send_message(self, sender: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        """Send one user message over the REST channel; returns rasa's replies."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        replies = await self._request("POST", "/webhooks/rest/webhook", json=body)
        if not isinstance(replies, list):
            raise RasaUnavailable("unexpected answer from the REST channel")
        return [reply for reply in replies if isinstance(reply, dict)]

    async def trigger_intent(self, conversation: str, intent: str,
                             entities: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Make rasa act as if ``intent`` had been said; replies go to the latest channel."""
        path = f"/conversations/{quote(conversation, safe='')}/trigger_intent"
        return await self._request("POST", path, json={"name": intent, "entities": entities or {}},
                                   params=self._api_params(output_channel="latest"))

    async def tracker(self, conversation: str) -> Dict[str, Any]:
        """The conversation's tracker, every event included."""
        path = f"/conversations/{quote(conversation, safe='')}/tracker"
        return await self._request("GET", path, params=self._api_params(include_events="ALL"))

    async def is_up(self) -> bool:
        """True when rasa answers its status page."""
        try:
            async with self._http().get(f"{self.base_url}/") as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False


def rasa_client_for(settings: Settings) -> RasaClient:
    """The rasa client with this deployment's address, token and timeout (``KINTSUGI_RASA_TIMEOUT``)."""
    return RasaClient(settings.rasa_url, settings.rasa_token, timeout=settings.rasa_timeout)
