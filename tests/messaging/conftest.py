"""One real assistant (Rasa and action servers, scripts/run.sh) with all four
messaging channels enabled, shared by every messaging end-to-end test, and
the stand-ins of the four platform APIs it talks to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from assistant_server import PROJECT, RunningAssistant, assistant_running

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
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MessagingApps]:
    stand_ins = start_stand_ins()
    try:
        # The project's own credentials.yml: the channels take their settings
        # from the environment, as in production.
        with assistant_running(
            tmp_path_factory.mktemp("messaging"),
            credentials=PROJECT / "credentials.yml",
            extra_env=channel_env(stand_ins),
        ) as assistant:
            yield MessagingApps(
                assistant,
                stand_ins,
                Telegram(assistant.url, stand_ins["telegram"]),
                Twilio(assistant.url, stand_ins["twilio"]),
                Messenger(assistant.url, stand_ins["facebook"]),
                Slack(assistant.url, stand_ins["slack"]),
            )
    finally:
        for stand_in in stand_ins.values():
            stand_in.stop()
