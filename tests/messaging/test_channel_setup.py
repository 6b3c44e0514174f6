"""How the channels are configured, on an in-process Sanic server (mounted by
Rasa's own `register`, as `rasa run` does, without loading a model): disabled
without their variables (404, no platform calls), settings never from the
credentials file, and the Twilio signature checked against the URL the server
sees when no PUBLIC_BASE_URL is set."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from twilio.request_validator import RequestValidator

from channels.facebook import SecureFacebookInput
from channels.slack import SecureSlackInput
from channels.telegram import SecureTelegramInput
from channels.twilio import SecureTwilioInput
from messaging.platforms import StandIn, quiet, start_stand_ins

CHANNELS = [SecureTelegramInput, SecureTwilioInput, SecureFacebookInput, SecureSlackInput]
ALL_VARIABLES = [
    "PUBLIC_BASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_URL",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_URL", "FACEBOOK_PAGE_ACCESS_TOKEN",
    "FACEBOOK_APP_SECRET", "FACEBOOK_VERIFY_TOKEN", "FACEBOOK_GRAPH_API_URL",
    "FACEBOOK_GRAPH_API_VERSION", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
]  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def apis() -> Iterator[dict[str, StandIn]]:
    stand_ins = start_stand_ins()
    yield stand_ins
    for stand_in in stand_ins.values():
        stand_in.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(channels: list[Any], on_new_message: Any) -> Iterator[str]:
    """The channels on a real Sanic server in a thread; yields its base URL."""
    Sanic.test_mode = True  # lets several apps start in one process (as sanic-testing does)
    app = Sanic(f"channels_{uuid.uuid4().hex}")
    app.ctx.agent = SimpleNamespace(handle_message=on_new_message)  # where Rasa's agent goes
    register(channels, app, route="/webhooks/")
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


async def never_called(message: UserMessage) -> None:
    raise AssertionError("a disabled channel passed a message on")


def test_without_variables_every_channel_is_off(clean_env, apis, caplog) -> None:
    caplog.set_level(logging.INFO)
    channels = [channel.from_credentials(None) for channel in CHANNELS]
    assert not any(channel.enabled for channel in channels)
    with serving(channels, never_called) as url:
        for name in ("telegram", "twilio", "facebook", "slack"):
            assert requests.post(f"{url}/webhooks/{name}/webhook", data=b"{}").status_code == 404
            assert requests.get(f"{url}/webhooks/{name}/").status_code == 404
        quiet()
    assert all(stand_in.recorded() == [] for stand_in in apis.values())  # no setWebhook
    assert "telegram channel not configured" in caplog.text


def test_a_half_configured_channel_stays_off_and_says_what_is_missing(clean_env, caplog) -> None:
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-half")
    assert not SecureSlackInput.from_credentials(None).enabled
    assert "slack channel disabled: SLACK_SIGNING_SECRET not set" in caplog.text
    assert "xoxb-half" not in caplog.text


def test_secrets_in_the_credentials_file_are_ignored(clean_env, caplog) -> None:
    channel = SecureTelegramInput.from_credentials({"access_token": "123:in-the-repo"})
    assert not channel.enabled
    assert "settings in the credentials file are ignored" in caplog.text


def test_an_insecure_api_url_keeps_the_channel_off(clean_env, caplog) -> None:
    clean_env.setenv("TELEGRAM_BOT_TOKEN", "1:t")
    clean_env.setenv("TELEGRAM_WEBHOOK_SECRET", "s")
    clean_env.setenv("TELEGRAM_API_URL", "http://api.example.org")
    assert not SecureTelegramInput.from_credentials(None).enabled
    assert "TELEGRAM_API_URL must be an https:// URL" in caplog.text


def test_without_public_base_url_twilio_checks_the_url_it_was_called_at(clean_env, apis) -> None:
    clean_env.setenv("TWILIO_ACCOUNT_SID", "AC1")
    clean_env.setenv("TWILIO_AUTH_TOKEN", "token")
    clean_env.setenv("TWILIO_API_URL", apis["twilio"].url)
    received: list[str] = []

    async def bot(message: UserMessage) -> None:
        received.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "hello")

    with serving([SecureTwilioInput.from_credentials(None)], bot) as url:
        webhook = f"{url}/webhooks/twilio/webhook"
        form = {"MessageSid": "SM1", "From": "+15551112222", "To": "+15553334444", "Body": "hi"}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}

        def post(signed_url: str) -> int:
            signature = RequestValidator("token").compute_signature(signed_url, form)
            return requests.post(
                webhook, data=urlencode(form), headers={**headers, "X-Twilio-Signature": signature}
            ).status_code

        assert post("https://clinic.example.org/webhooks/twilio/webhook") == 403
        assert post(webhook) == 200
    assert received == ["hi"]
    [sent] = apis["twilio"].recorded(lambda r: r.form()["To"] == "+15551112222")
    assert sent.form() == {"To": "+15551112222", "From": "+15553334444", "Body": "hello"}
