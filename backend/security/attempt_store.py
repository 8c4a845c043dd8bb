"""Counters for attempt limits, kept in a Litestar store: in memory for one process (the default),
in Redis when FOLLICLE_REDIS_URL is set, so every API worker counts the same attempts and a
restart does not forget them.

Both stores add to a counter in one atomic step, so simultaneous attempts cannot slip past a
limit between reading and writing the count.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Protocol

from litestar.stores.base import StorageObject, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis


class CountingStore(Protocol):
    async def add(self, key: str, amount: int, *, window: int) -> tuple[int, int]:
        """Add `amount` (may be negative) to the counter at `key`, which lives `window` seconds from
        its first count; the count after and the seconds it has left."""

    async def delete(self, key: str) -> None: ...


class CountingMemoryStore(MemoryStore):
    """Litestar's MemoryStore with an atomic counter: one process only."""

    async def add(self, key: str, amount: int, *, window: int) -> tuple[int, int]:
        now = datetime.now(UTC)
        async with self._lock:
            found = self._store.get(key)
            if found is None or found.expired or found.expires_at is None:
                count, expires_at = 0, now + timedelta(seconds=window)
            else:
                count, expires_at = int(found.data), found.expires_at
            count += amount
            if count <= 0:
                self._store.pop(key, None)
                return 0, 0
            self._store[key] = StorageObject(data=str(count).encode(), expires_at=expires_at)
        return count, max(1, math.ceil((expires_at - now).total_seconds()))


_ADD = b"""
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count <= 0 then
    redis.call('DEL', KEYS[1])
    return {0, 0}
end
local left = redis.call('TTL', KEYS[1])
if left < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    left = tonumber(ARGV[2])
end
return {count, left}
"""


class CountingRedisStore(RedisStore):
    """Litestar's RedisStore with an atomic counter (one Lua script): shared by every process."""

    def __init__(self, redis: Redis, namespace: str | None = "follicle", handle_client_shutdown: bool = False) -> None:
        super().__init__(redis, namespace=namespace, handle_client_shutdown=handle_client_shutdown)
        self._add_script = self._redis.register_script(_ADD)

    async def add(self, key: str, amount: int, *, window: int) -> tuple[int, int]:
        count, left = await self._add_script(keys=[self._make_key(key)], args=[amount, window])
        return int(count), max(1, int(left)) if count else 0

    def with_namespace(self, namespace: str) -> CountingRedisStore:
        return type(self)(
            self._redis,
            namespace=f"{self.namespace}_{namespace}" if self.namespace else namespace,
            handle_client_shutdown=self.handle_client_shutdown,
        )


def counting_store(redis_url: str, namespace: str) -> Store:
    """The store for attempt counts: Redis when a URL is given, else this process's memory."""
    if not redis_url:
        return CountingMemoryStore()
    return CountingRedisStore(Redis.from_url(redis_url), namespace=namespace, handle_client_shutdown=True)
