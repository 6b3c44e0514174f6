"""The base of our messaging channels' webhooks.

Each webhook is acknowledged as soon as it is authenticated and parsed; the
turn runs in the background (platforms give up after a few seconds). Bodies
over MAX_BODY_BYTES are refused before any parsing or signature work, and an
unexpected error is answered 500 and logged by type and location only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, ClassVar, Generic

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import action_server, replies
from channels.messaging.deliveries import DeliveryLog, MemoryDeliveryLog, RedisDeliveryLog
from channels.messaging.http import PlatformApi
from channels.messaging.logs import error_summary
from channels.messaging.output import MessagingOutput
from channels.messaging.pseudonyms import derived_key
from channels.messaging.settings import ChannelSettings, Settings, load_settings
from channels.messaging.turn import ConversationLocks, OnNewMessage, run_turn
from channels.messaging.webhooks import MAX_BODY_BYTES, too_large
from channels.server import harden_server_on_start

logger = logging.getLogger(__name__)


class MessagingInput(InputChannel, Generic[Settings]):
    """Base of our messaging channels: settings from the environment only,
    disabled (404, no start-up calls) unless all required variables are set.

    A channel names its `settings_class`, reads its settings in `configure`,
    names the secret its pseudonyms are keyed with (`pseudonym_secret`) and
    answers its webhook (POST /webhook) in `handle`: check the signature,
    parse, call `start_turn` for each patient message and acknowledge at once.
    The shared wrapper refuses oversized bodies first and turns unexpected
    errors into a 500 logged by type only.
    """

    channel: ClassVar[str] = "messaging"
    settings_class: ClassVar[type[ChannelSettings]] = ChannelSettings

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if credentials:
            logger.warning(
                "%s: settings in the credentials file are ignored; "
                "set environment variables instead (docs/messaging.md).",
                cls.channel,
            )
        channel = cls(load_settings(cls.channel, cls.settings_class))
        if channel.enabled:
            logger.info("%s channel enabled.", cls.channel)
        return channel

    def __init__(self, settings: Settings | None) -> None:
        replies.channel_texts()  # a missing reply text stops the start, not a patient
        self.settings = settings
        self.api = PlatformApi(self.channel)
        self.locks = ConversationLocks()
        self._background: set[asyncio.Task[Any]] = set()
        self._on_new_message: OnNewMessage | None = None
        self._agent: Any = None
        if settings is not None:
            self.configure(settings)
            self.deliveries = self._delivery_log(settings)

    def configure(self, settings: Settings) -> None:
        """Reads the settings of an enabled channel (called once, from __init__)."""

    def pseudonym_secret(self) -> str:
        """The channel's secret that keys conversation ids and delivery hashes."""
        raise NotImplementedError

    def _delivery_log(self, settings: ChannelSettings) -> DeliveryLog:
        key = derived_key(self.pseudonym_secret(), "delivery-ids")
        if settings.redis_url is None:
            return MemoryDeliveryLog(key)
        prefix = f"{settings.redis_prefix}{self.channel}:"
        return RedisDeliveryLog(settings.redis_url.get_secret_value(), prefix, key)

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"secure_{self.channel}_webhook", __name__)
        harden_server_on_start(webhook)
        action_server.install()
        enabled = self.enabled

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not enabled:
                return response.json({"status": "not configured"}, status=404)
            return response.json({"status": "ok"})

        if not enabled:

            @webhook.route("/webhook", methods=["GET", "POST"])
            async def not_configured(_: Request) -> HTTPResponse:
                return response.text("not configured", status=404)

            return webhook

        self._on_new_message = on_new_message
        self.add_routes(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.guarded(request)

        @webhook.listener("after_server_stop")
        async def close_connections(*_: Any) -> None:
            await self.api.close()
            await self.deliveries.close()

        return webhook

    def add_routes(self, webhook: Blueprint) -> None:
        """Routes and listeners besides POST /webhook (none by default)."""

    async def handle(self, request: Request) -> HTTPResponse:
        raise NotImplementedError

    async def guarded(self, request: Request) -> HTTPResponse:
        """Runs `handle`, after refusing an oversized body; an unexpected error
        is logged by type only (Sanic's own error log could include message text)."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            logger.warning("%s: refused a request body over %s bytes", self.channel, MAX_BODY_BYTES)
            return too_large()
        # Rasa's agent (replaced when a new model loads): its tracker store
        # holds the options offered.
        self._agent = getattr(request.app.ctx, "agent", None)
        try:
            return await self.handle(request)
        except Exception as error:
            logger.error("%s webhook failed: %s", self.channel, error_summary(error))
            return response.text("error", status=500)

    # --- turns in the background

    def start_turn(self, conversation: str, text: str | None, output: MessagingOutput) -> None:
        """Answers one message in the background: the webhook is acknowledged at
        once, so a platform that stops waiting (Twilio after 15 s, Meta and
        Slack after a few) cannot cancel the turn half-way or lose the reply."""
        self.in_background(self._turn(self._agent, conversation, text, output))

    async def _turn(
        self, agent: Any, conversation: str, text: str | None, output: MessagingOutput
    ) -> None:
        assert self._on_new_message is not None, "start_turn before blueprint"
        async with self.locks.hold(conversation):
            await run_turn(self._on_new_message, agent, self.channel, conversation, text, output)

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs work as a task that is kept referenced until it ends; a failure
        is logged by exception type and location only."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("%s: background work failed: %s", self.channel, error_summary(error))

    @property
    def pending(self) -> int:
        """Background tasks not finished yet."""
        return len(self._background)
