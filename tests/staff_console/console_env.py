"""The staff console's test environment: the real console server (python -m
console) and the real action server, on ports 5200-5299 (or TEST_PORTS), a
fresh SQLite database, a copy of clinic.yml and an empty reports folder per
run, and an HTTP client that signs in like a browser."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
from assistant_server import MODEL, PROJECT, TEST_PORTS_ENV

from console.db import audit_log


def _ports() -> range:
    """TEST_PORTS=first-last when set (machines shared by several runs), else 5200-5299."""
    first, _, last = os.environ.get(TEST_PORTS_ENV, "").partition("-")
    return range(int(first), int(last) + 1) if first and last else range(5200, 5300)


PORTS = _ports()
START_TIMEOUT_SECONDS = 120
ACTION_TOKEN = "console-tests-" + "x" * 24
PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port(taken: set[int] = set()) -> int:  # noqa: B006 - remembers ports given out
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@dataclass
class Console:
    url: str
    env: dict[str, str]
    database: Path
    log_file: Path
    process: subprocess.Popen

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def clinic_file(self) -> Path:
        return Path(self.env["CLINIC_SETTINGS_FILE"])

    @property
    def reports_dir(self) -> Path:
        return Path(self.env["CONSOLE_REPORTS_DIR"])

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def audit_rows(self, after: int = 0) -> list:
        """The audit log's rows with an id above `after`, oldest first."""
        query = sa.select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id)
        with sa.create_engine(self.database_url).connect() as db:
            return db.execute(query).all()

    def last_audit_id(self) -> int:
        rows = self.audit_rows()
        return rows[-1].id if rows else 0

    def add_user(self, name: str, role: str = "staff", password: str = PASSWORD) -> None:
        """`make staff-user` (-o install: the shared venv is never reinstalled)."""
        subprocess.run(
            ["make", "--no-print-directory", "-o", "install", "staff-user", f"NAME={name}",
             f"ROLE={role}"],
            cwd=PROJECT,
            env={**self.env, "STAFF_PASSWORD": password},
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip


def audited(rows: list, user: str, action: str, *never: str) -> list:
    """The rows of `user` doing `action` (at least one); none of the texts
    `never` (questions, patients' words) is in any row."""
    for row in rows:
        for text in never:
            assert text.lower() not in f"{row.user_name} {row.action} {row.detail}".lower(), row
    found = [row for row in rows if (row.user_name, row.action) == (user, action)]
    assert found, f"no {action!r} by {user!r} in {[(r.user_name, r.action) for r in rows]}"
    return found


def _start(args: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen:
    with log_file.open("wb") as log:
        return subprocess.Popen(
            args, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait(url: str, process: subprocess.Popen, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early:\n{log_file.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready:\n{log_file.read_text(errors='replace')[-3000:]}")


def console_env(workdir: Path, models_dir: Path) -> dict[str, str]:
    action_port, console_port = free_port(), free_port()
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "ACTION_PORT": str(action_port),
        "CONSOLE_PORT": str(console_port),
        "CONSOLE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}",
        "CONSOLE_TRACKER_STORE_URL": f"sqlite:///{workdir / 'trackers.db'}",
        "CONSOLE_MODEL": str(MODEL),
        "CONSOLE_MODELS_DIR": str(models_dir),
        "CONSOLE_INBOX_INTERVAL": "3600",
        # The tests change these, never the project's own.
        "CLINIC_SETTINGS_FILE": str(workdir / "clinic.yml"),
        "CONSOLE_REPORTS_DIR": str(workdir / "reports"),
    }


@contextmanager
def console_running(
    workdir: Path, while_starting: Callable[[dict[str, str]], None] | None = None
) -> Iterator[Console]:
    """The action server and the console, as `make run` starts them.

    while_starting(env) is called once both are started, before waiting for
    them: what else loads a model starts then, and the loads overlap.
    """
    assert MODEL.exists(), "no trained model: copy or train models/current.tar.gz"
    models_dir = workdir / "models"
    models_dir.mkdir()
    (models_dir / "current.tar.gz").symlink_to(MODEL)
    shutil.copy(PROJECT / "clinic.yml", workdir / "clinic.yml")
    env = console_env(workdir, models_dir)
    python = str(PROJECT / ".venv/bin/python")
    actions = _start(
        [python, "-m", "actions.server", "--host", "127.0.0.1", "--port", env["ACTION_PORT"]],
        env,
        workdir / "actions.log",
    )
    console_log = workdir / "console.log"
    console = _start([python, "-m", "console"], env, console_log)
    url = f"http://localhost:{env['CONSOLE_PORT']}"
    try:
        if while_starting:
            while_starting(env)
        _wait(f"http://127.0.0.1:{env['ACTION_PORT']}/health", actions, workdir / "actions.log")
        _wait(f"{url}/health", console, console_log)
        yield Console(url, env, workdir / "console.db", console_log, console)
    finally:
        stop(console)
        stop(actions)


class StaffClient:
    """requests, signed in as a browser would be. requests keeps Secure cookies
    for https only, so the cookies the console sets are carried by hand."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _remember(self, reply: requests.Response) -> None:
        for cookie in reply.raw.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        found = CSRF_FIELD.search(reply.text)
        if found:
            self.csrf = found.group(1)

    def get(self, path: str, **kwargs) -> requests.Response:
        reply = self.http.get(
            self.console.url + path,
            cookies=self.cookies,
            timeout=120,
            allow_redirects=False,
            **kwargs,
        )
        self._remember(reply)
        return reply

    def post(
        self, path: str, data: dict | None = None, csrf: bool = True, **kwargs
    ) -> requests.Response:
        data = {**({"csrf_token": self.csrf} if csrf else {}), **(data or {})}
        reply = self.http.post(
            self.console.url + path,
            data=data,
            cookies=self.cookies,
            timeout=300,
            allow_redirects=False,
            **kwargs,
        )
        self._remember(reply)
        return reply

    def sign_in(self, name: str, password: str = PASSWORD) -> requests.Response:
        self.get("/login")
        reply = self.post("/login", {"name": name, "password": password})
        if reply.status_code == 302:
            self.get("/try")  # the session's CSRF token
        return reply


class Background:
    """A command run beside the tests (it loads a model: slow), waited for when
    its result is needed, and stopped at the end if still running. Its output
    goes to files: a pipe nobody reads would fill up and stop it."""

    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self._out, self._err = workdir / f"{name}.out", workdir / f"{name}.err"
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self.process = subprocess.Popen(
                args, cwd=PROJECT, env=env, stdout=out, stderr=err, start_new_session=True
            )

    def result(self, timeout: float = 300) -> subprocess.CompletedProcess:
        self.process.wait(timeout=timeout)
        return subprocess.CompletedProcess(
            self.process.args,
            self.process.returncode,
            self._out.read_text(errors="replace"),
            self._err.read_text(errors="replace"),
        )

    def stop(self) -> None:
        stop(self.process)
