"""Retention: scripts/purge.py (`make purge`, and `make run` at start and daily)
deletes whole conversations idle for more than RETENTION_DAYS, on SQLite and on
PostgreSQL, written by Rasa's own SQL tracker store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from assistant_server import PROJECT
from rasa.core.tracker_store import SQLTrackerStore
from stored_conversations import events_per_sender, fill, throwaway_postgres_database


def project_store_type() -> str:
    """The tracker store type endpoints.yml names (the purge must accept it)."""
    endpoints = yaml.load((PROJECT / "endpoints.yml").read_text(), Loader=yaml.BaseLoader)
    return endpoints["tracker_store"]["type"]


def run_purge(endpoints: Path) -> subprocess.CompletedProcess[str]:
    # The action server's secret is not needed to purge.
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    return subprocess.run(
        [sys.executable, "scripts/purge.py", "--endpoints", str(endpoints)],
        cwd=PROJECT,
        env={**env, "RETENTION_DAYS": "30"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_endpoints(path: Path, tracker_store: dict[str, Any]) -> Path:
    endpoints = {
        "action_endpoint": {
            "url": "http://localhost:5055/webhook",
            "headers": {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"},
        },
        "tracker_store": tracker_store,
    }
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> dict[str, Any]:
    return {"dialect": "sqlite", "db": str(tmp_path / "trackers.db")}


@pytest.fixture
def postgresql_settings() -> Iterator[dict[str, Any]]:
    """A throwaway database on the local PostgreSQL server, dropped afterwards."""
    with throwaway_postgres_database() as settings:
        yield settings


@pytest.mark.parametrize("store_type", sorted({"SQL", project_store_type()}))
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_purge_deletes_whole_idle_conversations_only(
    request: pytest.FixtureRequest, tmp_path: Path, database: str, store_type: str
) -> None:
    settings = request.getfixturevalue(f"{database}_settings")
    store = SQLTrackerStore(**{("host" if k == "url" else k): v for k, v in settings.items()})
    senders = fill(store)
    endpoints = write_endpoints(tmp_path / "endpoints.yml", {"type": store_type, **settings})

    purge = run_purge(endpoints)

    output = purge.stdout + purge.stderr
    assert purge.returncode == 0, output
    remaining = events_per_sender(store.engine)
    store.engine.dispose()
    for sender, (stored, kept) in senders.items():
        assert remaining.get(sender, 0) == (stored if kept else 0), sender
    assert "deleted 2 conversations (12 events)" in output
    assert not any(sender in output for sender in senders), "a sender id was logged"


def test_purge_without_a_database_yet_deletes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "trackers.db"
    purge = run_purge(write_endpoints(tmp_path / "e.yml", {"type": "SQL", "db": str(db)}))
    assert purge.returncode == 0, purge.stderr
    assert not db.exists()
