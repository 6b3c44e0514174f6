"""Supervision: a server of `make run` that dies is started again (supervisord),
the others go on, and Rasa answers throughout (Ctrl-C: tests/test_lifecycle.py).

The shared assistant is used: each test waits until the killed server is back."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable

import pytest
import requests
from assistant_server import RunningAssistant, listening_pid

RESTART_TIMEOUT_SECONDS = 60
SIDE_EFFECTS_QUESTION = "I have prostate cancer, what side effects will I have?"
SIDE_EFFECTS_ANSWER = "bladder irritation"  # said by the action server only


def answer(assistant: RunningAssistant, text: str) -> str:
    replies = assistant.say(f"test-{uuid.uuid4().hex}", text)
    return " ".join(reply.get("text", "") for reply in replies).lower()


def is_up(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False


def kill_and_await_restart(assistant: RunningAssistant, url: str, health: str) -> int:
    """SIGKILLs the server behind url, asks Rasa a question every half second
    until a new process serves health again, and returns how many it answered."""
    old_pid = listening_pid(url)
    assert old_pid is not None, f"nothing listens on {url}"
    os.kill(old_pid, signal.SIGKILL)
    answered = 0
    deadline = time.monotonic() + RESTART_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert "type of radiation therapy" in answer(assistant, "what is igrt")
        answered += 1
        new_pid = listening_pid(url)
        if new_pid not in (None, old_pid) and is_up(health):
            return answered
        time.sleep(0.5)
    raise AssertionError(f"{url} was not started again in {RESTART_TIMEOUT_SECONDS}s")


@pytest.mark.parametrize(
    ("server", "url_of", "health_of"),
    [
        ("actions", lambda a: a.action_url, lambda a: f"{a.action_url}/health"),
        ("widget", lambda a: a.widget_url, lambda a: a.widget_url),
    ],
    ids=["actions", "widget"],
)
def test_a_killed_server_is_started_again_and_rasa_answers_throughout(
    assistant: RunningAssistant,
    server: str,
    url_of: Callable[[RunningAssistant], str],
    health_of: Callable[[RunningAssistant], str],
) -> None:
    rasa_pid = listening_pid(assistant.url)

    answered = kill_and_await_restart(assistant, url_of(assistant), health_of(assistant))

    assert answered >= 1
    assert listening_pid(assistant.url) == rasa_pid, "Rasa was restarted too"
    assert SIDE_EFFECTS_ANSWER in answer(assistant, SIDE_EFFECTS_QUESTION)
    # The supervisor says which server stopped and why.
    assert f"exited: {server} (terminated by SIGKILL" in assistant.log()
