"""Generated webhook bodies for every channel (REST, Telegram, Twilio,
Messenger, Slack), signed as each platform signs them, on the in-process
channels (tests/messaging/conftest.py, `in_process`, whose bot stores every
message in Rasa's SQL tracker store).

Two runs per channel, each of BODIES_PER_CHANNEL bodies:
- messages: the platform's own message shape, from a new patient each, with
  any text (lone surrogates, control characters, emoji, over-long...); most
  of them reach the bot, and none may break the tracker store;
- bodies: anything at all: the shape with odd values in any field (wrong
  types, huge integers, nested values), arbitrary JSON, an object nested
  deeper than Python's recursion, raw bytes, other content types.
No body may get a 5xx, and afterwards a normal message is still answered.
Hypothesis generates the bodies; `derandomize` makes every run generate the
same ones, so a failure is reproducible and CI is not flaky.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.in_process import InProcessApps
from messaging.platforms import Messenger, Slack, Telegram, Twilio, unique_id

PLATFORMS = ["rest", "telegram", "twilio", "facebook", "slack"]
BODIES_PER_CHANNEL = 200
FUZZ = settings(
    max_examples=BODIES_PER_CHANNEL,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

# --- values --------------------------------------------------------------------------------

# Any character, lone UTF-16 surrogates included (JSON carries them as "\udc80").
any_char = st.characters() | st.characters(categories=["Cs"])
any_text = st.text(any_char, max_size=30) | st.sampled_from(
    ["what is igrt", "/greet", "/start", "1", "STOP", "", " ", "\udc80", "x" * 2001]
)
# Form values (Twilio) are URL-encoded UTF-8: no surrogates.
utf8_char = st.characters(codec="utf-8")
form_text = st.text(utf8_char, max_size=30) | st.sampled_from(["1", "STOP", "", " "])
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30, max_value=10**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=10,
)
any_value = json_values | any_text
phone = st.from_regex(r"(whatsapp:)?\+1555[0-9]{7}", fullmatch=True)


def shape(required: dict[str, Any], **optional: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required, optional=optional)


def dumped(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(json.dumps).map(str.encode)


def anything_else(raw: st.SearchStrategy[bytes] | None = None) -> st.SearchStrategy[bytes]:
    """Any JSON, an object nested deeper than Python's recursion, raw bytes."""
    deep = st.integers(min_value=33, max_value=25_000).map(lambda n: "[" * n + "]" * n)
    return (
        dumped(json_values)
        | deep.map(lambda nested: f'{{"x": {nested}}}'.encode())
        | (raw or st.binary(max_size=100))
    )


# --- messages: each platform's envelope, any text -------------------------------------------


# A new patient for each message, so the turns run side by side (one
# conversation's turns run one after the other).
def new_chat() -> int:
    return unique_id()


def new_user() -> str:
    return f"U{unique_id()}"


messages = {
    "rest": any_text.map(
        lambda text: (
            json.dumps({"sender": str(uuid.uuid4()), "message": text}).encode(),
            "application/json",
        )
    ),
    "telegram": dumped(
        any_text.map(lambda text: Telegram.message_update(new_chat(), text))
        | any_text.map(lambda data: Telegram.button_update(new_chat(), data))
    ),
    "twilio": st.tuples(st.sampled_from(["", "whatsapp:"]), form_text).map(
        lambda drawn: Twilio.message(f"{drawn[0]}+1555{unique_id() % 10**7:07d}", drawn[1])
    ),
    "facebook": dumped(
        any_text.map(lambda text: Messenger.delivery(Messenger.event(new_user(), {"text": text})))
    ),
    "slack": any_text.map(
        lambda text: {"raw": json.dumps(Slack.dm_event(new_user(), "D1", text)).encode()}
    )
    | any_text.map(
        lambda value: {"form": {"payload": json.dumps(Slack.click(new_user(), "D1", value))}}
    ),
}

# --- bodies: anything at all ---------------------------------------------------------------------

chat = shape({}, id=any_value | st.integers(), type=st.just("private") | any_text)
slack_event = shape(
    {"type": st.sampled_from(["message", "app_mention"]) | any_value},
    channel_type=st.just("im") | any_value,
    user=any_value,
    channel=any_value,
    text=any_value,
    subtype=any_value,
    thread_ts=any_value,
    files=any_value,
    client_msg_id=any_value,
)
bodies = {
    "rest": st.tuples(
        dumped(
            shape(
                {"sender": st.uuids().map(str) | any_value, "message": any_value},
                metadata=any_value,
            )
        )
        | anything_else(),
        st.sampled_from(
            ["application/json", "text/plain", "", "application/x-www-form-urlencoded"]
        ),
    ),
    "telegram": dumped(
        shape(
            {"update_id": st.integers(min_value=0) | any_value},
            message=shape({}, chat=chat, text=any_value, **{"from": any_value}),
            callback_query=shape({}, id=any_value, data=any_value, message=shape({}, chat=chat)),
        )
    )
    | anything_else(),
    "twilio": shape(
        {"MessageSid": form_text, "From": phone | form_text, "To": form_text},
        Body=form_text,
        NumMedia=form_text,
        SmsStatus=form_text,
        Latitude=form_text,
        Longitude=form_text,
    )
    | st.dictionaries(form_text, form_text, max_size=5),
    "facebook": dumped(
        shape(
            {"object": st.just("page") | any_value, "entry": any_value},
        )
        | shape(
            {
                "object": st.just("page"),
                "entry": st.lists(
                    shape(
                        {},
                        messaging=st.lists(
                            shape(
                                {},
                                sender=shape({}, id=any_value),
                                timestamp=any_value,
                                message=shape(
                                    {},
                                    mid=any_value,
                                    text=any_value,
                                    is_echo=any_value,
                                    quick_reply=shape({}, payload=any_value),
                                    attachments=any_value,
                                ),
                                postback=shape({}, payload=any_value, mid=any_value),
                            ),
                            max_size=3,
                        ),
                    ),
                    max_size=3,
                ),
            }
        )
    )
    | anything_else(),
    "slack": (
        dumped(
            shape(
                {"type": st.sampled_from(["event_callback", "url_verification"]) | any_value},
                event=slack_event | any_value,
                event_id=any_value,
                team_id=any_value,
                challenge=any_value,
            )
        )
        # slack_sdk, which signs the test requests, signs UTF-8 text only.
        | anything_else(raw=st.text(utf8_char, max_size=100).map(str.encode))
    ).map(lambda raw: {"raw": raw})
    | shape(
        {"type": st.just("block_actions") | any_value},
        actions=st.lists(shape({"type": st.just("button")}, value=any_value), max_size=2)
        | any_value,
        user=shape({}, id=any_value) | any_value,
        channel=shape({}, id=any_value) | any_value,
        team=any_value,
        message=any_value,
    ).map(lambda click: {"form": {"payload": json.dumps(click)}}),
}


# --- the runs ---------------------------------------------------------------------------------


def poster(apps: InProcessApps, platform: str) -> Callable[[Any], requests.Response]:
    """Sends one generated body as the platform would (signed), or as a browser."""

    def rest(drawn: tuple[bytes, str]) -> requests.Response:
        body, content_type = drawn
        headers = {"Content-Type": content_type} if content_type else {}
        reply = requests.post(apps.rest_webhook, data=body, headers=headers, timeout=10)
        if reply.status_code == 200:  # in the format the widget reads
            assert all(isinstance(message.get("text"), str) for message in reply.json())
        return reply

    return {
        "rest": rest,
        "telegram": lambda raw: apps.telegram.post(None, raw=raw),
        "twilio": apps.twilio.post,
        "facebook": lambda raw: apps.messenger.post(None, raw=raw),
        "slack": lambda drawn: apps.slack.post(**drawn),
    }[platform]


def fuzz(strategy: st.SearchStrategy[Any], post: Callable[[Any], requests.Response]) -> int:
    """Posts BODIES_PER_CHANNEL generated bodies, failing at the first 5xx;
    how many were posted."""
    posted: list[int] = []

    @FUZZ
    @given(strategy)
    def no_server_error(body: Any) -> None:
        status = post(body).status_code
        posted.append(status)
        assert status < 500

    no_server_error()
    return len(posted)


def wait_for_turns(apps: InProcessApps, count: int, timeout: float = 20) -> int:
    """How many messages the bot received, once at least count (the messaging
    channels answer in the background) or at the timeout."""
    deadline = time.monotonic() + timeout
    while len(apps.bot.received) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(apps.bot.received)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_any_message_text_reaches_the_tracker_store_safely(
    in_process: InProcessApps, platform: str
) -> None:
    before = len(in_process.bot.received)
    assert fuzz(messages[platform], poster(in_process, platform)) >= BODIES_PER_CHANNEL
    # Most reach the bot: all but the empty, over-long and SMS keyword ones.
    reached = wait_for_turns(in_process, before + BODIES_PER_CHANNEL // 2) - before
    assert reached >= BODIES_PER_CHANNEL // 2
    in_process.still_answers(platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_any_body_gets_no_server_error(in_process: InProcessApps, platform: str) -> None:
    assert fuzz(bodies[platform], poster(in_process, platform)) >= BODIES_PER_CHANNEL
    in_process.still_answers(platform)
