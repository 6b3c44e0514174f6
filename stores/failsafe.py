"""Rasa's FailSafeTrackerStore, made to let errors through.

rasa/core/agent.py wraps every tracker store in a FailSafeTrackerStore, which
catches any error of the store, logs it with the error's message (SQLAlchemy's
quotes the sender id and the stored event) and carries on with an in-memory
store: the conversation restarts, the turn is lost, and nothing tells the
patient or a health check. Its `on_tracker_store_error` callback is called
instead of that log; a callback that raises makes the error reach the channel.
The agent offers no way to pass the callback, so it is set on the wrapper the
agent built (an attribute of rasa 3.6's FailSafeTrackerStore: tests/
test_database_failures.py fails if it changes).
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, TrackerStore


def reraise(error: Exception) -> None:
    """FailSafeTrackerStore's error callback: no fallback, no log of the
    error's message (the store logged what failed)."""
    raise error


def raise_store_errors(agent: Any) -> None:
    """Makes the agent's tracker store raise its errors instead of falling
    back to memory. Idempotent; does nothing for an agent without a store."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error is not reraise:
        store._on_tracker_store_error = reraise


def primary_store(agent: Any) -> TrackerStore | None:
    """The store the agent's wrappers delegate to (the one endpoints.yml names)."""
    store = getattr(agent, "tracker_store", None)
    while isinstance(store, FailSafeTrackerStore | AwaitableTrackerStore):
        store = store._tracker_store
    return store
