"""`make bench-cluster` (part of `make bench`): whole turns through the cluster.

Starts the cluster as scripts/fault_test.py does (nginx on 127.0.0.1:8080, two
Rasa replicas, two action servers, a private Redis and PostgreSQL database),
then measures through nginx, REST channel, message ids and all:

- serial: one patient at a time (a fresh one every 10 messages), median and
  p95 of a whole turn;
- throughput: 16 patients at once for 30 s, messages per second and latency;
- one long conversation: the turn latency at turns 1-10 and 191-200, and
  their ratio: a session holds at most 20 patient messages (stores/sql.py), so
  turns 191-200 are the last ten of a session, its slowest;
- readiness: seconds from starting the cluster to both replicas ready;
- resident memory (RSS) of each Rasa replica and action server afterwards.

Prints a table and writes reports/bench_cluster.json. Numbers depend on what
else the machine runs: quote them with the date and the load.
"""

from __future__ import annotations

import json
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import requests

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts.fault_test import (  # noqa: E402
    ACTION_PORTS,
    CLUSTER_PORT,
    HOST,
    RASA_PORTS,
    START_TIMEOUT_SECONDS,
    PrivateDatabase,
    PrivateRedis,
    cluster,
    cluster_env,
    listener_pid,
    log,
    replicas_ready,
    stop_on_signals,
    wait_until,
)

URL = f"http://{HOST}:{CLUSTER_PORT}/webhooks/rest/webhook"
QUESTIONS = (
    "what is igrt",
    "how does the imaging work",
    "what are the side effects for the chest",
    "who is the radiation oncologist",
    "how should I prepare",
    "what happens in each session",
    "what are the benefits",
    "thank you",
)
SERIAL_MESSAGES = 100
CONCURRENT_PATIENTS = 16
CONCURRENT_SECONDS = 30
LONG_TURNS = 200


def turn(session: requests.Session, sender: str, text: str) -> float:
    """Seconds for one message's replies; raises on an error or no reply."""
    body = {"sender": sender, "message": text, "message_id": secrets.token_hex(16)}
    started = time.perf_counter()
    reply = session.post(URL, json=body, timeout=60)
    elapsed = time.perf_counter() - started
    reply.raise_for_status()
    if not reply.json():
        raise RuntimeError("no reply")
    return elapsed


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
    }


def new_sender() -> str:
    return secrets.token_hex(16)


def serial() -> dict[str, float]:
    session, times, sender = requests.Session(), [], new_sender()
    for i in range(SERIAL_MESSAGES):
        if i % 10 == 0:
            sender = new_sender()
        times.append(turn(session, sender, QUESTIONS[i % len(QUESTIONS)]))
    return percentiles(times)


def concurrent() -> dict[str, float]:
    times: list[float] = []
    errors = [0]
    deadline = time.monotonic() + CONCURRENT_SECONDS
    lock = threading.Lock()

    def patient() -> None:
        session, sender, i = requests.Session(), new_sender(), 0
        while time.monotonic() < deadline:
            try:
                elapsed = turn(session, sender, QUESTIONS[i % len(QUESTIONS)])
                with lock:
                    times.append(elapsed)
            except (requests.RequestException, RuntimeError):
                with lock:
                    errors[0] += 1
            i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=patient) for _ in range(CONCURRENT_PATIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=CONCURRENT_SECONDS + 90)
    took = time.monotonic() - started
    return {
        **percentiles(times),
        "messages_per_s": round(len(times) / took, 1),
        "errors": errors[0],
    }


def long_conversation() -> dict[str, Any]:
    session, sender, times = requests.Session(), new_sender(), []
    for i in range(LONG_TURNS):
        times.append(turn(session, sender, QUESTIONS[i % len(QUESTIONS)]))
    first, last = percentiles(times[:10]), percentiles(times[-10:])
    return {
        "turns_1_10": first,
        "turns_191_200": last,
        "slowdown": round(last["median_ms"] / first["median_ms"], 2),
    }


def memory() -> dict[str, float]:
    rss = {}
    for name, port in [
        *((f"rasa:{p}", p) for p in RASA_PORTS),
        *((f"actions:{p}", p) for p in ACTION_PORTS),
    ]:
        pid = listener_pid(port)
        if pid:
            rss[name] = round(psutil.Process(pid).memory_info().rss / 2**20)
    return {f"{name}_rss_mb": value for name, value in rss.items()}


def main() -> int:
    stop_on_signals()
    workdir = PROJECT / "var" / f"bench-cluster.{secrets.token_hex(3)}"
    workdir.mkdir(parents=True)
    redis, database = PrivateRedis(workdir), PrivateDatabase()
    redis.start()
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        env = cluster_env(database, secrets.token_hex(32))
        with cluster(env, workdir / "cluster.log") as process:
            ready = wait_until(lambda: replicas_ready(process), START_TIMEOUT_SECONDS, "replicas")
            results["ready_seconds"] = round(ready, 1)
            log("cluster ready; serial turns")
            results["serial"] = serial()
            log(f"{CONCURRENT_PATIENTS} patients at once for {CONCURRENT_SECONDS} s")
            results[f"concurrent_{CONCURRENT_PATIENTS}"] = concurrent()
            log(f"one conversation of {LONG_TURNS} turns")
            results["long_conversation"] = long_conversation()
            results["memory"] = memory()
    finally:
        redis.kill()
        database.drop()
    out = PROJECT / "reports" / "bench_cluster.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(f"(written to {out.relative_to(PROJECT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
