"""Database failures are loud (issue 7 §3).

Rasa wraps every tracker store in a fallback that, when the database fails,
logs the error (sender id, intent and stored event included) and carries on in
memory: health checks stay green, each message starts a new conversation, and
the turns are lost. With stores.sql.StrictSQLTrackerStore (endpoints.yml):
- Rasa does not start (exit 1, one clear log line) on a database it cannot
  open or write;
- at run time the patient is told the chat is temporarily unavailable (with
  911), GET /ready answers 503 naming "database", and the log says what failed
  without sender ids or message text; once the database is back, so is the
  conversation.
SQLite (the default) and PostgreSQL (127.0.0.1:5432, trust auth; skipped when
it is not running) both, with the real servers; the pieces in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import stat
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg2
import pytest
import requests
import sqlalchemy as sa
import yaml
from assistant_server import (
    MODEL,
    PROJECT,
    RunningAssistant,
    assistant_running,
    free_port,
    project_tracker_store,
    stop,
)
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import EndpointConfig

from channels import replies
from channels.messaging.output import MessagingOutput
from channels.messaging.turn import run_turn
from channels.server import Readiness, health_url
from stores.failsafe import primary_store, raise_store_errors, reraise
from stores.sql import StrictSQLTrackerStore
from stores.status import TrackerStoreUnavailable, database_status

STRICT = "stores.sql.StrictSQLTrackerStore"
UNAVAILABLE = "temporarily unavailable"
EMERGENCY = "In an emergency, call 911."
START_FAILURE_TIMEOUT_SECONDS = 120
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": os.environ.get("PGUSER", "postgres")}


def planted() -> str:
    """A string that must never reach a log."""
    return f"Zq{uuid.uuid4().hex[:12]}"


def new_sender() -> str:
    return f"dbtest-{uuid.uuid4().hex}"


def texts(messages: list[dict[str, Any]]) -> str:
    return " ".join(message.get("text", "") for message in messages)


# --- making a database unwritable ------------------------------------------------


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file cannot be opened for writing until the block ends: immutable
    (chattr +i) for root, which ignores permissions; mode 0444 for others.
    Skips the test where neither works (a file system without attributes)."""
    as_root = os.geteuid() == 0
    mode = path.stat().st_mode
    if as_root:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot make a file immutable here: {done.stderr.decode().strip()}")
    else:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(PermissionError):
            path.open("r+b").close()
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(mode)


# --- PostgreSQL ---------------------------------------------------------------------


def postgres_running() -> bool:
    try:
        psycopg2.connect(dbname="postgres", connect_timeout=3, **POSTGRES).close()
    except psycopg2.OperationalError:
        return False
    return True


needs_postgres = pytest.mark.skipif(
    not postgres_running(), reason="no PostgreSQL on 127.0.0.1:5432 (trust auth)"
)


def postgres_admin(statement: str) -> None:
    connection = psycopg2.connect(dbname="postgres", connect_timeout=5, **POSTGRES)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    name = f"igrt_test_{uuid.uuid4().hex[:12]}"
    postgres_admin(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def create_tables(database: str) -> None:
    """Rasa's events table, as the store creates it at start-up."""
    url = f"postgresql://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{database}"
    engine = sa.create_engine(url)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def postgres_store(port: int, database: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": STRICT,
        "dialect": "postgresql",
        "url": "127.0.0.1",  # Rasa passes a custom store's url as host
        "port": port,
        "db": database,
        "username": POSTGRES["user"],
        **extra,
    }


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copies bytes one way until either side closes (then closes both)."""
    while True:
        try:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
        except OSError:
            break
    for side in (source, target):
        with contextlib.suppress(OSError):
            side.shutdown(socket.SHUT_RDWR)


class Relay:
    """A TCP relay to PostgreSQL on a port of its own: closing it refuses new
    connections and cuts the open ones, as a database server going away does,
    without touching the shared PostgreSQL server."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target_port = target_port
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        if self._listener is not None:
            sockets.append(self._listener)
            self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # also wakes the blocked accept()
            sock.close()


# --- the servers ----------------------------------------------------------------------


def ready(assistant: RunningAssistant) -> requests.Response:
    return requests.get(f"{assistant.url}/ready", timeout=30)


def wait_for_ready_status(assistant: RunningAssistant, status: int) -> dict[str, Any]:
    """GET /ready until it answers status (its checks are reused for 1 s)."""
    deadline = time.monotonic() + 30
    while True:
        reply = ready(assistant)
        if reply.status_code == status or time.monotonic() > deadline:
            assert reply.status_code == status, reply.text
            return reply.json()
        time.sleep(0.5)


def assert_unavailable_reply(messages: list[dict[str, Any]]) -> None:
    last = messages[-1]["text"]
    assert UNAVAILABLE in last and EMERGENCY in last, messages


def assert_database_not_ready(assistant: RunningAssistant) -> None:
    body = wait_for_ready_status(assistant, 503)
    assert body["failed"] == ["database"], body
    assert body["checks"] == {"model": "ok", "database": "failing", "action_server": "ok"}


def assert_log_names_the_failure_only(assistant: RunningAssistant, *secrets: str) -> None:
    log = assistant.log()
    assert "the conversation database could not" in log
    assert "Falling back" not in log, "Rasa's fallback to memory was used"
    for secret in secrets:
        assert secret not in log


def run_rasa_until_exit(workdir: Path, tracker_store: dict[str, Any]) -> tuple[int | None, str]:
    """Starts `rasa run` (the Rasa server alone, as supervisord does) and waits
    until it exits: its exit code and log. None when it started serving."""
    endpoints, log_file = workdir / "endpoints.yml", workdir / "rasa.log"
    endpoints.write_text(yaml.safe_dump({"tracker_store": tracker_store}))
    port = free_port()
    command = [
        str(PROJECT / ".venv" / "bin" / "rasa"), "run", "--model", str(MODEL),
        "--interface", "127.0.0.1", "--port", str(port), "--endpoints", str(endpoints),
        "--credentials", str(PROJECT / "credentials.yml"),
    ]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + START_FAILURE_TIMEOUT_SECONDS
    try:
        while process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok:
                    return None, log_file.read_text(errors="replace")
            time.sleep(0.5)
        return process.poll(), log_file.read_text(errors="replace")
    finally:
        stop(process)


@pytest.fixture(scope="module")
def sqlite_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """The assistant as endpoints.yml configures it, its SQLite file in a temp folder."""
    workdir = tmp_path_factory.mktemp("sqlite")
    store = project_tracker_store(workdir)
    assert store["type"] == STRICT, "endpoints.yml must name the strict store"
    with assistant_running(workdir, tracker_store=store) as assistant:
        yield assistant


@pytest.fixture(scope="module")
def postgres_assistant(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningAssistant, Relay, str]]:
    """The assistant on a fresh PostgreSQL database, reached through a Relay."""
    if not postgres_running():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (trust auth)")
    relay = Relay(POSTGRES["port"])
    relay.open()
    try:
        with fresh_postgres_database() as database:
            store = postgres_store(relay.port, database)
            workdir = tmp_path_factory.mktemp("postgres")
            with assistant_running(workdir, tracker_store=store) as assistant:
                yield assistant, relay, database
    finally:
        relay.close()


# --- start-up -------------------------------------------------------------------------


def sqlite_in_missing_folder(workdir: Path) -> dict[str, Any]:
    return {"type": STRICT, "dialect": "sqlite", "db": str(workdir / "missing" / "trackers.db")}


def sqlite_in_file_that_is_not_a_folder(workdir: Path) -> dict[str, Any]:
    (workdir / "var").write_text("a file where the folder should be")
    return {"type": STRICT, "dialect": "sqlite", "db": str(workdir / "var" / "trackers.db")}


def postgres_refusing(_: Path) -> dict[str, Any]:
    return postgres_store(free_port(), "postgres", startup_attempts=2, startup_retry_seconds=0.5)


def postgres_missing_database(_: Path) -> dict[str, Any]:
    return postgres_store(POSTGRES["port"], f"missing_{uuid.uuid4().hex[:12]}", startup_attempts=1)


START_FAILURES = [
    (sqlite_in_missing_folder, "does not exist"),
    (sqlite_in_file_that_is_not_a_folder, "is not a folder"),
    pytest.param(postgres_refusing, "Connection refused", marks=needs_postgres),
    pytest.param(postgres_missing_database, "does not exist", marks=needs_postgres),
]


def test_rasa_does_not_start_on_a_database_it_cannot_open(tmp_path: Path) -> None:
    """One real `rasa run`: the store's refusal ends the process, exit code 1.
    The other causes are the same refusal, checked in process below."""
    code, log = run_rasa_until_exit(tmp_path, sqlite_in_missing_folder(tmp_path))
    assert code is not None, f"Rasa started serving without its database:\n{log[-3000:]}"
    assert code != 0
    line = next(line for line in log.splitlines() if "Cannot start:" in line)
    assert "the conversation database could not" in line and "does not exist" in line, line


def refusal_logged_by_the_store(settings: dict[str, Any], caplog: pytest.LogCaptureFixture) -> str:
    """Builds the store as Rasa does from endpoints.yml (`url` as host) and
    returns the line it logs when it refuses to start."""
    options = {k: v for k, v in settings.items() if k not in {"type", "url"}}
    with (
        caplog.at_level(logging.ERROR, logger="stores.sql"),
        pytest.raises(TrackerStoreUnavailable),
    ):
        StrictSQLTrackerStore(host=settings.get("url"), **options)
    return next(r.getMessage() for r in caplog.records if "Cannot start:" in r.getMessage())


@pytest.mark.parametrize(("settings", "cause"), START_FAILURES)
def test_the_store_refuses_a_database_it_cannot_open(
    tmp_path: Path, settings: Any, cause: str, caplog: pytest.LogCaptureFixture
) -> None:
    line = refusal_logged_by_the_store(settings(tmp_path), caplog)
    assert "the conversation database could not" in line and cause in line, line


def test_the_store_refuses_a_database_it_cannot_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "trackers.db"
    SQLTrackerStore(dialect="sqlite", db=str(database))  # tables made, file closed
    with read_only(database):
        line = refusal_logged_by_the_store({"dialect": "sqlite", "db": str(database)}, caplog)
    assert "the conversation database could not write a test row" in line
    assert "attempt to write a readonly database" in line


# --- at run time: SQLite ---------------------------------------------------------------


def test_ready_when_the_database_and_the_action_server_work(
    sqlite_assistant: RunningAssistant,
) -> None:
    reply = ready(sqlite_assistant)
    assert reply.status_code == 200
    assert reply.json() == {
        "status": "ready",
        "failed": [],
        "checks": {"model": "ok", "database": "ok", "action_server": "ok"},
    }
    # Liveness stays as it was, apart from readiness.
    assert requests.get(f"{sqlite_assistant.url}/webhooks/rest/", timeout=30).ok


def sqlite_file(assistant: RunningAssistant) -> Path:
    return Path(project_tracker_store(assistant.log_file.parent)["db"])


def test_a_read_only_database_is_reported_and_the_conversation_resumes(
    sqlite_assistant: RunningAssistant,
) -> None:
    database = sqlite_file(sqlite_assistant)
    sender, secret = f"Plant{planted()}", planted()
    assert "type of radiation therapy" in texts(sqlite_assistant.say(sender, "what is igrt"))
    with read_only(database):
        # A new conversation cannot even start; a going one cannot be saved.
        assert_unavailable_reply(sqlite_assistant.say(new_sender(), f"my name is {secret}"))
        assert_unavailable_reply(sqlite_assistant.say(sender, f"my name is {secret}"))
        assert_database_not_ready(sqlite_assistant)
    wait_for_ready_status(sqlite_assistant, 200)
    reply = texts(sqlite_assistant.say(sender, "what side effects will I have?"))
    assert "not medical advice" not in reply, "a new session started: the conversation was lost"
    assert UNAVAILABLE not in reply
    assert_log_names_the_failure_only(sqlite_assistant, sender, secret)


def test_a_deleted_database_is_reported_until_it_is_restored(
    sqlite_assistant: RunningAssistant, tmp_path: Path
) -> None:
    database = sqlite_file(sqlite_assistant)
    sender, secret = f"Plant{planted()}", planted()
    assert "type of radiation therapy" in texts(sqlite_assistant.say(sender, "what is igrt"))
    backup = tmp_path / "trackers.db"
    shutil.move(database, backup)
    try:
        assert_unavailable_reply(sqlite_assistant.say(sender, f"{secret} what is imaging"))
        assert_database_not_ready(sqlite_assistant)
    finally:
        os.replace(backup, database)
    wait_for_ready_status(sqlite_assistant, 200)
    reply = texts(sqlite_assistant.say(sender, "what side effects will I have?"))
    assert "not medical advice" not in reply, "a new session started: the conversation was lost"
    assert_log_names_the_failure_only(sqlite_assistant, sender, secret)


# --- at run time: PostgreSQL -------------------------------------------------------


def test_postgres_refusing_connections_is_reported_and_the_conversation_resumes(
    postgres_assistant: tuple[RunningAssistant, Relay, str],
) -> None:
    assistant, relay, _ = postgres_assistant
    sender, secret = f"Plant{planted()}", planted()
    assert "type of radiation therapy" in texts(assistant.say(sender, "what is igrt"))
    wait_for_ready_status(assistant, 200)
    relay.close()
    try:
        assert_unavailable_reply(assistant.say(sender, f"{secret} what is imaging"))
        assert_unavailable_reply(assistant.say(new_sender(), f"{secret} hello"))
        assert_database_not_ready(assistant)
    finally:
        relay.open()
    wait_for_ready_status(assistant, 200)
    reply = texts(assistant.say(sender, "what side effects will I have?"))
    assert "not medical advice" not in reply, "a new session started: the conversation was lost"
    assert UNAVAILABLE not in reply
    assert_log_names_the_failure_only(assistant, sender, secret)


def test_a_dropped_postgres_database_is_reported(
    postgres_assistant: tuple[RunningAssistant, Relay, str],
) -> None:
    assistant, _, database = postgres_assistant
    sender, secret = f"Plant{planted()}", planted()
    assert "type of radiation therapy" in texts(assistant.say(sender, "what is igrt"))
    postgres_admin(f"DROP DATABASE {database} WITH (FORCE)")
    try:
        assert_unavailable_reply(assistant.say(sender, f"{secret} what is imaging"))
        assert_database_not_ready(assistant)
    finally:  # an empty database again, for the other tests of this server
        postgres_admin(f"CREATE DATABASE {database}")
        create_tables(database)
    wait_for_ready_status(assistant, 200)
    assert_log_names_the_failure_only(assistant, sender, secret)


# --- the pieces, in process -------------------------------------------------------------


@pytest.fixture
def clean_status() -> Iterator[None]:
    database_status.succeeded()
    yield
    database_status.succeeded()


def test_rasa_wraps_every_store_in_a_fallback_that_hides_failures(
    tmp_path: Path, clean_status: None
) -> None:
    """Today's behaviour, and what raise_store_errors relies on: Rasa's agent
    wraps the store in a FailSafeTrackerStore, which swallows the error unless
    its (private) callback raises."""
    store = StrictSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "trackers.db"))
    agent = SimpleNamespace(tracker_store=Agent._create_tracker_store(store, None))
    assert isinstance(agent.tracker_store, FailSafeTrackerStore)
    assert primary_store(agent) is store
    (tmp_path / "trackers.db").unlink()

    sender = "someone-0123456789"
    asyncio.run(agent.tracker_store.get_or_create_tracker(sender))  # no error
    in_memory = agent.tracker_store.fallback_tracker_store
    assert asyncio.run(in_memory.retrieve(sender)) is not None, "a new conversation, in memory"
    assert database_status.failing

    raise_store_errors(agent)
    assert agent.tracker_store._on_tracker_store_error is reraise
    with pytest.raises(TrackerStoreUnavailable, match="could not read a conversation"):
        asyncio.run(agent.tracker_store.retrieve(sender))
    with pytest.raises(TrackerStoreUnavailable, match="could not save a conversation"):
        asyncio.run(agent.tracker_store.save(store.init_tracker(sender)))


def test_store_failures_carry_no_sender_id_or_message_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, clean_status: None
) -> None:
    """SQLAlchemy's error quotes the INSERT's parameters (sender id, intent and
    the event with its text); neither the raised error nor any log line at
    INFO or above may."""
    caplog.set_level(logging.INFO)
    database = tmp_path / "trackers.db"
    store = StrictSQLTrackerStore(dialect="sqlite", db=str(database))
    agent = SimpleNamespace(tracker_store=Agent._create_tracker_store(store, None))
    raise_store_errors(agent)
    sender, text, intent = f"Plant{planted()}", planted(), planted()
    tracker = asyncio.run(agent.tracker_store.get_or_create_tracker(sender))
    tracker.update(UserUttered(text, intent={"name": intent, "confidence": 1.0}))
    with read_only(database), pytest.raises(TrackerStoreUnavailable) as raised:
        asyncio.run(agent.tracker_store.save(tracker))
    assert "attempt to write a readonly database" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    logged = caplog.text
    assert "could not save a conversation" in logged
    for secret in (sender, text, intent):
        assert secret not in str(raised.value) and secret not in logged


def test_the_failure_notice_says_unavailable_while_the_database_fails(
    clean_status: None,
) -> None:
    assert replies.failure() == (
        "Sorry, something went wrong on our side. Please try again in a moment. "
        "In an emergency, call 911."
    )
    database_status.failed(TrackerStoreUnavailable("read a conversation", "test"))
    assert (
        replies.failure()
        == replies.unavailable()
        == (
            "Sorry, this chat is temporarily unavailable. Please try again later. "
            "In an emergency, call 911."
        )
    )
    database_status.succeeded()
    assert UNAVAILABLE not in replies.failure()


class KeptOutput(MessagingOutput):
    channel = "test"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    async def deliver(self, text: str, extra: Any | None) -> None:
        self.sent.append(text)


def test_a_messaging_turn_that_hits_a_failing_database_says_unavailable(
    tmp_path: Path, clean_status: None
) -> None:
    """The messaging apps' turns (channels/messaging/turn.py), on the real store
    inside Rasa's fallback, as the REST channel is tested on the real server."""
    database = tmp_path / "trackers.db"
    store = StrictSQLTrackerStore(dialect="sqlite", db=str(database))
    agent = SimpleNamespace(tracker_store=Agent._create_tracker_store(store, None))
    raise_store_errors(agent)

    async def bot(message: Any) -> None:
        await agent.tracker_store.get_or_create_tracker(message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, "answer")

    database.unlink()
    output = KeptOutput()
    conversation = f"test-{uuid.uuid4().hex}"
    asyncio.run(run_turn(bot, agent, "test", conversation, "what is igrt", output))
    assert output.sent == [replies.unavailable()]


@pytest.mark.parametrize(
    ("webhook", "health"),
    [
        ("http://localhost:5055/webhook", "http://localhost:5055/health"),
        ("http://actions.internal/rasa/webhook/", "http://actions.internal/rasa/health"),
    ],
)
def test_the_action_servers_health_is_beside_its_webhook(webhook: str, health: str) -> None:
    assert health_url(webhook) == health


def test_readiness_names_each_failed_check(tmp_path: Path, clean_status: None) -> None:
    store = StrictSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "trackers.db"))
    dead_actions = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")
    agent = SimpleNamespace(
        is_ready=lambda: True,
        tracker_store=Agent._create_tracker_store(store, None),
        action_endpoint=dead_actions,
    )
    checks = asyncio.run(Readiness().run(agent))
    assert checks == {"model": True, "database": True, "action_server": False}

    (tmp_path / "trackers.db").unlink()
    agent.is_ready = lambda: False
    checks = asyncio.run(Readiness().run(agent))
    assert checks == {"model": False, "database": False, "action_server": False}

    # A store that cannot be checked (Rasa's own, or the in-memory store Rasa
    # silently uses when the configured class cannot be imported) is not ready.
    agent.tracker_store = Agent._create_tracker_store(None, None)
    assert asyncio.run(Readiness().run(agent))["database"] is False
