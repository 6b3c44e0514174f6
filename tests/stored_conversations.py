"""Conversations of chosen ages, stored through Rasa's own SQL tracker store,
for the retention purge to find (tests/test_retention.py, tests/test_lifecycle.py)."""

from __future__ import annotations

import asyncio
import time
import uuid

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DAY = 86_400
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
