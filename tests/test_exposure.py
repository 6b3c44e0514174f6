"""Exposure: every server listens on 127.0.0.1 only, the action server answers
only callers with the shared secret, and conversations are private to the
service's user (umask 077, var/ 0700, the SQLite file 0600)."""

from __future__ import annotations

import contextlib
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import requests
from assistant_server import PROJECT, RunningAssistant, assistant_running

TOKEN = f"test-token-{uuid.uuid4().hex}"
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


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """The assistant with a secret the test knows."""
    workdir = tmp_path_factory.mktemp("exposure")
    with assistant_running(workdir, extra_env={"ACTION_SERVER_TOKEN": TOKEN}) as running:
        yield running


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}],
    ids=["none", "wrong", "no-bearer", "other-header"],
)
def test_the_action_server_refuses_calls_without_the_secret(
    guarded: RunningAssistant, headers: dict[str, str]
) -> None:
    call = action_call(f"test-{uuid.uuid4().hex}")
    webhook = requests.post(f"{guarded.action_url}/webhook", json=call, headers=headers, timeout=30)
    actions = requests.get(f"{guarded.action_url}/actions", headers=headers, timeout=30)
    assert (webhook.status_code, actions.status_code) == (401, 401)


def test_the_action_server_answers_calls_with_the_secret(guarded: RunningAssistant) -> None:
    reply = requests.post(
        f"{guarded.action_url}/webhook",
        json=action_call(f"test-{uuid.uuid4().hex}"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["responses"]
    assert requests.get(f"{guarded.action_url}/health", timeout=30).ok  # open to probes


@pytest.mark.parametrize("fixture", ["guarded", "assistant"], ids=["given", "generated"])
def test_the_assistant_reaches_its_action_server(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    """With the secret given, and with the one run.sh generates when it is not."""
    running: RunningAssistant = request.getfixturevalue(fixture)
    replies = running.say(f"test-{uuid.uuid4().hex}", SIDE_EFFECTS_QUESTION)
    assert SIDE_EFFECTS_ANSWER in " ".join(r.get("text", "") for r in replies).lower()


def test_the_secret_is_not_logged_or_written_or_on_a_command_line(
    guarded: RunningAssistant,
) -> None:
    assert TOKEN not in guarded.log()
    for url in (guarded.url, guarded.action_url):
        for conn in listening_sockets(port_of(url)):
            assert TOKEN not in " ".join(psutil.Process(conn.pid).cmdline())
    # run.sh's files (the endpoints copy Rasa reads holds a placeholder).
    for path in (PROJECT / "var").glob("run.*/*"):
        with contextlib.suppress(FileNotFoundError):  # another start's, removed meanwhile
            assert TOKEN not in path.read_text(errors="replace"), path


def test_every_server_listens_on_loopback_only(guarded: RunningAssistant) -> None:
    for url in (guarded.url, guarded.action_url, guarded.widget_url):
        sockets = listening_sockets(port_of(url))
        assert sockets, f"nothing listens on {url}"
        assert {conn.laddr.ip for conn in sockets} == {"127.0.0.1"}, url


def test_conversations_are_private_to_the_service_user(guarded: RunningAssistant) -> None:
    guarded.say(f"test-{uuid.uuid4().hex}", "what is igrt")
    database = guarded.log_file.parent / "trackers.db"  # where assistant_running puts it
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((PROJECT / "var").stat().st_mode) == 0o700
    for url in (guarded.url, guarded.action_url, guarded.widget_url):
        for conn in listening_sockets(port_of(url)):
            umask = Path(f"/proc/{conn.pid}/status").read_text().split("Umask:")[1].split()[0]
            assert umask == "0077", url
