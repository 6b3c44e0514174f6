"""Channel state that replicas behind a load balancer share: deliveries
already answered (Redis at 127.0.0.1:6379, `SET NX EX` on keyed hashes) and
the numbered options last offered (the tracker store). Two in-process servers
play two replicas; each test uses its own Redis key prefix and deletes it."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest
import redis
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from channels.messaging.deliveries import SEEN_IDS_TTL_SECONDS, RedisDeliveryLog
from channels.messaging.pseudonyms import derived_key
from channels.telegram import SecureTelegramInput
from messaging.in_process import ToyAgent, serving
from messaging.platforms import StandIn, Telegram, channel_env, quiet, start_stand_ins, unique_id

REDIS_URL = "redis://127.0.0.1:6379/0"
# Payloads too long for Telegram's buttons: a numbered list.
PAD = "x" * 80
OPTIONS = [{"title": f"Option {n}", "payload": f"/pick_{n}_{PAD}"} for n in "abc"]


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix of this test only; its keys are deleted afterwards."""
    prefix = f"test-channels-{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    # Never skipped: Redis runs on every machine of this project and in CI.
    assert client.ping(), "no Redis at 127.0.0.1:6379"
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def stored_keys(prefix: str) -> list[str]:
    with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
        return [key.decode() for key in client.scan_iter(match=f"{prefix}*", count=1000)]


def test_replicas_share_the_deliveries_already_answered(prefix: str) -> None:
    key = derived_key("the channel secret", "delivery-ids")
    ids = ("event:Ev1", "action:U0PATIENT:1.2")

    async def two_replicas() -> list[bool]:
        first, second = (
            RedisDeliveryLog(REDIS_URL, prefix, key),
            RedisDeliveryLog(REDIS_URL, prefix, key),
        )
        try:
            return [
                await first.is_repeat(*ids),
                await second.is_repeat(*ids),
                await second.is_repeat("event:Ev2", "action:U0PATIENT:1.2"),
                await first.is_repeat("event:Ev3", None),
            ]
        finally:
            await first.close()
            await second.close()

    assert asyncio.run(two_replicas()) == [False, True, True, False]
    kept = stored_keys(prefix)
    assert len(kept) == 4
    assert all(re.fullmatch(re.escape(prefix) + r"delivery:[0-9a-f]{32}", k) for k in kept)
    assert not any("U0PATIENT" in k or "Ev1" in k for k in kept)
    with redis.Redis.from_url(REDIS_URL) as client:
        assert 0 < client.ttl(kept[0]) <= SEEN_IDS_TTL_SECONDS


def test_without_redis_a_delivery_is_not_acknowledged() -> None:
    """Redis unreachable: is_repeat raises, so the webhook answers 500 and the
    platform delivers again later, rather than a message being answered twice."""
    log = RedisDeliveryLog("redis://127.0.0.1:1/0", "test-unreachable:", b"k")

    async def check() -> None:
        try:
            await log.is_repeat("event:1")
        finally:
            await log.close()

    with pytest.raises(redis.RedisError):
        asyncio.run(check())


class Bot:
    """Offers OPTIONS for "/offer"; answers anything else with "got <text>"."""

    async def __call__(self, message: UserMessage) -> None:
        output, sender = message.output_channel, message.sender_id
        if message.text == "/offer":
            await output.send_text_with_buttons(sender, "Which one?", OPTIONS)
        else:
            await output.send_text_message(sender, f"got {message.text[:8]}")


@pytest.fixture
def replicas(prefix: str) -> Iterator[tuple[Telegram, Telegram]]:
    """Two replicas of the Telegram channel: one Redis, one tracker store and
    one lock store (as Rasa's SQL and Redis stores would be shared)."""
    stand_ins: dict[str, StandIn] = start_stand_ins()
    env = {**channel_env(stand_ins), "CHANNELS_REDIS_URL": REDIS_URL,
           "CHANNELS_REDIS_PREFIX": prefix}  # fmt: skip
    tracker_store, lock_store = InMemoryTrackerStore(Domain.empty()), InMemoryLockStore()
    try:
        with mock.patch.dict(os.environ, env):
            channels = [SecureTelegramInput.from_credentials(None) for _ in range(2)]
        agents = [ToyAgent(Bot(), tracker_store, lock_store) for _ in range(2)]
        with serving([channels[0]], agents[0]) as one, serving([channels[1]], agents[1]) as two:
            yield Telegram(one, stand_ins["telegram"]), Telegram(two, stand_ins["telegram"])
    finally:
        for stand_in in stand_ins.values():
            stand_in.stop()


def test_a_delivery_retried_at_another_replica_is_answered_once(replicas, prefix) -> None:
    one, two = replicas
    chat = unique_id()
    update = one.message_update(chat, "hello")
    assert one.post(update).status_code == 200
    assert two.post(update).status_code == 200
    one.wait_for_text(chat, "got hello")
    quiet()
    assert one.texts(chat) == ["got hello"]
    assert any(key.startswith(f"{prefix}telegram:delivery:") for key in stored_keys(prefix))


def test_a_number_answered_at_another_replica_picks_from_the_list_offered(replicas) -> None:
    one, two = replicas
    chat = unique_id()
    one.post(one.message_update(chat, "/offer"))
    one.wait_for_text(chat, "3. Option c")
    two.post(two.message_update(chat, "7"))
    one.wait_for_text(chat, "from 1 to 3")
    one.post(one.message_update(chat, "2"))
    one.wait_for_text(chat, "got /pick_b")
