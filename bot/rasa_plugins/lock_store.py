"""Rasa's lock store (``endpoints.yml``: ``lock_store``): Redis when configured, atomic.

``EnvLockStore`` is an atomic Redis lock store when ``KINTSUGI_REDIS_URL`` is set
(several rasa replicas, or ``SANIC_WORKERS`` > 1), and Rasa's in-memory one otherwise.


Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket queue as one JSON value
and changes it with GET ... SET from each replica: two replicas taking a ticket for
the same conversation at once can get the same number (both then process it, and
``SQLTrackerStore`` drops one turn's events), and a replica finishing can delete a
lock another has just queued on (measured by ``bench/lock_race.py``). Here each step
is one Lua script (Redis runs scripts atomically): INCR for the number, a sorted set
for the queue, a hash for expiry times; waiters poll every few milliseconds, and one
whose ticket expired queues again instead of waiting forever.
"""
from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Tuple
from urllib.parse import urlsplit

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from bot import clock
from bot.config import Settings, get_settings
from bot.rasa_plugins import install

ISSUE = """
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], n, n)
redis.call('HSET', KEYS[3], n, ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return n
"""
# Drops expired tickets; returns the number now served, or -1 when the caller's own ticket is gone.
HEAD = """
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local expires = tonumber(redis.call('HGET', KEYS[2], m) or '0')
  if expires < tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], m)
  end
end
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return -1 end
return tonumber(redis.call('ZRANGE', KEYS[1], 0, 0)[1])
"""
RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic ticket steps, quick polling and no stuck waiters."""

    poll_seconds = 0.01
    longest_poll_seconds = 0.1
    reissues = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._issue = self.red.register_script(ISSUE)
        self._head = self.red.register_script(HEAD)
        self._release = self.red.register_script(RELEASE)

    def _keys(self, conversation_id: str) -> Tuple[str, str, str]:
        base = f"{self.key_prefix}{conversation_id}"
        return f"{base}:seq", f"{base}:queue", f"{base}:expires"

    def _take_ticket(self, conversation_id: str, lifetime: float) -> Tuple[int, float]:
        expires = clock.timestamp() + lifetime
        ttl_ms = int(lifetime * 2000) + 1000
        return int(self._issue(keys=self._keys(conversation_id), args=[expires, ttl_ms])), expires

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Wait for this conversation's turn (first come, first served), hold it, and let go."""
        seq, queue, expiries = self._keys(conversation_id)
        ticket, expires = self._take_ticket(conversation_id, lock_lifetime)
        try:
            poll, reissued = self.poll_seconds, 0
            while True:
                head = int(self._head(keys=[queue, expiries], args=[clock.timestamp(), ticket]))
                if head == ticket:
                    break
                if head == -1:  # waited past our own ticket's lifetime: queue again
                    if reissued >= self.reissues:
                        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                    reissued += 1
                    ticket, expires = self._take_ticket(conversation_id, lock_lifetime)
                    continue
                await asyncio.sleep(poll)
                poll = min(poll * 1.5, self.longest_poll_seconds)
            yield TicketLock(conversation_id, deque([Ticket(ticket, expires)]))
        finally:
            self._release(keys=[queue, expiries], args=[ticket])


class EnvLockStore(LockStore):
    """An atomic Redis lock store when ``KINTSUGI_REDIS_URL`` is set, in memory otherwise."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        """Build the lock store that fits this environment."""
        install()
        url = get_settings().redis_url
        if not url:
            workers = Settings.from_env().sanic_workers  # as this worker was started, not cached
            if workers != 1:
                raise ValueError(
                    f"SANIC_WORKERS={workers} needs KINTSUGI_REDIS_URL: each worker would keep its own "
                    f"in-memory locks, and two of them could answer one conversation at once.")
            return InMemoryLockStore()
        parts = urlsplit(url)
        db = int(parts.path.strip("/") or 1)
        return AtomicRedisLockStore(host=parts.hostname or "localhost", port=parts.port or 6379, db=db,
                              username=parts.username, password=parts.password,
                              use_ssl=parts.scheme == "rediss", key_prefix="kintsugi")
