"""`make run` from start to Ctrl-C and back: it purges idle conversations at
start, Ctrl-C stops every server, and a conversation goes on after the restart,
with the action-server secret that run.sh generates each time.

One workdir, started twice: the second start finds the first one's database.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from assistant_server import RunningAssistant, assistant_running, listening_pid
from rasa.core.tracker_store import SQLTrackerStore
from stored_conversations import events_per_sender, fill

PURGE_WAIT_SECONDS = 60


def texts(messages: list[dict]) -> str:
    return " ".join(message.get("text", "") for message in messages).lower()


@dataclass
class FirstRun:
    workdir: Path
    sender: str
    log: str
    # sender id -> (events stored before the start, kept by the purge)
    idle_conversations: dict[str, tuple[int, bool]]
    events_after_start: dict[str, int]
    servers: list[psutil.Process]
    exit_code: int | None


def wait_for_purge(assistant: RunningAssistant) -> None:
    deadline = time.monotonic() + PURGE_WAIT_SECONDS
    while "purge: deleted" not in assistant.log() and time.monotonic() < deadline:
        time.sleep(0.5)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """Started over a database holding old conversations, then stopped with Ctrl-C."""
    workdir = tmp_path_factory.mktemp("lifecycle")
    # assistant_running points Rasa (and so the purge) at workdir/trackers.db.
    store = SQLTrackerStore(dialect="sqlite", db=str(workdir / "trackers.db"))
    idle = fill(store)
    sender = f"test-{uuid.uuid4().hex}"
    with assistant_running(workdir) as running:
        wait_for_purge(running)
        events = events_per_sender(store.engine)
        running.say(sender, "my wife has cervical cancer")
        pids = [listening_pid(url) for url in (running.url, running.action_url, running.widget_url)]
        assert None not in pids, "a server of make run is not listening"
        servers = [psutil.Process(pid) for pid in pids]
        process = running.process
    # assistant_running has sent SIGINT to the process group, as Ctrl-C does.
    store.engine.dispose()
    return FirstRun(workdir, sender, running.log(), idle, events, servers, process.returncode)


def test_make_run_purges_idle_conversations_at_start(first_run: FirstRun) -> None:
    for sender, (stored, kept) in first_run.idle_conversations.items():
        assert first_run.events_after_start.get(sender, 0) == (stored if kept else 0)
    assert "purge: deleted 2 conversations" in first_run.log


def test_ctrl_c_stops_every_server(first_run: FirstRun) -> None:
    assert first_run.exit_code is not None
    _, alive = psutil.wait_procs(first_run.servers, timeout=30)
    assert not alive, f"still running: {[p.pid for p in alive]}"


def test_a_conversation_survives_a_restart(first_run: FirstRun) -> None:
    with assistant_running(first_run.workdir) as second:
        reply = texts(second.say(first_run.sender, "what side effects will she have?"))
    assert "not medical advice" not in reply, "a new session started: the tracker was lost"
    # Said by the action server: Rasa reached it with the secret run.sh generated.
    assert "bladder irritation" in reply
