"""Odd input that is signed as the platform signs it, on the in-process
channels (tests/messaging/conftest.py, `in_process`): nesting that exhausts
Python's recursion, lone surrogates in message text, ids no platform sends.
None gets a 5xx, none reaches the tracker store in a form that breaks it, and
the next normal message is answered."""

from __future__ import annotations

from typing import Any

import pytest

from messaging.in_process import InProcessApps
from messaging.platforms import unique_id

NESTED = "[" * 20_000 + "]" * 20_000
# Still past Python's recursion limit, and under 64 KB once URL-encoded.
NESTED_IN_FORM = "[" * 5_000 + "]" * 5_000


@pytest.mark.parametrize("platform", ["telegram", "facebook", "slack", "slack-form"])
def test_a_signed_body_nested_20000_levels_is_refused(
    in_process: InProcessApps, platform: str
) -> None:
    apps = in_process
    if platform == "telegram":
        reply = apps.telegram.post(None, raw=f'{{"update_id": 1, "x": {NESTED}}}'.encode())
    elif platform == "facebook":
        reply = apps.messenger.post(None, raw=f'{{"object": "page", "entry": {NESTED}}}'.encode())
    elif platform == "slack":
        reply = apps.slack.post(raw=f'{{"type": "event_callback", "event": {NESTED}}}'.encode())
    else:  # a button click: the JSON comes in a form field
        payload = f'{{"type": "block_actions", "x": {NESTED_IN_FORM}}}'
        reply = apps.slack.post(form={"payload": payload})
    assert reply.status_code == 400
    apps.still_answers(platform.removesuffix("-form"))


def say(apps: InProcessApps, platform: str, text: str) -> list[str]:
    """Sends text as a new patient and waits for the answer; all replies."""
    n = unique_id()
    if platform == "telegram":
        apps.telegram.post(apps.telegram.message_update(n, text))
        return [r.json()["text"] for r in apps.telegram.wait_for_text(n, "answer")]
    if platform == "facebook":
        psid = f"55{n}"
        apps.messenger.post(apps.messenger.delivery(apps.messenger.event(psid, {"text": text})))
        return [r.json()["message"]["text"] for r in apps.messenger.wait_for_text(psid, "answer")]
    channel = f"D{n}"
    apps.slack.post(apps.slack.dm_event(f"U{n}", channel, text))
    return [r.json()["text"] for r in apps.slack.wait_for_text(channel, "answer")]


@pytest.mark.parametrize("platform", ["telegram", "facebook", "slack"])
def test_lone_surrogates_are_dropped_from_the_message(
    in_process: InProcessApps, platform: str
) -> None:
    # json.dumps writes a lone surrogate as the escape "\udc80", as the probe did.
    assert say(in_process, platform, "what is\udc80 igrt\ud800") == ["answer: what is igrt"]
    assert in_process.bot.texts()[-1] == "what is igrt"


# Ids as JSON can carry them; a form (Twilio) carries strings only, and a
# lone surrogate there is bytes that are not UTF-8, refused as unsigned.
WEIRD_IDS: list[Any] = ["\udc80", "", "x" * 200, "has space", "nul\x00", 10**30, True, None]
WEIRD_FORM_IDS = ["", "x" * 200, "has space", "nul\x00", "caf\u00e9"]


def post_from(apps: InProcessApps, platform: str, weird: Any) -> int:
    """A normal question from a user whose platform id is weird; the status."""
    question = "what is igrt"
    if platform == "telegram":
        update = apps.telegram.message_update(1, question)
        update["message"]["chat"]["id"] = weird
        return apps.telegram.post(update).status_code
    if platform == "twilio":
        return apps.twilio.post(apps.twilio.message(weird, question)).status_code
    if platform == "facebook":
        event = apps.messenger.event(weird, {"text": question})
        return apps.messenger.post(apps.messenger.delivery(event)).status_code
    return apps.slack.post(apps.slack.dm_event(weird, f"D{unique_id()}", question)).status_code


@pytest.mark.parametrize(
    ("platform", "weird"),
    [(platform, weird) for platform in ("telegram", "facebook", "slack") for weird in WEIRD_IDS]
    + [("twilio", weird) for weird in WEIRD_FORM_IDS],
    ids=repr,
)
def test_a_weird_platform_id_is_ignored(
    in_process: InProcessApps, platform: str, weird: Any
) -> None:
    received = len(in_process.bot.received)
    assert post_from(in_process, platform, weird) < 500
    # A turn of the weird id would have begun before the turn of this later,
    # valid message, whose answer is awaited: no fixed wait is needed.
    in_process.still_answers(platform)
    assert len(in_process.bot.received) == received + 1, "a weird id started a conversation"
