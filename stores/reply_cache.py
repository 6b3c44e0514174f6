"""Replies by message id, so that a retried message is not a second turn.

The widget sends a random `message_id` with each message and sends the same id
again when it retries (a timeout, a reload, a replica that died while nginx
passed the request on). The REST channel (channels/rest.py) asks this cache,
keyed by a keyed hash of (sender, message id), before running a turn:

- no entry: the caller *claims* the id (an atomic SET NX) and runs the turn,
  refreshing the claim while it runs, then stores the replies;
- a stored reply: the caller answers with it, and the turn does not run again;
- a claim of someone else: the caller waits for the reply; a claim that is no
  longer refreshed (its replica died) expires and the caller claims it.

In a cluster the cache must be shared by the replicas: Redis
(`REPLY_CACHE_REDIS_URL`). Without it (`make run`, one process) an in-process
map does the same for retries that reach the same process.

Nothing here holds message text: keys are HMACs, values the bot's replies.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
import redis.exceptions

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "REPLY_CACHE_REDIS_URL"
TTL_ENV = "REPLY_CACHE_TTL_SECONDS"
PREFIX_ENV = "REPLY_CACHE_PREFIX"
# How long a reply is kept for a retry: a widget retries within minutes.
DEFAULT_TTL_SECONDS = 3600
DEFAULT_PREFIX = "igrt:reply:"
# A claim lives this long unless refreshed; its holder refreshes it
# CLAIM_REFRESHES times in that time, so a dead replica's claim is taken over within about
# CLAIM_SECONDS while a slow but live turn keeps its claim.
CLAIM_SECONDS = 8.0
# Refreshed this many times per lifetime (every 2 s of 8).
CLAIM_REFRESHES = 4
POLL_SECONDS = 0.1
# A Redis that does not answer fails the request instead of holding it up.
REDIS_TIMEOUT_SECONDS = 2.0
CLAIM_MARK = "claim:"
DOMAIN = b"igrt-reply-cache\x00"


class ReplyCacheUnavailable(Exception):
    """The shared cache cannot be reached; the message must not run unguarded."""


@dataclass(frozen=True)
class Entry:
    """What the cache holds for a message: a claim (by a token) or the replies."""

    claim: str | None = None
    replies: list[dict[str, Any]] | None = None


def message_key(key: str, sender: str, message_id: str) -> str:
    """The cache key of a message: HMAC-SHA256 of (sender, message id) under
    SENDER_ID_KEY, so neither can be read back from Redis."""
    mac = hmac.new(key.encode("utf-8"), DOMAIN, hashlib.sha256)
    mac.update(sender.encode("utf-8") + b"\x00" + message_id.encode("utf-8"))
    return mac.hexdigest()[:40]


def encode(entry: Entry) -> str:
    if entry.claim is not None:
        return CLAIM_MARK + entry.claim
    return json.dumps(entry.replies, separators=(",", ":"))


def decode(raw: str | bytes | None) -> Entry | None:
    if raw is None:
        return None
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    if text.startswith(CLAIM_MARK):
        return Entry(claim=text.removeprefix(CLAIM_MARK))
    return Entry(replies=json.loads(text))


class Backend(Protocol):
    async def add(self, key: str, value: str, ttl: float) -> bool: ...
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str, ttl: float) -> None: ...
    async def refresh(self, key: str, value: str, ttl: float) -> bool: ...
    async def drop(self, key: str, value: str) -> None: ...


class MemoryBackend:
    """One process's map with expiry (make run): retries reach the same process."""

    MAX_ITEMS = 10_000

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, float]] = {}

    def _live(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None or item[1] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item[0]

    def _trim(self) -> None:
        # Oldest insertions first: dicts keep insertion order.
        while len(self._items) >= self.MAX_ITEMS:
            self._items.pop(next(iter(self._items)))

    async def add(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._trim()
        self._items[key] = (value, time.monotonic() + ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._items[key] = (value, time.monotonic() + ttl)

    async def refresh(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) != value:
            return False
        self._items[key] = (value, time.monotonic() + ttl)
        return True

    async def drop(self, key: str, value: str) -> None:
        if self._live(key) == value:
            self._items.pop(key, None)


# Refresh or drop a claim only while it is still ours (one round trip, atomic).
_REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"  # noqa: E501
_DROP = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"  # noqa: E501


class RedisBackend:
    """Shared by every replica; any Redis error becomes ReplyCacheUnavailable."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = aioredis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            decode_responses=True,
        )
        self._prefix = prefix

    async def _call(self, operation: str, command: Any) -> Any:
        try:
            return await command
        except (redis.exceptions.RedisError, OSError) as error:
            # The error's class only: a message could quote a key.
            logger.error("The reply cache could not %s: %s", operation, type(error).__name__)
            raise ReplyCacheUnavailable(operation) from None

    async def add(self, key: str, value: str, ttl: float) -> bool:
        done = await self._call(
            "claim", self._redis.set(self._prefix + key, value, nx=True, px=int(ttl * 1000))
        )
        return bool(done)

    async def get(self, key: str) -> str | None:
        return await self._call("read", self._redis.get(self._prefix + key))

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self._call("store", self._redis.set(self._prefix + key, value, px=int(ttl * 1000)))

    async def refresh(self, key: str, value: str, ttl: float) -> bool:
        done = await self._call(
            "refresh", self._redis.eval(_REFRESH, 1, self._prefix + key, value, int(ttl * 1000))
        )
        return bool(done)

    async def drop(self, key: str, value: str) -> None:
        await self._call("release", self._redis.eval(_DROP, 1, self._prefix + key, value))


class Claim:
    """The right to run one message's turn, kept alive while the turn runs."""

    def __init__(self, cache: ReplyCache, key: str, token: str) -> None:
        self._cache = cache
        self.key = key
        self.token = token
        self._keeper: asyncio.Task[None] | None = None

    def __enter__(self) -> Claim:
        self._keeper = asyncio.create_task(self._keep())
        return self

    def __exit__(self, *_: object) -> None:
        if self._keeper is not None:
            self._keeper.cancel()

    async def _keep(self) -> None:
        value = encode(Entry(claim=self.token))
        while True:
            await asyncio.sleep(self._cache.claim_seconds / CLAIM_REFRESHES)
            try:
                if not await self._cache.backend.refresh(
                    self.key, value, self._cache.claim_seconds
                ):
                    return
            except ReplyCacheUnavailable:
                continue  # logged; the next round may reach it again

    async def store(self, replies: list[dict[str, Any]]) -> None:
        await self._cache.backend.put(self.key, encode(Entry(replies=replies)), self._cache.ttl)

    async def release(self) -> None:
        """The turn failed before it ran: a retry may run it."""
        await self._cache.backend.drop(self.key, encode(Entry(claim=self.token)))


@dataclass(frozen=True)
class Outcome:
    """Either a claim (run the turn) or the replies of the earlier run.
    `took_over` says the claim was taken from a holder that stopped refreshing
    it: that turn may have run before its holder died (channels/rest.py checks)."""

    claim: Claim | None = None
    replies: list[dict[str, Any]] | None = None
    took_over: bool = False


class ReplyCache:
    def __init__(
        self,
        backend: Backend,
        ttl: float = DEFAULT_TTL_SECONDS,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.backend = backend
        self.ttl = ttl
        self.claim_seconds = claim_seconds

    async def claim_or_wait(self, key: str, max_wait: float) -> Outcome | None:
        """A claim, or the replies stored for key; None when another claim is
        still held after max_wait seconds."""
        token = secrets.token_hex(8)
        deadline = time.monotonic() + max_wait
        seen_claim = False
        while True:
            if await self.backend.add(key, encode(Entry(claim=token)), self.claim_seconds):
                return Outcome(claim=Claim(self, key, token), took_over=seen_claim)
            entry = decode(await self.backend.get(key))
            if entry is not None and entry.replies is not None:
                return Outcome(replies=entry.replies)
            seen_claim = seen_claim or entry is not None
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)


def from_environment() -> ReplyCache:
    """Redis when REPLY_CACHE_REDIS_URL is set (a cluster), else in-process."""
    ttl = float(os.environ.get(TTL_ENV) or DEFAULT_TTL_SECONDS)
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        return ReplyCache(MemoryBackend(), ttl)
    prefix = os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX
    return ReplyCache(RedisBackend(url, prefix), ttl)
