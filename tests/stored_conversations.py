"""Conversations of chosen ages, stored through Rasa's own SQL tracker store,
for the retention purge to find (tests/test_retention.py, tests/test_lifecycle.py,
tests/cluster/test_purge_job.py), and a throwaway PostgreSQL database for them."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DAY = 86_400
# A local server with trust auth (see the machine's notes); override for others.
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Days ago of each conversation's events, and whether a 30-day purge keeps it.
CONVERSATIONS = {
    "idle-40-days": ([41, 40], False),
    "idle-31-days": ([60, 31], False),
    "long-but-active": ([90, 45, 2], True),
    "idle-29-days": ([29], True),
    "today": ([0], True),
}


def save_conversation(store: SQLTrackerStore, sender: str, days_ago: list[int]) -> int:
    """Stores a conversation through Rasa's store: one exchange per entry."""
    now = time.time()
    events = []
    for days in days_ago:
        at = now - days * DAY
        events += [
            UserUttered("what is igrt", timestamp=at),
            ActionExecuted("utter_what_is_igrt", timestamp=at + 1),
            ActionExecuted("action_listen", timestamp=at + 2),
        ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    return len(events)


def events_per_sender(engine: sa.engine.Engine) -> dict[str, int]:
    query = sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")
    with engine.connect() as connection:
        return {sender: count for sender, count in connection.execute(query)}


def fill(store: SQLTrackerStore) -> dict[str, tuple[int, bool]]:
    """sender id -> (events stored, kept by the purge)."""
    senders = {}
    for label, (days_ago, kept) in CONVERSATIONS.items():
        sender = f"{label}-{uuid.uuid4().hex}"
        senders[sender] = (save_conversation(store, sender, days_ago), kept)
    return senders


@contextmanager
def throwaway_postgres_database() -> Iterator[dict[str, Any]]:
    """A new database on the local PostgreSQL server, dropped afterwards: its
    tracker store settings (Rasa's names, the host as `url`)."""
    admin_url = sa.engine.make_url(POSTGRES_ADMIN_URL)
    name = f"purge_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield {
            "dialect": "postgresql",
            "url": admin_url.host,
            "port": admin_url.port or 5432,
            "db": name,
            "username": admin_url.username,
            "password": admin_url.password,
        }
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
