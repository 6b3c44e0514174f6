"""Start the real assistant for a test, the way `make run` does (scripts/run.sh).

scripts/run.sh starts three servers: actions, Rasa (REST channel) and the static
server of the chat widget's demo page (widget/).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import requests
import yaml

PROJECT = Path(__file__).resolve().parents[1]
MODEL = PROJECT / "models" / "current.tar.gz"
START_TIMEOUT_SECONDS = 180
# The action-server secret and the senders' pseudonym key of the shared
# assistant (tests/conftest.py).
SHARED_ACTION_SERVER_TOKEN = f"test-token-{secrets.token_hex(16)}"
SHARED_SENDER_ID_KEY = secrets.token_hex(32)


def project_tracker_store(workdir: Path) -> dict[str, Any]:
    """endpoints.yml's tracker_store section, its SQLite file moved into workdir."""
    # BaseLoader: the file's ${...} placeholders stay text (Rasa's resolver,
    # added to PyYAML's loaders when Rasa is imported, would need them set).
    endpoints = yaml.load((PROJECT / "endpoints.yml").read_text(), Loader=yaml.BaseLoader)
    settings = dict(endpoints["tracker_store"])
    if settings.get("dialect", "sqlite") == "sqlite":
        settings["db"] = str(workdir / "trackers.db")
    return settings


# TEST_PORTS=5400-5499: the tests' servers take free ports of that range only
# (machines shared by several test runs give each its own range); else any.
TEST_PORTS_ENV = "TEST_PORTS"
_next_port = 0


def free_port() -> int:
    """A free port on 127.0.0.1: from TEST_PORTS when set, in turn, else any."""
    global _next_port
    first, _, last = os.environ.get(TEST_PORTS_ENV, "").partition("-")
    candidates = range(int(first), int(last) + 1) if first and last else [0]
    for index in range(len(candidates)):
        port = candidates[(_next_port + index) % len(candidates)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _next_port += index + 1
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in {TEST_PORTS_ENV}={first}-{last}")


def listening_pid(url: str) -> int | None:
    """The process listening on the URL's port, if any."""
    port = urlsplit(url).port
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
            return conn.pid
    return None


@dataclass
class RunningAssistant:
    url: str
    action_url: str
    log_file: Path
    process: subprocess.Popen
    # The demo clinic page with the chat widget (scripts/serve_widget.py).
    widget_url: str = ""
    # The clinic settings file its servers read (CLINIC_SETTINGS_FILE), when given.
    clinic_settings: Path | None = None

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def say(self, sender: str, text: str) -> list[dict]:
        reply = requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def _wait_until_ready(assistant: RunningAssistant) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if assistant.process.poll() is not None:
            raise RuntimeError(f"assistant exited early:\n{assistant.log()[-3000:]}")
        try:
            if (
                requests.get(f"{assistant.url}/webhooks/rest/", timeout=2).ok
                and requests.get(f"{assistant.action_url}/health", timeout=2).ok
                and (not assistant.widget_url or requests.get(assistant.widget_url, timeout=2).ok)
            ):
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise TimeoutError(
        f"assistant not ready in {START_TIMEOUT_SECONDS}s:\n{assistant.log()[-3000:]}"
    )


@contextmanager
def assistant_running(
    workdir: Path,
    credentials: Path | None = None,
    extra_env: dict[str, str] | None = None,
    *,
    rasa_port: int | None = None,
    action_port: int | None = None,
    widget_port: int | None = None,
    action_endpoint_url: str | None = None,
    tracker_store: dict[str, Any] | None = None,
) -> Iterator[RunningAssistant]:
    """All servers on free ports (or the given ones), conversations in a fresh SQLite
    file in workdir (the same file again when workdir is reused, e.g. for a restart).

    The Rasa server accepts browser requests (CORS) from the widget's demo page
    unless extra_env sets CLINIC_ORIGINS. action_endpoint_url points Rasa at
    another action server than the one started (a dead one, say). tracker_store
    replaces endpoints.yml's tracker_store section (PostgreSQL, say).
    """
    assert MODEL.exists(), "no trained model: run `make train` first"
    rasa_port, action_port = rasa_port or free_port(), action_port or free_port()
    widget_port = widget_port or free_port()
    action_url = action_endpoint_url or f"http://localhost:{action_port}/webhook"
    endpoints = workdir / "endpoints.yml"
    store = tracker_store or project_tracker_store(workdir)
    endpoints.write_text(
        f'action_endpoint:\n  url: "{action_url}"\n'
        + yaml.safe_dump({"tracker_store": store}, sort_keys=False)
    )
    env = {
        **os.environ,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "WIDGET_PORT": str(widget_port),
        "ENDPOINTS": str(endpoints),
        "CREDENTIALS": str(credentials or PROJECT / "credentials.yml"),
        **(extra_env or {}),
    }
    log_file = workdir / "assistant.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [str(PROJECT / "scripts" / "run.sh")],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    clinic_settings = env.get("CLINIC_SETTINGS_FILE")
    assistant = RunningAssistant(
        f"http://localhost:{rasa_port}",
        f"http://localhost:{action_port}",
        log_file,
        process,
        widget_url=f"http://localhost:{widget_port}/",
        clinic_settings=Path(clinic_settings) if clinic_settings else None,
    )
    try:
        _wait_until_ready(assistant)
        yield assistant
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
