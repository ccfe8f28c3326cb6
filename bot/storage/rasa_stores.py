"""Rasa tracker and lock stores configured from Kintsugi's environment.

``endpoints.yml`` names these classes so that Rasa's SQL tracker store uses the
same database URL as our tables (``KINTSUGI_DATABASE_URL``), and several rasa
replicas share a Redis lock store when ``KINTSUGI_REDIS_URL`` is set.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import event

from bot.config import get_settings
from bot.storage.db import build_engine


class UrlTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on ``KINTSUGI_DATABASE_URL`` (or the ``url`` given)."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Any = None, **kwargs: Any) -> None:
        url = host or get_settings().database_url
        build_engine(url).dispose()  # makes the SQLite folder; cheap for other databases
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Same settings as our own engine: WAL and patience with other writers.
            from bot.storage.db import _sqlite_pragmas

            event.listen(self.engine, "connect", _sqlite_pragmas)


class EnvLockStore(LockStore):
    """An atomic Redis lock store when ``KINTSUGI_REDIS_URL`` is set, in memory otherwise."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        """Build the lock store that fits this environment."""
        url = get_settings().redis_url
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        db = int(parts.path.strip("/") or 1)
        from bot.storage.redis_lock import AtomicRedisLockStore

        return AtomicRedisLockStore(host=parts.hostname or "localhost", port=parts.port or 6379, db=db,
                              username=parts.username, password=parts.password,
                              use_ssl=parts.scheme == "rediss", key_prefix="kintsugi")
