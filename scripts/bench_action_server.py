"""The action server's resident memory after 1,000 turns (`make bench`).

Starts the action server as `make run` does (`python -m actions.server`), on
127.0.0.1, and sends it 1,000 action calls shaped as Rasa sends them: 50
conversations of 20 turns each, alternating the side-effects and follow-up
actions, each tracker carrying its conversation's events so far. Prints the
resident memory (VmRSS) at start and after the turns, against the bar: at most
150 MB after 1,000 turns (issue 9).
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import yaml

PROJECT = Path(__file__).resolve().parents[1]
TURNS = 1_000
CONVERSATIONS = 50
BAR_MB = 150.0
START_TIMEOUT_SECONDS = 60
# What patients name, as the body-site extractor hands it over (area names).
SITES = ["chest", "pelvis", "head and neck", "abdomen", "breast", "prostate", "brain"]
ACTIONS = ["action_side_effects_by_body_site", "action_follow_up"]
INTENTS = ["ask_side_effects", "follow_up", "inform_body_site", "hair_loss"]
DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_action_server(port: int, token: str) -> subprocess.Popen:
    env = {**os.environ, "ACTION_SERVER_TOKEN": token, "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the action server exited at start")
        try:
            if requests.get(f"{url}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the action server did not start")


def user_event(turn: int) -> dict[str, Any]:
    site = SITES[turn % len(SITES)]
    return {
        "event": "user",
        "timestamp": time.time(),
        "text": f"what about the {site}",
        "parse_data": {
            "intent": {"name": INTENTS[turn % len(INTENTS)], "confidence": 0.9},
            "entities": [{"entity": "body_site", "value": site, "start": 15, "end": 20}],
            "triage": {"urgent": False, "symptom_question": turn % 5 == 0},
        },
    }


def action_request(conversation: int, turn: int, events: list[dict[str, Any]]) -> dict:
    """One call as Rasa makes it: the tracker with the events so far, the domain."""
    user = user_event(turn)
    events.extend([{"event": "action", "name": "action_listen"}, user])
    return {
        "next_action": ACTIONS[turn % len(ACTIONS)],
        "sender_id": f"bench-{conversation}",
        "version": "3.6.21",
        "tracker": {
            "sender_id": f"bench-{conversation}",
            "slots": {"body_site": sorted({e["value"] for e in user["parse_data"]["entities"]})},
            "latest_message": {"text": user["text"], **user["parse_data"]},
            "events": list(events),
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": DOMAIN,
    }


def run_turns(url: str, token: str) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    histories: dict[int, list[dict[str, Any]]] = {c: [] for c in range(CONVERSATIONS)}
    turns = itertools.islice(itertools.cycle(range(CONVERSATIONS)), TURNS)
    for number, conversation in enumerate(turns):
        body = action_request(conversation, number // CONVERSATIONS, histories[conversation])
        reply = session.post(f"{url}/webhook", json=body, timeout=10)
        reply.raise_for_status()
        responses = reply.json()["responses"]
        if not responses:
            raise RuntimeError(f"{body['next_action']} answered nothing")
        for response in responses:
            histories[conversation].append(
                {"event": "bot", "text": "", "metadata": {"utter_action": response.get("response")}}
            )
        histories[conversation].append({"event": "action", "name": body["next_action"]})


def main() -> int:
    port, token = free_port(), secrets.token_urlsafe(32)
    url = f"http://127.0.0.1:{port}"
    server = start_action_server(port, token)
    try:
        wait_until_healthy(url, server)
        at_start = resident_mb(server.pid)
        started = time.perf_counter()
        run_turns(url, token)
        seconds = time.perf_counter() - started
        after = resident_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"action server resident memory: {at_start:.0f} MB at start, {after:.0f} MB after "
        f"{TURNS} turns in {seconds:.1f} s (bar: at most {BAR_MB:.0f} MB)"
    )
    return 0 if after <= BAR_MB else 1


if __name__ == "__main__":
    sys.exit(main())
