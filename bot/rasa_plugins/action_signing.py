"""Signs every action call of the rasa server (see ``bot.action_auth``).

Rasa sends the bearer token itself (``action_endpoint.headers`` in ``endpoints.yml``).
For an endpoint marked ``sign_requests: true`` this wraps ``EndpointConfig.request`` so
that each call also carries a fresh ``X-Kintsugi-Signature`` over its time, a nonce, the
host and path it goes to and its body; the action server refuses calls without one.
Installed by ``bot.rasa_plugins.install`` whether or not the speed fixes are on.
"""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlsplit

from bot import action_auth

_installed = False


def _dumps(value: Any) -> bytes:
    try:
        import ujson

        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False).encode()
    except (ImportError, TypeError, ValueError, OverflowError):
        return json.dumps(value).encode()


def _token(endpoint: Any) -> Optional[str]:
    header = next((v for k, v in (endpoint.headers or {}).items() if k.lower() == "authorization"), "")
    return header[len("Bearer "):].strip() if str(header).startswith("Bearer ") else None


def install() -> None:
    """Wrap ``EndpointConfig.request`` (once per process)."""
    global _installed
    if _installed:
        return
    from rasa.utils.endpoints import EndpointConfig, concat_url

    original = EndpointConfig.request

    async def request(self: Any, method: str = "post", subpath: Optional[str] = None,
                      content_type: Optional[str] = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        token = _token(self) if self.kwargs.get("sign_requests") else None
        if not token:
            return await original(self, method, subpath, content_type, compress, **kwargs)
        body = _dumps(kwargs.pop("json")) if "json" in kwargs else (kwargs.pop("data", None) or b"")
        if isinstance(body, str):
            body = body.encode()
        url = urlsplit(concat_url(self.url, subpath))
        headers = dict(kwargs.pop("headers", None) or {})
        headers.update(action_auth.sign(token, url.netloc, method, url.path or "/", body))
        return await original(self, method, subpath, content_type, compress, data=body, headers=headers, **kwargs)

    EndpointConfig.request = request
    _installed = True
