"""`make fault-test`: the cluster under load while its parts fail, then the books checked.

Starts the cluster (scripts/run_cluster.sh: nginx on 127.0.0.1:8080, two Rasa
replicas, two action servers) with a private Redis (redis-server on port 5379,
append-only file so a restart keeps its keys, as a production Redis would) and
a private PostgreSQL database on the machine's server, then runs 16 simulated
patients for 60 s with locust (scripts/locustfile_cluster.py), all to
127.0.0.1:8080: three quarters through the REST channel, a quarter as
Telegram users (signed webhooks, answered through a stand-in Telegram API on
port 5360). During the run:

  t+5 s   kill -9 one Rasa replica (supervisord starts it again)
  t+15 s  kill -9 one action server (supervisord starts it again)
  t+22 s  kill -9 the Redis server, started again 3 s later
  t+32 s  the database refuses connections for 10 s (ALLOW_CONNECTIONS false,
          backends terminated), then is restored; meanwhile a new patient's
          message must get the "temporarily unavailable" reply with 911

Then it checks, from the patients' outcomes and the events in PostgreSQL:
every answered message ran exactly one turn (one user event with its message
id: none lost, none twice); no message ran twice; each conversation's user
events are in the order the patient sent them, with ids and timestamps
increasing; the replies a patient got are the bot events stored for that turn;
a message sent twice (at once or on retry) got the same replies. For Telegram:
no update ran twice or out of order (each chat's stored user messages are
among its accepted updates, in order), and every update answered with more
than the failure notice is stored. Every fourth accepted update is also
delivered twice, as Telegram does when our 200 is late
(FAULT_TELEGRAM_REDELIVER=0 turns that off).
Exit status 1 when a check fails. Bounded: about 2-3 minutes (the replicas load for about a
minute on a busy 2-core machine).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil
import psycopg2
import requests

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from channels.messaging.pseudonyms import conversation_id  # noqa: E402
from channels.rest import pseudonym  # noqa: E402
from scripts.cluster_load_questions import CONVERSATION, NOT_AN_ANSWER  # noqa: E402
from stores.reply_cache import message_key  # noqa: E402

HOST = "127.0.0.1"
CLUSTER_PORT = 8080
RASA_PORTS = (5331, 5332)
ACTION_PORTS = (5341, 5342)
ACTIONS_LB_PORT = 5350
REDIS_PORT = 5379
TELEGRAM_API_PORT = 5360
TELEGRAM_TOKEN = "123456789:fault-test-token"
TELEGRAM_SECRET = secrets.token_urlsafe(24)
USERS = 16
RUN_SECONDS = 60
START_TIMEOUT_SECONDS = 240
STOP_TIMEOUT_SECONDS = 45
RECOVERY_TIMEOUT_SECONDS = 120
DB_OUTAGE_SECONDS = 10
REDIS_DOWN_SECONDS = 3
PG = {"host": os.environ.get("POSTGRES_HOST", HOST), "port": 5432, "user": "postgres"}


def log(message: str) -> None:
    print(f"[fault-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


def listener_pid(port: int) -> int | None:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == "LISTEN" and connection.laddr.port == port and connection.pid:
            return connection.pid
    return None


def ready(port: int) -> bool:
    try:
        return requests.get(f"http://{HOST}:{port}/ready", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def replicas_ready(process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError("the cluster stopped while starting (see its log)")
    return all(ready(port) for port in RASA_PORTS)


def stop_on_signals() -> None:
    """SIGTERM/SIGINT end the run through its cleanup (cluster, Redis, database)."""

    def leave(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


def wait_until(condition: Any, timeout: float, what: str) -> float:
    """Seconds until condition() holds; raises TimeoutError after timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.5)
    raise TimeoutError(f"{what} not within {timeout} s")


# --- the parts under test ---------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on REDIS_PORT, which we may kill and start again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(REDIS_PORT), "--bind", HOST,
            "--dir", str(self.workdir), "--save", "", "--appendonly", "yes",
            "--appendfsync", "always", "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(lambda: not port_free(REDIS_PORT), 10, "private Redis")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class PrivateDatabase:
    """A database of the machine's PostgreSQL for this run, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"igrt_fault_{secrets.token_hex(4)}"

    def admin(self, statement: str) -> None:
        connection = psycopg2.connect(dbname="postgres", connect_timeout=5, **PG)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def refuse_connections(self) -> None:
        self.admin(f"ALTER DATABASE {self.name} ALLOW_CONNECTIONS false")
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def allow_connections(self) -> None:
        self.admin(f"ALTER DATABASE {self.name} ALLOW_CONNECTIONS true")

    def drop(self) -> None:
        self.allow_connections()
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )
        self.admin(f"DROP DATABASE IF EXISTS {self.name}")

    def events(self, senders: list[str]) -> list[tuple[int, str, str, float, dict[str, Any]]]:
        connection = psycopg2.connect(dbname=self.name, connect_timeout=5, **PG)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, sender_id, type_name, timestamp, data FROM events "
                    "WHERE sender_id = ANY(%s) ORDER BY id",
                    (senders,),
                )
                return [(i, s, t, ts, json.loads(d)) for i, s, t, ts, d in cursor.fetchall()]
        finally:
            connection.close()


@contextmanager
def cluster(env: dict[str, str], log_file: Path) -> Iterator[subprocess.Popen]:
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [str(PROJECT / "scripts" / "run_cluster.sh")],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class TelegramStandIn:
    """The Bot API as the channel calls it (sendMessage and the like), counting
    the messages sent to each chat; GET /_sent?chat_id= tells the count."""

    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()
        self.notices: Counter[int] = Counter()
        lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def reply(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                chat = parse_qs(urlsplit(self.path).query).get("chat_id", ["0"])[0]
                with lock:
                    chat_id = int(chat)
                    self.reply(
                        {"count": stand_in.sent[chat_id], "notices": stand_in.notices[chat_id]}
                    )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if self.path.endswith("/sendMessage"):
                    chat_id = int(payload.get("chat_id", 0))
                    text = str(payload.get("text", "")).lower()
                    with lock:
                        stand_in.sent[chat_id] += 1
                        if any(notice in text for notice in NOT_AN_ANSWER):
                            stand_in.notices[chat_id] += 1
                self.reply({"ok": True, "result": {"message_id": 1}})

        self.server = ThreadingHTTPServer((HOST, TELEGRAM_API_PORT), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- faults -------------------------------------------------------------------------


@dataclass
class FaultLog:
    events: list[str] = field(default_factory=list)
    unavailable_reply: str | None = None
    replica_back_after: float | None = None
    action_server_back_after: float | None = None

    def note(self, text: str) -> None:
        log(text)
        self.events.append(f"{time.strftime('%H:%M:%S')} {text}")


def kill_listener(port: int, what: str, faults: FaultLog) -> None:
    pid = listener_pid(port)
    if pid is None:
        faults.note(f"{what} on :{port} not found")
        return
    os.kill(pid, signal.SIGKILL)
    faults.note(f"kill -9 {what} on :{port} (pid {pid})")


def probe_unavailable(faults: FaultLog) -> None:
    """A new patient's message while the database refuses connections."""
    body = {"sender": secrets.token_hex(16), "message": "what is igrt", "message_id": "probe-1234"}
    try:
        reply = requests.post(
            f"http://{HOST}:{CLUSTER_PORT}/webhooks/rest/webhook", json=body, timeout=30
        )
        faults.unavailable_reply = " ".join(r.get("text", "") for r in reply.json())
    except (requests.RequestException, ValueError) as error:
        faults.unavailable_reply = f"no reply: {type(error).__name__}"
    faults.note("probe during the database outage answered")


def replica_back(process: subprocess.Popen, port: int) -> bool:
    if process.poll() is not None:
        raise RuntimeError("the cluster stopped")
    return ready(port)


def run_faults(
    process: subprocess.Popen, redis: PrivateRedis, database: PrivateDatabase, faults: FaultLog
) -> None:
    started = time.monotonic()

    def at(second: float) -> None:
        time.sleep(max(0.0, second - (time.monotonic() - started)))

    at(5)
    kill_listener(RASA_PORTS[0], "Rasa replica", faults)
    killed_at = time.monotonic()
    at(15)
    kill_listener(ACTION_PORTS[0], "action server", faults)
    action_killed_at = time.monotonic()
    at(22)
    redis.kill()
    faults.note("kill -9 Redis")
    time.sleep(REDIS_DOWN_SECONDS)
    redis.start()
    faults.note("Redis started again")
    at(32)
    database.refuse_connections()
    faults.note("database refuses connections")
    time.sleep(3)
    probe_unavailable(faults)
    at(32 + DB_OUTAGE_SECONDS)
    database.allow_connections()
    faults.note("database accepts connections again")
    if listener_pid(ACTION_PORTS[0]):
        faults.action_server_back_after = time.monotonic() - action_killed_at
    try:
        wait_until(
            lambda: replica_back(process, RASA_PORTS[0]), RECOVERY_TIMEOUT_SECONDS, "replica"
        )
        faults.replica_back_after = time.monotonic() - killed_at
        faults.note(f"killed replica ready again {faults.replica_back_after:.0f} s after the kill")
    except (TimeoutError, RuntimeError) as error:
        faults.note(f"killed replica not ready again: {error}")


# --- checks -------------------------------------------------------------------------


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [str(reply.get("text")) for reply in replies if reply.get("text")]


def check(
    all_outcomes: list[dict[str, Any]], database: PrivateDatabase, key: str
) -> dict[str, Any]:
    outcomes = [o for o in all_outcomes if o.get("channel") != "telegram"]
    telegram = [o for o in all_outcomes if o.get("channel") == "telegram"]
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        by_sender[outcome["sender"]].append(outcome)
    conversation_of = {pseudonym(key, sender): sender for sender in by_sender}
    events = database.events(list(conversation_of))
    stored: dict[str, list[tuple[int, str, float, dict[str, Any]]]] = defaultdict(list)
    for event_id, conversation, type_name, timestamp, data in events:
        stored[conversation_of[conversation]].append((event_id, type_name, timestamp, data))

    problems: Counter[str] = Counter()
    for sender, sent in by_sender.items():
        sent.sort(key=lambda o: (o["turn"], o["chain"]))
        check_conversation(sender, sent, stored[sender], key, problems)
    answered = [o for o in outcomes if o["answers"]]
    attempts = [a for o in outcomes for a in o["attempts"]]
    questions = {(o["sender"], o["turn"]) for o in outcomes}
    answered_questions = {(o["sender"], o["turn"]) for o in answered}
    return {
        "patients": len(by_sender),
        "questions": len(questions),
        "questions_answered_within_30s": len(answered_questions),
        "messages": len(outcomes),
        "messages_answered": len(answered),
        "requests": len(attempts),
        "requests_not_answered": sum(not a["answer"] for a in attempts),
        "sent_twice_at_once": sum(o["double"] for o in outcomes),
        "events_checked": len(events),
        "telegram": check_telegram(telegram, database, problems),
        "problems": dict(problems),
    }


def check_telegram(
    outcomes: list[dict[str, Any]], database: PrivateDatabase, problems: Counter[str]
) -> dict[str, Any]:
    """Each chat's stored user messages against its accepted updates."""
    by_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        by_chat[outcome["chat_id"]].append(outcome)
    conversation_of = {
        conversation_id(TELEGRAM_TOKEN, "telegram", str(chat)): chat for chat in by_chat
    }
    stored: dict[int, list[str]] = defaultdict(list)
    for _, conversation, type_name, _, data in database.events(list(conversation_of)):
        if type_name == "user":
            stored[conversation_of[conversation]].append(data.get("text"))
    for chat, sent in by_chat.items():
        sent.sort(key=lambda o: o["turn"])
        accepted = [CONVERSATION[o["question"]] for o in sent if o["accepted"]]
        answered = [CONVERSATION[o["question"]] for o in sent if o["answered"]]
        if not is_subsequence(stored[chat], accepted):
            problems["telegram update ran twice or out of order"] += 1
        if not is_subsequence(answered, stored[chat]):
            problems["telegram update answered but not stored (lost)"] += 1
    return {
        "patients": len(by_chat),
        "updates": len(outcomes),
        "accepted": sum(o["accepted"] for o in outcomes),
        "answered": sum(o["answered"] for o in outcomes),
        "failure_notice": sum(o["accepted"] and not o["answered"] for o in outcomes),
        "delivered_again": sum(o["deliveries"] - 1 for o in outcomes),
        "turns_stored": sum(len(texts) for texts in stored.values()),
    }


def is_subsequence(items: list[Any], within: list[Any]) -> bool:
    """items appear in within, in order (some of within may be missing)."""
    rest = iter(within)
    return all(any(item == candidate for candidate in rest) for item in items)


def check_conversation(
    sender: str,
    sent: list[dict[str, Any]],
    events: list[tuple[int, str, float, dict[str, Any]]],
    key: str,
    problems: Counter[str],
) -> None:
    keys = {message_key(key, sender, o["message_id"]): o for o in sent}
    users = [(i, e[3].get("message_id")) for i, e in enumerate(events) if e[1] == "user"]
    counts = Counter(message_id for _, message_id in users)
    for user_key, outcome in keys.items():
        if counts[user_key] > 1:
            problems["message ran twice"] += 1
        if outcome["answers"] and counts[user_key] == 0:
            problems["answered message not stored (lost)"] += 1
    if any(message_id not in keys for _, message_id in users):
        problems["stored user event nobody sent"] += 1
    order = [message_id for _, message_id in users]
    expected = [k for k in keys if k in counts]
    if order != expected:
        problems["user events out of order"] += 1
    timestamps = [e[2] for e in events]
    if timestamps != sorted(timestamps):
        problems["timestamps out of order"] += 1
    starts = [i for i, _ in users] + [len(events)]
    stored_replies = {
        message_id: [e[3].get("text") for e in events[start:end] if e[1] == "bot"]
        for (start, message_id), end in zip(users, starts[1:], strict=True)
    }
    for user_key, outcome in keys.items():
        answers = [texts(a) for a in outcome["answers"]]
        if any(a != answers[0] for a in answers):
            problems["same message, different replies"] += 1
        if answers and user_key in stored_replies and answers[0] != stored_replies[user_key]:
            problems["replies are not the turn's stored bot events"] += 1


# --- the run ------------------------------------------------------------------------


def cluster_env(database: PrivateDatabase, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "CLUSTER_PORT": str(CLUSTER_PORT),
        "RASA_PORT_1": str(RASA_PORTS[0]),
        "RASA_PORT_2": str(RASA_PORTS[1]),
        "ACTION_PORT_1": str(ACTION_PORTS[0]),
        "ACTION_PORT_2": str(ACTION_PORTS[1]),
        "ACTIONS_LB_PORT": str(ACTIONS_LB_PORT),
        "REDIS_PORT": str(REDIS_PORT),
        "POSTGRES_DB": database.name,
        "SENDER_ID_KEY": key,
        "READINESS_INTERVAL_SECONDS": "1",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": f"http://{HOST}:{TELEGRAM_API_PORT}",
    }


def run_load(workdir: Path) -> tuple[list[dict[str, Any]], str]:
    results = workdir / "outcomes.jsonl"
    command = [
        str(PROJECT / ".venv" / "bin" / "locust"),
        "-f", str(PROJECT / "scripts" / "locustfile_cluster.py"),
        "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{RUN_SECONDS}s",
        "--host", f"http://{HOST}:{CLUSTER_PORT}", "--stop-timeout", str(STOP_TIMEOUT_SECONDS),
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {
        **os.environ,
        "FAULT_RESULTS": str(results),
        "FAULT_TELEGRAM_SECRET": TELEGRAM_SECRET,
        "FAULT_TELEGRAM_API": f"http://{HOST}:{TELEGRAM_API_PORT}",
    }
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS + STOP_TIMEOUT_SECONDS + 60,
        check=False,
    )
    lines = results.read_text().splitlines() if results.exists() else []
    return [json.loads(line) for line in lines], done.stdout[-3000:] + done.stderr[-1500:]


def main() -> int:
    ports = (
        CLUSTER_PORT,
        *RASA_PORTS,
        *ACTION_PORTS,
        ACTIONS_LB_PORT,
        REDIS_PORT,
        TELEGRAM_API_PORT,
    )
    busy = [p for p in ports if not port_free(p)]
    if busy:
        log(f"ports in use: {busy} (is `make run-cluster` running?)")
        return 2
    stop_on_signals()
    (PROJECT / "var").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="fault-test.", dir=PROJECT / "var"))
    key = secrets.token_hex(32)
    redis, database, faults = PrivateRedis(workdir), PrivateDatabase(), FaultLog()
    redis.start()
    telegram = TelegramStandIn()
    try:
        with cluster(cluster_env(database, key), workdir / "cluster.log") as process:
            took = wait_until(
                lambda: replicas_ready(process), START_TIMEOUT_SECONDS, "both replicas ready"
            )
            log(f"cluster ready after {took:.0f} s; {USERS} patients for {RUN_SECONDS} s")
            injector = threading.Thread(target=run_faults, args=(process, redis, database, faults))
            injector.start()
            outcomes, locust_output = run_load(workdir)
            injector.join(timeout=RECOVERY_TIMEOUT_SECONDS + 30)
            database.allow_connections()
            report = check(outcomes, database, key)
    finally:
        telegram.close()
        redis.kill()
        database.drop()
    return summarise(report, faults, locust_output, workdir)


def summarise(report: dict[str, Any], faults: FaultLog, locust_output: str, workdir: Path) -> int:
    print(locust_output)
    print("faults:\n  " + "\n  ".join(faults.events))
    unavailable = faults.unavailable_reply or ""
    report["unavailable_reply_during_db_outage"] = unavailable
    report["killed_replica_ready_again_after_s"] = faults.replica_back_after
    print(json.dumps(report, indent=2))
    (PROJECT / "reports").mkdir(exist_ok=True)
    saved = {**report, "faults": faults.events, "locust": locust_output}
    (PROJECT / "reports" / "fault_test.json").write_text(json.dumps(saved, indent=2))
    failures = list(report["problems"])
    if report["messages_answered"] == 0:
        failures.append("no message answered")
    if "temporarily unavailable" not in unavailable or "911" not in unavailable:
        failures.append("no 'temporarily unavailable' reply with 911 during the database outage")
    if faults.replica_back_after is None:
        failures.append("the killed replica did not come back")
    if failures:
        log(f"FAILED: {failures} (logs in {workdir})")
        return 1
    log("PASSED: every answered message ran exactly once, in order; retries got the same replies")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
