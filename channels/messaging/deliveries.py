"""Webhook deliveries already accepted, so that a platform's retry is answered once.

Some delivery ids contain a user id (Messenger's sender id, Slack's user id),
so only keyed hashes are kept: HMAC-SHA256 under a key derived from the
channel's secret, which every replica has (and nothing outside them).

In memory (one process, `make run`) by default; in Redis when
CHANNELS_REDIS_URL is set, so that replicas behind a load balancer see each
other's deliveries: one `SET NX EX` per id decides atomically which replica
answers.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from channels.messaging.pseudonyms import keyed_hash

# Enough for the retries of a day; bounded in memory.
SEEN_IDS_TTL_SECONDS = 24 * 3600
SEEN_IDS_MAX = 100_000
REDIS_TIMEOUT_SECONDS = 2.0


class DeliveryLog(Protocol):
    async def is_repeat(self, *delivery_ids: str | None) -> bool:
        """True if any id was seen before; remembers all of them."""

    async def close(self) -> None: ...


class ExpiringSet:
    """A small in-process set whose members expire; oldest evicted first."""

    def __init__(
        self, ttl_seconds: float, max_items: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_items
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def _purge(self) -> None:
        now = self._clock()
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now and len(self._expiry) <= self._max:
                break
            del self._expiry[key]

    def add(self, key: str) -> bool:
        """Adds key; False if it was there already (and not expired)."""
        self._purge()
        new = key not in self._expiry
        self._expiry.pop(key, None)
        self._expiry[key] = self._clock() + self._ttl
        self._purge()
        return new

    def members(self) -> list[str]:
        self._purge()
        return list(self._expiry)


class MemoryDeliveryLog:
    """The ids of one process (lost at restart)."""

    def __init__(
        self, key: bytes, ttl_seconds: float = SEEN_IDS_TTL_SECONDS, max_items: int = SEEN_IDS_MAX
    ) -> None:
        self._key = key
        self._seen = ExpiringSet(ttl_seconds, max_items)

    async def is_repeat(self, *delivery_ids: str | None) -> bool:
        hashes = [keyed_hash(self._key, value) for value in delivery_ids if value]
        added = [self._seen.add(digest) for digest in hashes]
        return not all(added)

    def kept(self) -> list[str]:
        """What is kept (for tests): hashes only."""
        return self._seen.members()

    async def close(self) -> None:
        pass


class RedisDeliveryLog:
    """The ids of every replica, in Redis under `<prefix><channel>:delivery:<hash>`."""

    def __init__(
        self,
        url: str,
        prefix: str,
        key: bytes,
        ttl_seconds: int = SEEN_IDS_TTL_SECONDS,
    ) -> None:
        self._redis: Redis = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._prefix = prefix
        self._key = key
        self._ttl = ttl_seconds

    def redis_key(self, delivery_id: str) -> str:
        return f"{self._prefix}delivery:{keyed_hash(self._key, delivery_id)}"

    async def is_repeat(self, *delivery_ids: str | None) -> bool:
        """A Redis failure raises: the webhook then answers 500 and the platform
        delivers again later, rather than a message being answered twice."""
        keys = [self.redis_key(value) for value in delivery_ids if value]
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, b"1", nx=True, ex=self._ttl)
            added = await pipe.execute()
        return not all(added)

    async def close(self) -> None:
        await self._redis.close()
