"""The shared assistant (tests/conftest.py: Rasa and action servers,
scripts/run.sh) with all four messaging channels enabled, for every messaging
end-to-end test, and the stand-ins of the four platform APIs it talks to; and
the same five channels (REST too) in process, with a bot that stores what it
gets in Rasa's SQL tracker store, for the odd-input and fuzz tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
from assistant_server import RunningAssistant

from channels.facebook import SecureFacebookInput
from channels.rest import PatientRestInput
from channels.slack import SecureSlackInput
from channels.telegram import SecureTelegramInput
from channels.twilio import SecureTwilioInput
from messaging.in_process import InProcessApps, StoringBot, serving
from messaging.platforms import (
    Messenger,
    Slack,
    StandIn,
    Telegram,
    Twilio,
    channel_env,
    start_stand_ins,
)


@dataclass
class MessagingApps:
    assistant: RunningAssistant
    stand_ins: dict[str, StandIn]
    telegram: Telegram
    twilio: Twilio
    messenger: Messenger
    slack: Slack


@pytest.fixture(scope="session")
def apps(assistant: RunningAssistant, stand_ins: dict[str, StandIn]) -> MessagingApps:
    """The shared assistant (tests/conftest.py), whose four messaging channels
    take their settings from the environment, as in production."""
    return MessagingApps(
        assistant,
        stand_ins,
        Telegram(assistant.url, stand_ins["telegram"]),
        Twilio(assistant.url, stand_ins["twilio"]),
        Messenger(assistant.url, stand_ins["facebook"]),
        Slack(assistant.url, stand_ins["slack"]),
    )


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApps]:
    """REST and the four messaging channels on one in-process server."""
    stand_ins = start_stand_ins()
    messaging = [SecureTelegramInput, SecureTwilioInput, SecureFacebookInput, SecureSlackInput]
    try:
        with mock.patch.dict(os.environ, channel_env(stand_ins)):
            channels = [PatientRestInput(), *(c.from_credentials(None) for c in messaging)]
        bot = StoringBot(tmp_path_factory.mktemp("in-process") / "trackers.db")
        with serving(channels, bot) as url:
            yield InProcessApps(
                url,
                bot,
                Telegram(url, stand_ins["telegram"]),
                Twilio(url, stand_ins["twilio"]),
                Messenger(url, stand_ins["facebook"]),
                Slack(url, stand_ins["slack"]),
            )
    finally:
        for stand_in in stand_ins.values():
            stand_in.stop()
