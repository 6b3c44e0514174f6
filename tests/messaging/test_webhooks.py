"""What every channel's webhook does before and around a turn: oversized
bodies refused before any work (100 MB ones by Sanic before they are read),
the webhook acknowledged at once while the turn runs in the background (a
platform that stops waiting loses nothing), a redelivery answered once, empty
and over-long messages answered without the bot, and the turns of one
conversation run one after the other.

The tests run the four channels on an in-process server (a real Sanic server
on 127.0.0.1) with a small bot (tests/messaging/in_process.py), so that a turn
can be made slow; the last one runs against the real assistant."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
import requests
from rasa.core.channels.channel import UserMessage

from channels import replies
from channels.facebook import SecureFacebookInput
from channels.messaging.webhooks import MAX_BODY_BYTES
from channels.slack import SecureSlackInput
from channels.telegram import SecureTelegramInput
from channels.twilio import SecureTwilioInput
from messaging.in_process import serving
from messaging.platforms import (
    Messenger,
    Slack,
    StandIn,
    Telegram,
    Twilio,
    channel_env,
    quiet,
    start_stand_ins,
    unique_id,
)

SLOW_SECONDS = 2.5  # the bot's time for a slow turn
PLATFORM_PATIENCE_SECONDS = 1.0  # how long the test client waits for the webhook's answer
STILL_RUNNING_SECONDS = 1.0  # the turn goes on this long after sending its options

# Titles and payloads too long for every platform's buttons: numbered options.
PAD = "x" * 80
OLD_OPTIONS = [{"title": f"Old option {n} {PAD}", "payload": f"/old_{n}_{PAD}"} for n in "ab"]
NEW_OPTIONS = [{"title": f"New option {n} {PAD}", "payload": f"/new_{n}_{PAD}"} for n in "ab"]


class Bot:
    """Plays Rasa. "slow" takes SLOW_SECONDS; "/first" and "/second" offer
    options, and the turn of "/second" is still running after sending them."""

    def __init__(self) -> None:
        self.running = 0
        self.most_running = 0

    async def __call__(self, message: UserMessage) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            output, sender, text = message.output_channel, message.sender_id, message.text
            if text == "slow":
                await asyncio.sleep(SLOW_SECONDS)
                await output.send_text_message(sender, "the slow answer")
            elif text == "/first":
                await output.send_text_with_buttons(sender, "Old list:", OLD_OPTIONS)
            elif text == "/second":
                await output.send_text_with_buttons(sender, "New list:", NEW_OPTIONS)
                await asyncio.sleep(STILL_RUNNING_SECONDS)  # Rasa still busy with the turn
            else:
                await output.send_text_message(sender, f"got {text[:6]}")
        finally:
            self.running -= 1


@dataclass
class Patient:
    """One patient on one platform: builds a delivery of a message, posts it
    (as often as the platform does), waits for a reply."""

    delivery: Callable[[str], Any]
    post: Callable[..., requests.Response]
    wait_for: Callable[[str], Any]
    replies: Callable[[], list[str]]

    def say(self, text: str, **options: Any) -> requests.Response:
        return self.post(self.delivery(text), **options)


@dataclass
class Server:
    url: str
    stand_ins: dict[str, StandIn]
    bot: Bot
    telegram: Telegram
    twilio: Twilio
    messenger: Messenger
    slack: Slack

    def patient(self, platform: str) -> Patient:
        n = unique_id()
        if platform == "telegram":
            tg = self.telegram
            return Patient(
                lambda text: tg.message_update(n, text),
                tg.post,
                lambda fragment: tg.wait_for_text(n, fragment),
                lambda: tg.texts(n),
            )
        if platform == "twilio":
            tw, phone = self.twilio, f"+1555{n % 10_000_000:07d}"
            return Patient(
                lambda text: tw.message(phone, text),
                tw.post,
                lambda fragment: tw.wait_for_body(phone, fragment),
                lambda: tw.bodies(phone),
            )
        if platform == "facebook":
            fb, psid = self.messenger, f"77{n}"
            return Patient(
                lambda text: fb.delivery(fb.event(psid, {"text": text})),
                fb.post,
                lambda fragment: fb.wait_for_text(psid, fragment),
                lambda: fb.texts(psid),
            )
        sl, user, channel = self.slack, f"U{n}", f"D{n}"
        return Patient(
            lambda text: sl.dm_event(user, channel, text),
            sl.post,
            lambda fragment: sl.wait_for_text(channel, fragment),
            lambda: sl.texts(channel),
        )


PLATFORMS = ["telegram", "twilio", "facebook", "slack"]
CHANNELS = [SecureTelegramInput, SecureTwilioInput, SecureFacebookInput, SecureSlackInput]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    stand_ins = start_stand_ins()
    bot = Bot()
    try:
        with mock.patch.dict(os.environ, channel_env(stand_ins)):
            channels = [channel.from_credentials(None) for channel in CHANNELS]
        assert all(channel.enabled for channel in channels)
        with serving(channels, bot) as url:
            yield Server(
                url,
                stand_ins,
                bot,
                Telegram(url, stand_ins["telegram"]),
                Twilio(url, stand_ins["twilio"]),
                Messenger(url, stand_ins["facebook"]),
                Slack(url, stand_ins["slack"]),
            )
    finally:
        for stand_in in stand_ins.values():
            stand_in.stop()


def test_a_turn_slower_than_the_platform_waits_is_still_answered(server: Server) -> None:
    patients = {platform: server.patient(platform) for platform in PLATFORMS}
    started = time.monotonic()
    for patient in patients.values():
        # The client gives up after PLATFORM_PATIENCE_SECONDS, as a platform
        # does (it would close the connection): the answer comes before that.
        assert patient.say("slow", timeout=PLATFORM_PATIENCE_SECONDS).status_code == 200
    assert time.monotonic() - started < SLOW_SECONDS
    for patient in patients.values():
        patient.wait_for("the slow answer")
    assert server.bot.most_running >= 2  # the turns ran side by side, not one per request


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_redelivery_is_answered_once_even_during_the_slow_turn(
    server: Server, platform: str
) -> None:
    patient = server.patient(platform)
    delivery = patient.delivery("slow")
    for _ in range(3):
        reply = patient.post(delivery, timeout=PLATFORM_PATIENCE_SECONDS)
        assert reply.status_code == 200
    patient.wait_for("the slow answer")
    quiet()
    assert patient.replies() == ["the slow answer"]
    patient.say("again")  # the same words in a new delivery: a new message
    patient.wait_for("got again")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_empty_and_over_long_messages_are_answered_without_the_bot(
    server: Server, platform: str
) -> None:
    patient = server.patient(platform)
    patient.say("   ")
    patient.wait_for(replies.empty_message())
    patient.say("radiation " * 201)  # 2010 characters
    patient.wait_for(replies.too_long())
    patient.say("hello")
    patient.wait_for("got hello")
    assert patient.replies() == [replies.empty_message(), replies.too_long(), "got hello"]


def assert_refused_before_read(base_url: str, platform: str) -> None:
    """413 for a 100 MB Content-Length while only the first kilobyte has been
    sent, and a chunked body cut off as soon as it passes the limit."""
    address = urlsplit(base_url)
    head = (
        f"POST /webhooks/{platform}/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(f"{head}Content-Length: {100 * 1024 * 1024}\r\n\r\n".encode() + b"{" * 1024)
        started = time.monotonic()
        assert sock.recv(200).startswith(b"HTTP/1.1 413")
        assert time.monotonic() - started < 2

    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(32):  # 2 MB at most: past the 1 MB limit
                sock.sendall(chunk)
        except OSError:  # the server closed the connection
            pass
        assert sock.recv(200).startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_100_mb_body_is_refused_before_it_is_read(server: Server, platform: str) -> None:
    """Sanic's own limit (REQUEST_MAX_SIZE, set by channels/server.py)."""
    assert_refused_before_read(server.url, platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_number_typed_while_the_turn_runs_picks_from_the_list_just_sent(
    server: Server, platform: str
) -> None:
    patient = server.patient(platform)
    patient.say("/first")
    patient.wait_for("1. Old option a")
    # "/second" is sent without waiting for the webhook's answer (as a
    # platform delivers the next message), and its options arrive while its
    # turn is still running; the patient answers "2" at once.
    second = threading.Thread(target=patient.say, args=("/second",))
    second.start()
    patient.wait_for("2. New option b")
    assert patient.say("2").status_code == 200
    second.join(10)
    patient.wait_for("got /new_b")
    assert not any("/old_" in reply for reply in patient.replies())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_oversized_unsigned_body_is_refused_at_once(apps, platform: str) -> None:
    """Against the real assistant: 413 before parsing or signature checks."""
    url = f"{apps.assistant.url}/webhooks/{platform}/webhook"
    content_type = (
        "application/x-www-form-urlencoded" if platform == "twilio" else "application/json"
    )
    filler = b"x" * (1024 * 1024)
    huge = b"Body=" + filler if platform == "twilio" else b'{"x": "' + filler + b'"}'
    many_fields = b"&".join(b"f%d=1" % n for n in range(200_000))  # about 1.6 MB
    for body in (huge, many_fields, b"x" * (MAX_BODY_BYTES + 1)):
        started = time.monotonic()
        reply = requests.post(url, data=body, headers={"Content-Type": content_type}, timeout=10)
        assert reply.status_code == 413
        assert time.monotonic() - started < 2
    # Just under the limit: checked (and refused) as usual.
    assert requests.post(url, data=b"x" * MAX_BODY_BYTES, timeout=10).status_code in (400, 403)
    # 100 MB: refused by `rasa run`'s Sanic before it is read.
    assert_refused_before_read(apps.assistant.url, platform)
