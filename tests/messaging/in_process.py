"""The channels on an in-process Sanic server, the app built by Rasa's own
`configure_app` without the HTTP API (as `rasa run` does: its GET / route and
CORS included) but without loading a model: a small function plays the bot
inside a stand-in of Rasa's agent (ToyAgent: Rasa's own lock and tracker
stores, the bot's messages recorded as Rasa records them)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from assistant_server import free_port
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.run import configure_app
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from messaging.platforms import Messenger, Slack, Telegram, Twilio, unique_id


class StoringBot:
    """Plays Rasa up to its tracker store: each message is stored in a real
    SQLTrackerStore on SQLite (as endpoints.yml configures Rasa), then answered
    "answer: <text>". Keeps what it received and every failure of the store,
    which the real server does not survive (a lone surrogate in a sender id
    makes Rasa's SQL store exit the process)."""

    def __init__(self, database: Path) -> None:
        self.store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
        self.received: list[UserMessage] = []
        self.failures: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        try:
            tracker = await self.store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text, metadata=message.metadata))
            await self.store.save(tracker)
        except BaseException as failure:  # SystemExit too: Rasa's store calls sys.exit
            self.failures.append(type(failure).__name__)
            raise RuntimeError("the tracker store failed") from None
        reply = f"answer: {message.text}"
        await message.output_channel.send_text_message(message.sender_id, reply)

    def texts(self) -> list[str]:
        return [message.text for message in self.received]


class RecordingOutput(OutputChannel):
    """Passes the bot's messages on to the channel's output and records them
    on the tracker as Rasa's processor does (BotUttered with the buttons)."""

    def __init__(self, output: OutputChannel, events: list[BotUttered]) -> None:
        self._output = output
        self._events = events

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self._events.append(BotUttered(text, {"buttons": None}))
        await self._output.send_text_message(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self._events.append(BotUttered(text, {"buttons": buttons}))
        await self._output.send_text_with_buttons(recipient_id, text, buttons)


class ToyAgent:
    """Where Rasa's agent goes (request.app.ctx.agent): `handle_message` runs
    the bot under Rasa's lock of the conversation and stores the patient's
    message and the bot's replies in a tracker store of Rasa's, as Rasa does.
    Agents built on the same stores play replicas of one assistant."""

    def __init__(
        self,
        bot: Any,
        tracker_store: TrackerStore | None = None,
        lock_store: LockStore | None = None,
    ) -> None:
        self.bot = bot
        self.tracker_store = tracker_store or InMemoryTrackerStore(Domain.empty())
        self.lock_store = lock_store or InMemoryLockStore()

    async def handle_message(self, message: UserMessage) -> None:
        async with self.lock_store.lock(message.sender_id, wait_time_in_seconds=0.05):
            tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text))
            said: list[BotUttered] = []
            recording = RecordingOutput(message.output_channel, said)
            try:
                await self.bot(
                    UserMessage(
                        message.text, recording, message.sender_id,
                        input_channel=message.input_channel, metadata=message.metadata,
                    )
                )  # fmt: skip
            finally:
                for event in said:
                    tracker.update(event)
                await self.tracker_store.save(tracker)


@contextmanager
def serving(
    channels: list[Any], on_new_message: Any, cors: list[str] | None = None
) -> Iterator[str]:
    """The channels on a real Sanic server in a thread; yields its base URL.
    on_new_message: the bot, or a ToyAgent around it.
    cors: the origins allowed to call it from a browser (rasa run --cors)."""
    Sanic.test_mode = True  # lets several apps start in one process (as sanic-testing does)
    app = configure_app(channels, cors=cors, enable_api=False, route="/webhooks/")
    agent = on_new_message if isinstance(on_new_message, ToyAgent) else ToyAgent(on_new_message)
    app.ctx.agent = agent
    port = free_port()
    loop = asyncio.new_event_loop()
    ready, stopped = threading.Event(), asyncio.Event()

    async def main() -> None:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()
        await server.after_start()
        ready.set()
        await stopped.wait()
        await server.before_stop()
        await server.close()
        await server.after_stop()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert ready.wait(20), "the Sanic server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(stopped.set)
        thread.join(20)


@dataclass
class InProcessApps:
    """REST and the four messaging channels served in process (the fixture
    `in_process` of tests/messaging/conftest.py), with clients of each."""

    url: str
    bot: StoringBot
    telegram: Telegram
    twilio: Twilio
    messenger: Messenger
    slack: Slack

    @property
    def rest_webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def still_answers(self, platform: str) -> None:
        """A new patient's normal question on the platform gets the bot's answer,
        and nothing so far broke the tracker store."""
        question, answer, n = "what is igrt", "answer: what is igrt", unique_id()
        if platform == "rest":
            body = {"sender": str(uuid.uuid4()), "message": question}
            reply = requests.post(self.rest_webhook, json=body, timeout=10)
            assert reply.json()[-1]["text"] == answer
        elif platform == "telegram":
            assert self.telegram.post(self.telegram.message_update(n, question)).ok
            self.telegram.wait_for_text(n, answer)
        elif platform == "twilio":
            phone = f"+1555{n % 10_000_000:07d}"
            assert self.twilio.post(self.twilio.message(phone, question)).ok
            self.twilio.wait_for_body(phone, answer)
        elif platform == "facebook":
            psid, messenger = f"77{n}", self.messenger
            delivery = messenger.delivery(messenger.event(psid, {"text": question}))
            assert messenger.post(delivery).ok
            messenger.wait_for_text(psid, answer)
        else:
            channel = f"D{n}"
            assert self.slack.post(self.slack.dm_event(f"U{n}", channel, question)).ok
            self.slack.wait_for_text(channel, answer)
        assert self.bot.failures == [], "a message broke the tracker store"
