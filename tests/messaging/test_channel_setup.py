"""How the channels are configured, on an in-process Sanic server (mounted by
Rasa's own `register`, as `rasa run` does, without loading a model): disabled
without their variables (404, no platform calls), settings never from the
credentials file, and the Twilio signature checked against the URL the server
sees when no PUBLIC_BASE_URL is set."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import requests
from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from channels.facebook import SecureFacebookInput
from channels.slack import SecureSlackInput
from channels.telegram import SecureTelegramInput
from channels.twilio import SecureTwilioInput
from messaging.in_process import serving
from messaging.platforms import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    StandIn,
    channel_env,
    quiet,
    start_stand_ins,
)

CHANNELS = [SecureTelegramInput, SecureTwilioInput, SecureFacebookInput, SecureSlackInput]
ALL_VARIABLES = [
    "PUBLIC_BASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_URL",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_URL", "FACEBOOK_PAGE_ACCESS_TOKEN",
    "FACEBOOK_APP_SECRET", "FACEBOOK_VERIFY_TOKEN", "FACEBOOK_GRAPH_API_URL",
    "FACEBOOK_GRAPH_API_VERSION", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
    "CHANNELS_REDIS_URL", "CHANNELS_REDIS_PREFIX",
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


async def never_called(message: UserMessage) -> None:
    raise AssertionError("a disabled channel passed a message on")


def test_without_variables_every_channel_is_off(clean_env, caplog) -> None:
    caplog.set_level(logging.INFO)
    channels = [channel.from_credentials(None) for channel in CHANNELS]
    assert not any(channel.enabled for channel in channels)
    with serving(channels, never_called) as url:
        for name in ("telegram", "twilio", "facebook", "slack"):
            assert requests.post(f"{url}/webhooks/{name}/webhook", data=b"{}").status_code == 404
            assert requests.get(f"{url}/webhooks/{name}/").status_code == 404
    assert "telegram channel not configured" in caplog.text


def test_a_channel_without_its_token_calls_nothing(clean_env, apis, caplog) -> None:
    # Everything Telegram needs to register its webhook, pointed at the
    # stand-in, except the bot token: a setWebhook call would be recorded.
    clean_env.setenv("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
    clean_env.setenv("TELEGRAM_API_URL", apis["telegram"].url)
    clean_env.setenv("PUBLIC_BASE_URL", apis["telegram"].url)
    channel = SecureTelegramInput.from_credentials(None)
    assert not channel.enabled
    assert "telegram channel disabled: TELEGRAM_BOT_TOKEN not set" in caplog.text
    with serving([channel], never_called) as url:
        assert requests.post(f"{url}/webhooks/telegram/webhook", data=b"{}").status_code == 404
        quiet()
    assert apis["telegram"].recorded() == []

    # The same settings with the token: the call is made, and recorded.
    clean_env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    with serving([SecureTelegramInput.from_credentials(None)], never_called):
        [call] = apis["telegram"].wait_for(lambda r: r.path.endswith("/setWebhook"))
    assert call.json()["url"] == f"{apis['telegram'].url}/webhooks/telegram/webhook"


def test_a_half_configured_channel_stays_off_and_says_what_is_missing(clean_env, caplog) -> None:
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-half")
    assert not SecureSlackInput.from_credentials(None).enabled
    assert "slack channel disabled: SLACK_SIGNING_SECRET not set" in caplog.text
    assert "xoxb-half" not in caplog.text


# Complete settings of each channel, under Rasa's names and under ours.
CREDENTIALS_FILE_SETTINGS = {
    "access_token": "123:in-the-repo", "verify": "bot", "webhook_url": "https://x.example",
    "account_sid": "AC1", "auth_token": "t", "twilio_number": "+1555",
    "secret": "s", "page-access-token": "p", "slack_token": "xoxb-1",
    "slack_signing_secret": "s", "slack_channel": "C1",
    **{name: f"{name.lower()}-value" for name in ALL_VARIABLES if not name.endswith("_URL")},
    **{name.lower(): f"{name.lower()}-value" for name in ALL_VARIABLES},
}  # fmt: skip


@pytest.mark.parametrize("channel", CHANNELS)
def test_secrets_in_the_credentials_file_are_ignored(clean_env, caplog, channel) -> None:
    assert not channel.from_credentials(CREDENTIALS_FILE_SETTINGS).enabled
    assert "settings in the credentials file are ignored" in caplog.text
    # The same values from the environment do switch it on.
    for name in channel.settings_class.required_env():
        clean_env.setenv(name, CREDENTIALS_FILE_SETTINGS[name])
    assert channel.from_credentials(None).enabled


def enable_all(env: pytest.MonkeyPatch) -> None:
    apis = {name: SimpleNamespace(url=f"https://{name}.example") for name in
            ("telegram", "twilio", "facebook", "slack")}  # fmt: skip
    for name, value in channel_env(apis).items():
        env.setenv(name, value)


def test_public_base_url_must_be_https(clean_env, caplog) -> None:
    enable_all(clean_env)
    assert all(channel.from_credentials(None).enabled for channel in CHANNELS)
    for insecure in ("http://clinic.example.org", "http://clinic.example.org:443/assistant"):
        clean_env.setenv("PUBLIC_BASE_URL", insecure)
        assert not any(channel.from_credentials(None).enabled for channel in CHANNELS)
    assert "PUBLIC_BASE_URL must be an https:// URL" in caplog.text
    clean_env.setenv("PUBLIC_BASE_URL", "http://localhost:5005")  # a local test set-up
    assert all(channel.from_credentials(None).enabled for channel in CHANNELS)


@pytest.mark.parametrize("version", ["21.0", "v21", "v21.0/../../x", "latest"])
def test_the_graph_api_version_must_look_like_one(clean_env, caplog, version) -> None:
    enable_all(clean_env)
    clean_env.setenv("FACEBOOK_GRAPH_API_VERSION", version)
    assert not SecureFacebookInput.from_credentials(None).enabled
    assert "FACEBOOK_GRAPH_API_VERSION must be a Graph API version" in caplog.text
    clean_env.setenv("FACEBOOK_GRAPH_API_VERSION", "v22.0")
    assert SecureFacebookInput.from_credentials(None).enabled


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

    channel = SecureTwilioInput.from_credentials(None)
    with serving([channel], bot) as url:
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
        [sent] = apis["twilio"].wait_for(lambda r: r.form()["To"] == "+15551112222")
        assert channel.api.is_open  # one session for the channel's calls ...
    assert not channel.api.is_open  # ... closed when the server stopped
    assert received == ["hi"]
    assert sent.form() == {"To": "+15551112222", "From": "+15553334444", "Body": "hello"}
