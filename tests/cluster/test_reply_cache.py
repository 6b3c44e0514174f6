"""The reply cache (stores/reply_cache.py) against the machine's real Redis,
under a key prefix of its own; and its in-process fallback."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest
import redis

from stores.reply_cache import (
    MemoryBackend,
    RedisBackend,
    ReplyCache,
    ReplyCacheUnavailable,
    message_key,
)

# Shorter than production's 8 s: a test waits for a claim to lapse.
CLAIM_SECONDS = 2.0

pytestmark = pytest.mark.servers  # needs Redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> str:
    prefix = f"igrt-test:{secrets.token_hex(4)}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*", count=100):
        client.delete(key)


@pytest.fixture(params=["redis", "memory"])
def cache(request: pytest.FixtureRequest, prefix: str) -> ReplyCache:
    if request.param == "memory":
        return ReplyCache(MemoryBackend(), ttl=60, claim_seconds=CLAIM_SECONDS)
    return ReplyCache(RedisBackend(REDIS_URL, prefix), ttl=60, claim_seconds=CLAIM_SECONDS)


def test_key_is_keyed_and_one_patients_message_id_never_finds_anothers() -> None:
    key = message_key("k1", "sender-abcdefgh", "message-1")
    assert key != message_key("k2", "sender-abcdefgh", "message-1")
    assert key != message_key("k1", "sender-abcdefgh", "message-2")
    # Two patients whose widgets happen to send the same message id.
    assert key != message_key("k1", "sender-zyxwvuts", "message-1")
    # Nor can a sender and id be shifted into one another.
    assert message_key("k1", "ab", "c") != message_key("k1", "a", "bc")


def test_second_attempt_gets_the_first_replies(cache: ReplyCache) -> None:
    async def scenario() -> None:
        first = await cache.claim_or_wait("m1", max_wait=1)
        assert first is not None and first.claim is not None and not first.took_over
        with first.claim as claim:
            # A retry while the turn runs waits for its replies.
            retry = asyncio.create_task(cache.claim_or_wait("m1", max_wait=5))
            await asyncio.sleep(0.3)
            assert not retry.done()
            await claim.store([{"text": "answer"}])
        outcome = await retry
        assert outcome is not None and outcome.claim is None
        assert outcome.replies == [{"text": "answer"}]

    asyncio.run(scenario())


def test_released_claim_lets_a_retry_run(cache: ReplyCache) -> None:
    async def scenario() -> None:
        first = await cache.claim_or_wait("m2", max_wait=1)
        with first.claim as claim:
            await claim.release()
        again = await cache.claim_or_wait("m2", max_wait=1)
        assert again is not None and again.claim is not None

    asyncio.run(scenario())


def test_live_claim_is_kept_and_dead_one_taken_over(cache: ReplyCache) -> None:
    async def scenario() -> None:
        live = await cache.claim_or_wait("m3", max_wait=1)
        with live.claim:
            # Refreshed while held: a waiter gives up rather than run it twice.
            assert await cache.claim_or_wait("m3", max_wait=CLAIM_SECONDS + 1) is None
        # Not refreshed any more (as if its replica died): taken over.
        outcome = await cache.claim_or_wait("m3", max_wait=CLAIM_SECONDS + 2)
        assert outcome is not None and outcome.claim is not None and outcome.took_over

    asyncio.run(scenario())


def test_unreachable_redis_is_reported() -> None:
    cache = ReplyCache(RedisBackend("redis://127.0.0.1:1/0", "x:"), ttl=60)
    with pytest.raises(ReplyCacheUnavailable):
        asyncio.run(cache.claim_or_wait("m4", max_wait=1))
