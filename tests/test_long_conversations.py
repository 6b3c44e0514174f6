"""A long conversation costs no more per turn than a short one (issue 11 §3).

stores.sql.StrictSQLTrackerStore reads only the current session, finds its
start through an index, and begins a new session after `max_turns_per_session`
patient messages, carrying the slots over. Nothing stored is dropped: the whole
conversation is still there, in order. Real SQLite and PostgreSQL, no servers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from test_database_failures import POSTGRES, fresh_postgres_database, needs_postgres

from stores.sql import TURN_INDEXES, StrictSQLTrackerStore

PROJECT = Path(__file__).resolve().parents[1]
DOMAIN = Domain.load(str(PROJECT / "domain.yml"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict]:
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "trackers.db")}
        return
    with fresh_postgres_database() as name:
        yield {
            "dialect": "postgresql",
            "host": POSTGRES["host"],
            "port": POSTGRES["port"],
            "username": POSTGRES["user"],
            "db": name,
        }


def open_store(settings: dict, **options: int) -> StrictSQLTrackerStore:
    return StrictSQLTrackerStore(domain=DOMAIN, startup_attempts=1, **settings, **options)


async def patient_turn(
    store: StrictSQLTrackerStore, sender: str, text: str
) -> DialogueStateTracker:
    """One turn as Rasa's processor runs it: read, the message and reply, save."""
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    if not tracker.events:
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    tracker.update(UserUttered(text))
    tracker.update(ActionExecuted("utter_what_is_igrt"))
    tracker.update(BotUttered("IGRT uses images taken before each session."))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await store.save(tracker)
    return tracker


def texts_of(tracker: DialogueStateTracker) -> list[str]:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_a_turn_reads_at_most_the_session_limit_of_messages(store_settings: dict) -> None:
    async def converse() -> list[int]:
        store = open_store(store_settings, max_turns_per_session=5)
        read = []
        for turn in range(1, 18):
            await patient_turn(store, "long", f"question {turn}")
            read.append(len(texts_of(await store.retrieve("long"))))
        return read

    # After the fifth message of a session, the next one starts a new session.
    assert asyncio.run(converse()) == [1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2]


def test_every_message_of_a_long_conversation_is_kept_in_order(store_settings: dict) -> None:
    async def converse() -> DialogueStateTracker | None:
        store = open_store(store_settings, max_turns_per_session=4)
        for turn in range(1, 12):
            await patient_turn(store, "kept", f"question {turn}")
        return await store.retrieve_full_tracker("kept")

    whole = asyncio.run(converse())
    assert whole is not None
    assert texts_of(whole) == [f"question {turn}" for turn in range(1, 12)]
    assert sum(isinstance(event, SessionStarted) for event in whole.events) == 3


def test_slots_carry_over_into_the_new_session(store_settings: dict) -> None:
    async def converse() -> DialogueStateTracker | None:
        store = open_store(store_settings, max_turns_per_session=2)
        tracker = await patient_turn(store, "slots", "my wife has breast cancer")
        tracker.update(SlotSet("body_site", ["breast"]))
        await store.save(tracker)
        await patient_turn(store, "slots", "what about skin")
        return await store.retrieve("slots")

    fresh_session = asyncio.run(converse())
    assert fresh_session is not None
    assert texts_of(fresh_session) == []
    assert fresh_session.get_slot("body_site") == ["breast"]


def test_no_limit_keeps_one_session(store_settings: dict) -> None:
    async def converse() -> DialogueStateTracker | None:
        store = open_store(store_settings, max_turns_per_session=0)
        for turn in range(1, 31):
            await patient_turn(store, "unbounded", f"question {turn}")
        return await store.retrieve("unbounded")

    tracker = asyncio.run(converse())
    assert tracker is not None
    assert len(texts_of(tracker)) == 30


def test_the_turn_indexes_are_created_and_a_second_start_keeps_them(store_settings: dict) -> None:
    first = open_store(store_settings)
    open_store(store_settings)  # a second replica starting on the same database
    indexes = {index["name"] for index in sa.inspect(first.engine).get_indexes("events")}
    assert set(TURN_INDEXES) <= indexes


def test_a_session_start_of_another_conversation_does_not_cut_this_one(
    store_settings: dict,
) -> None:
    async def converse() -> DialogueStateTracker | None:
        store = open_store(store_settings, max_turns_per_session=2)
        await patient_turn(store, "mine", "first question")
        for turn in range(3):
            await patient_turn(store, f"other-{uuid.uuid4().hex}", f"other {turn}")
            await patient_turn(store, "someone", f"their question {turn}")
        return await store.retrieve("mine")

    mine = asyncio.run(converse())
    assert mine is not None
    assert texts_of(mine) == ["first question"]
