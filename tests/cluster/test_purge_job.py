"""The retention purge as the cluster's CronJob runs it: its command, the
rendered ConfigMap's settings and endpoints.yml, and POSTGRES_PASSWORD from the
Secret, against a real PostgreSQL (a throwaway database on the local server).
The VM's purge service reads the same endpoints (test_compose.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from rasa.core.tracker_store import SQLTrackerStore
from stored_conversations import events_per_sender, fill, throwaway_postgres_database

from scripts import deploy_check


def the_cronjob_and_its_settings() -> tuple[list[str], dict[str, str]]:
    rendered = [doc for doc in yaml.safe_load_all(deploy_check.render_overlay()) if doc]
    (cronjob,) = [doc for doc in rendered if doc["kind"] == "CronJob"]
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    (config,) = [doc["data"] for doc in rendered if doc["kind"] == "ConfigMap"]
    return container["args"], config


def database_settings(database: dict[str, Any]) -> dict[str, str]:
    """The ConfigMap's database settings, pointed at the throwaway database."""
    return {
        "POSTGRES_HOST": database["url"],
        "POSTGRES_PORT": str(database["port"]),
        "POSTGRES_DB": database["db"],
        "POSTGRES_USER": database["username"],
        # The local server trusts local connections; the Secret's key must be set.
        "POSTGRES_PASSWORD": database["password"] or "from-the-secret",
    }


def test_the_cronjob_deletes_idle_conversations_from_postgresql(tmp_path: Path) -> None:
    args, config = the_cronjob_and_its_settings()
    endpoints = tmp_path / "endpoints.yml"  # the ConfigMap's file, as mounted
    endpoints.write_text(config["endpoints.yml"])
    settings = {name: value for name, value in config.items() if name.isupper()}

    with throwaway_postgres_database() as database:
        store = SQLTrackerStore(**{("host" if k == "url" else k): v for k, v in database.items()})
        senders = fill(store)
        env = {
            "PATH": os.environ["PATH"],
            **settings,
            **database_settings(database),
            "ENDPOINTS": str(endpoints),
        }
        # args[0] is the image's venv python: this one is the same venv.
        done = subprocess.run(
            [sys.executable, *args[1:]], cwd=deploy_check.PROJECT, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        remaining = events_per_sender(store.engine)
        store.engine.dispose()

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for sender, (stored, kept) in senders.items():
        assert remaining.get(sender, 0) == (stored if kept else 0), sender
    assert "deleted 2 conversations (12 events) idle for over 30 days" in output
    assert not any(sender in output for sender in senders), "a sender id was logged"
