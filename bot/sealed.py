"""Private answers sealed at rest: Fernet (AES-128-CBC with HMAC-SHA256) with a key from the environment.

What a partner keeps only for themselves (the yes/no/maybe list, the "where are we going"
reflection) is stored only as ciphertext made here. The key comes from
``KINTSUGI_ENCRYPTION_KEY`` (``kintsugi run`` keeps one in ``var/encryption_key`` for a laptop,
like the action token); without it nothing private is read or written, and the error says how
to make one. Never log what goes in or comes out.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Optional

from cryptography.fernet import Fernet, InvalidToken

from bot.config import get_settings

KEY_VARIABLE = "KINTSUGI_ENCRYPTION_KEY"


class MissingKey(RuntimeError):
    """No usable key: private answers can be neither stored nor read."""


class Unreadable(ValueError):
    """Ciphertext that this key cannot open (another key, or changed bytes)."""


def new_key() -> str:
    """A fresh key in the form ``KINTSUGI_ENCRYPTION_KEY`` takes."""
    return Fernet.generate_key().decode("ascii")


def _key(key: Optional[str] = None) -> bytes:
    raw = (key if key is not None else get_settings().encryption_key) or ""
    raw = raw.strip()
    if not raw:
        raise MissingKey(f"{KEY_VARIABLE} is not set: private lists and reflections need it. Make one with "
                         f"`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'` "
                         f"and keep it secret (kintsugi run keeps one in var/encryption_key).")
    try:
        Fernet(raw.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise MissingKey(f"{KEY_VARIABLE} is not a valid key (32 url-safe base64-encoded bytes, as "
                         f"Fernet.generate_key() makes).") from None
    return raw.encode("ascii")


def check_key(key: Optional[str] = None) -> None:
    """Raise :class:`MissingKey` with a clear message when the key is missing or malformed."""
    _key(key)


def seal(value: Any, key: Optional[str] = None) -> str:
    """``value`` (anything JSON can hold) as ciphertext text."""
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Fernet(_key(key)).encrypt(plain).decode("ascii")


def unseal(token: str, key: Optional[str] = None) -> Any:
    """What :func:`seal` sealed; :class:`Unreadable` when this key cannot open it."""
    try:
        return json.loads(Fernet(_key(key)).decrypt(token.encode("ascii")).decode("utf-8"))
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise Unreadable("sealed value cannot be opened with this key") from exc


def opaque_id(*parts: object, key: Optional[str] = None, length: int = 12) -> str:
    """A short id that names ``parts`` only to someone holding the key (button payloads)."""
    secret = base64.urlsafe_b64decode(_key(key))
    digest = hmac.new(secret, "|".join(str(p) for p in parts).encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:length]
