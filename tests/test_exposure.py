"""Exposure: every server listens on 127.0.0.1 only, the action server answers
only callers with the shared secret, and conversations are private to the
service's user (umask 077, var/ 0700, the SQLite file 0600).

Checked on the shared assistant, started with a secret these tests know."""

from __future__ import annotations

import contextlib
import stat
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import requests
from assistant_server import PROJECT, RunningAssistant
from assistant_server import SHARED_ACTION_SERVER_TOKEN as TOKEN

SIDE_EFFECTS_QUESTION = "I have prostate cancer, what side effects will I have?"
# Only action_side_effects_by_body_site says the pelvis row of the table.
SIDE_EFFECTS_ANSWER = "bladder irritation"


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


def listening_sockets(port: int) -> list[psutil._common.sconn]:
    return [
        conn
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    ]


def action_call(sender: str) -> dict:
    """What Rasa posts to the action server's /webhook."""
    return {
        "next_action": "action_side_effects_by_body_site",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"body_site": None},
            "latest_message": {
                "text": SIDE_EFFECTS_QUESTION,
                "intent": {"name": "ask_side_effects"},
                "entities": [{"entity": "body_site", "value": "prostate"}],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}],
    ids=["none", "wrong", "no-bearer", "other-header"],
)
def test_the_action_server_refuses_calls_without_the_secret(
    assistant: RunningAssistant, headers: dict[str, str]
) -> None:
    call = action_call(f"test-{uuid.uuid4().hex}")
    webhook = requests.post(
        f"{assistant.action_url}/webhook", json=call, headers=headers, timeout=30
    )
    actions = requests.get(f"{assistant.action_url}/actions", headers=headers, timeout=30)
    assert (webhook.status_code, actions.status_code) == (401, 401)


def test_the_action_server_answers_calls_with_the_secret(assistant: RunningAssistant) -> None:
    reply = requests.post(
        f"{assistant.action_url}/webhook",
        json=action_call(f"test-{uuid.uuid4().hex}"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["responses"]
    assert requests.get(f"{assistant.action_url}/health", timeout=30).ok  # open to probes


def test_the_assistant_reaches_its_action_server(assistant: RunningAssistant) -> None:
    """With the secret given (the secret run.sh generates: tests/test_lifecycle.py)."""
    replies = assistant.say(f"test-{uuid.uuid4().hex}", SIDE_EFFECTS_QUESTION)
    assert SIDE_EFFECTS_ANSWER in " ".join(r.get("text", "") for r in replies).lower()


def test_the_secret_is_not_logged_or_written_or_on_a_command_line(
    assistant: RunningAssistant,
) -> None:
    assert TOKEN not in assistant.log()
    for url in (assistant.url, assistant.action_url):
        for conn in listening_sockets(port_of(url)):
            assert TOKEN not in " ".join(psutil.Process(conn.pid).cmdline())
    # run.sh's files (the endpoints copy Rasa reads holds a placeholder).
    for path in (PROJECT / "var").glob("run.*/*"):
        with contextlib.suppress(FileNotFoundError):  # another start's, removed meanwhile
            assert TOKEN not in path.read_text(errors="replace"), path


def test_every_server_listens_on_loopback_only(assistant: RunningAssistant) -> None:
    for url in (assistant.url, assistant.action_url, assistant.widget_url):
        sockets = listening_sockets(port_of(url))
        assert sockets, f"nothing listens on {url}"
        assert {conn.laddr.ip for conn in sockets} == {"127.0.0.1"}, url


def test_conversations_are_private_to_the_service_user(assistant: RunningAssistant) -> None:
    assistant.say(f"test-{uuid.uuid4().hex}", "what is igrt")
    database = assistant.log_file.parent / "trackers.db"  # where assistant_running puts it
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((PROJECT / "var").stat().st_mode) == 0o700
    for url in (assistant.url, assistant.action_url, assistant.widget_url):
        for conn in listening_sockets(port_of(url)):
            umask = Path(f"/proc/{conn.pid}/status").read_text().split("Umask:")[1].split()[0]
            assert umask == "0077", url
