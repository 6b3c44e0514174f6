"""A retried message is not a second turn, under `make run` too (one process,
the reply cache in memory): the real servers, the real SQLite store."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
import requests
from assistant_server import SHARED_SENDER_ID_KEY as KEY
from assistant_server import RunningAssistant

from channels.rest import pseudonym
from stores.reply_cache import message_key

pytestmark = pytest.mark.servers


@pytest.fixture
def running(assistant: RunningAssistant) -> RunningAssistant:
    """The shared assistant (tests/conftest.py), whose pseudonym key is known."""
    return assistant


def post(assistant: RunningAssistant, sender: str, text: str, message_id: str) -> requests.Response:
    body = {"sender": sender, "message": text, "message_id": message_id}
    return requests.post(assistant.webhook, json=body, timeout=60)


def user_events(assistant: RunningAssistant, sender: str) -> list[str]:
    database = Path(assistant.log_file).parent / "trackers.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (pseudonym(KEY, sender),),
        ).fetchall()
    return [row[0] for row in rows]


def test_same_message_id_same_replies_one_turn(running: RunningAssistant) -> None:
    sender, message_id = uuid.uuid4().hex, uuid.uuid4().hex
    first = post(running, sender, "what is igrt", message_id)
    again = post(running, sender, "what is igrt", message_id)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()
    stored = user_events(running, sender)
    assert len(stored) == 1
    assert message_key(KEY, sender, message_id) in stored[0]


def test_a_new_message_id_is_a_new_turn(running: RunningAssistant) -> None:
    sender = uuid.uuid4().hex
    post(running, sender, "what is igrt", uuid.uuid4().hex)
    post(running, sender, "what is igrt", uuid.uuid4().hex)
    assert len(user_events(running, sender)) == 2


def test_the_id_is_per_sender(running: RunningAssistant) -> None:
    message_id = uuid.uuid4().hex
    one, other = uuid.uuid4().hex, uuid.uuid4().hex
    post(running, one, "what is igrt", message_id)
    reply = post(running, other, "what is igrt", message_id)
    assert reply.json()[0]["recipient_id"] == other
    assert len(user_events(running, other)) == 1


@pytest.mark.parametrize("bad", ["short", "has spaces in it", 12345678, "x" * 129])
def test_a_malformed_message_id_is_refused(running: RunningAssistant, bad: object) -> None:
    body = {"sender": uuid.uuid4().hex, "message": "hello", "message_id": bad}
    reply = requests.post(running.webhook, json=body, timeout=30)
    assert reply.status_code == 400
    assert "message_id" in reply.json()["error"]
