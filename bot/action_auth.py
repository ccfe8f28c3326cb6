"""The shared secret between the rasa server and the action server.

Every action call carries two headers, both derived from ``KINTSUGI_ACTION_TOKEN``:

- ``Authorization: Bearer <token>``, set by Rasa itself from ``endpoints.yml``
  (``action_endpoint.headers``, with ``${KINTSUGI_ACTION_TOKEN}`` expanded by Rasa);
- ``X-Kintsugi-Signature: t=<unix time>,n=<nonce>,s=<hex>``, added by
  ``bot.rasa_plugins.action_signing`` in the rasa process: an HMAC-SHA256, keyed with the
  token, of the time, a fresh nonce, the host name and path the request was sent to, and
  the body.

The action server (``bot.action_server``) answers 401 before any action code runs unless
the bearer token is right (compared with :func:`hmac.compare_digest`), the signature
matches, the time is within :data:`MAX_SKEW` seconds and the nonce was never seen: a
captured request cannot be replayed, to the same server or under another host name.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from typing import Dict, Optional, Tuple

from bot import clock

HEADER = "X-Kintsugi-Signature"
MAX_SKEW = 60  # seconds a signed request stays valid (and its nonce is remembered)


def _message(timestamp: str, nonce: str, host: str, method: str, path: str, body: bytes) -> bytes:
    head = "\n".join([timestamp, nonce, host.lower(), method.upper(), path, ""]).encode()
    return head + body


def signature(token: str, timestamp: str, nonce: str, host: str, method: str, path: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of one request."""
    return hmac.new(token.encode(), _message(timestamp, nonce, host, method, path, body), hashlib.sha256).hexdigest()


def sign(token: str, host: str, method: str, path: str, body: bytes, *, now: Optional[float] = None) -> Dict[str, str]:
    """Headers that authenticate one request to ``host`` (``name:port`` as in the URL)."""
    timestamp = str(int(clock.timestamp() if now is None else now))
    nonce = secrets.token_hex(16)
    return {"Authorization": f"Bearer {token}",
            HEADER: f"t={timestamp},n={nonce},s={signature(token, timestamp, nonce, host, method, path, body)}"}


def parse(header: str) -> Optional[Tuple[str, str, str]]:
    """(timestamp, nonce, signature) of a signature header, or None when malformed."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    found = parts.get("t", ""), parts.get("n", ""), parts.get("s", "")
    if not (found[0].isdigit() and 16 <= len(found[1]) <= 64 and found[2]):
        return None
    return found


def bearer_ok(token: str, authorization: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (constant time)."""
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


class NonceMemory:
    """Nonces seen within :data:`MAX_SKEW`: in this process, or in Redis when one is configured."""

    def __init__(self, redis_url: Optional[str] = None) -> None:
        self._seen: Dict[str, float] = {}
        self._lock = threading.Lock()
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def first_time(self, nonce: str) -> bool:
        """Record ``nonce``; False when it was already used."""
        if self._redis is not None:
            return bool(self._redis.set(f"kintsugi:action-nonce:{nonce}", b"1", nx=True, ex=2 * MAX_SKEW + 5))
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {n: t for n, t in self._seen.items() if now - t < 2 * MAX_SKEW + 5}
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def verify(token: str, *, authorization: str, signature_header: str, host: str, method: str, path: str,
           body: bytes, nonces: NonceMemory, now: Optional[float] = None) -> Optional[str]:
    """None when the request is authentic; otherwise why it is refused (for the log, never the client)."""
    if not bearer_ok(token, authorization):
        return "missing or wrong token"
    parsed = parse(signature_header)
    if parsed is None:
        return "missing or malformed signature"
    timestamp, nonce, given = parsed
    expected = signature(token, timestamp, nonce, host, method, path, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return "signature does not match"
    if abs((clock.timestamp() if now is None else now) - int(timestamp)) > MAX_SKEW:
        return "signature expired"
    if not nonces.first_time(nonce):
        return "replayed request"
    return None
