"""Rasa's SQL tracker store, strict about its database.

Named in endpoints.yml as `type: stores.sql.StrictSQLTrackerStore`, with the
same settings as Rasa's `type: SQL` (dialect, url, port, db, username,
password, login_db, query): Rasa passes them to the constructor with `url` as
`host` (so a `host:` key clashes with it), `domain` and `event_broker`.
Differences:

- Start-up fails (TrackerStoreUnavailable, so `rasa run` exits 1) when the
  database cannot be reached or written: Rasa's store logs and carries on,
  and its fallback then keeps conversations in memory.
- Every database error is raised as TrackerStoreUnavailable, whose message is
  safe to log (SQLAlchemy's quotes the sender id and the stored event), and is
  recorded in stores.status.database_status.
- A missing PostgreSQL schema fails the operation instead of exiting the
  process (Rasa calls sys.exit there, for any ValueError inside a session).
- PostgreSQL connections time out after 5 s unless `query` sets
  `connect_timeout`: the store's calls block the event loop.
- A turn's work does not grow with the conversation's length. The session
  start is read on its own first, through two indexes on the events table
  (created at start-up if missing), and a session holds at most
  `max_turns_per_session` patient messages (default 20; 0: no limit): after
  that many, the next message begins a new session, slots carried over. Each
  turn reads and featurises its session's events, so a conversation of 200
  messages costs per turn what one of 20 does. The new session's first reply
  repeats the disclaimer, as after an hour's pause.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    SQLTrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
    validate_port,
)
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.status import TrackerStoreUnavailable, database_status, describe

if TYPE_CHECKING:
    from sqlalchemy.engine.url import URL
    from sqlalchemy.orm import Query, Session

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_SECONDS = 5
# A database server in a cluster may come up after Rasa: about 10 s of patience.
DEFAULT_STARTUP_ATTEMPTS = 5
DEFAULT_STARTUP_RETRY_SECONDS = 2.0
DEFAULT_MAX_TURNS_PER_SESSION = 20
# The write check's row is rolled back, never stored.
PROBE_SENDER_ID = "tracker-store-write-check"
# What a turn's queries look up: the latest session start of a conversation,
# and its events from then on.
TURN_INDEXES = {
    "ix_events_sender_type_timestamp": ("sender_id", "type_name", "timestamp"),
    "ix_events_sender_timestamp": ("sender_id", "timestamp"),
}


class StrictSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that refuses to start on a database it cannot write,
    and raises TrackerStoreUnavailable on every database error."""

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | str | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        startup_attempts: int = DEFAULT_STARTUP_ATTEMPTS,
        startup_retry_seconds: float = DEFAULT_STARTUP_RETRY_SECONDS,
        max_turns_per_session: int = DEFAULT_MAX_TURNS_PER_SESSION,
        **kwargs: Any,
    ) -> None:
        self.max_turns_per_session = int(max_turns_per_session)
        query = with_connect_timeout(dialect, query)
        first_url = self.get_db_url(
            dialect, host, validate_port(port), db, username, password, login_db, query
        )
        try:
            # Before Rasa's constructor, which retries forever with login_db
            # and logs each failure with the full SQLAlchemy message.
            wait_for_database(
                first_url, attempts_for(first_url, startup_attempts), startup_retry_seconds
            )
            super().__init__(
                domain=domain,
                dialect=dialect,
                host=host,
                port=port,
                db=db,
                username=username,
                password=password,
                event_broker=event_broker,
                login_db=login_db,
                query=query,
                **kwargs,
            )
            self.check_writable()
            self.ensure_turn_indexes()
        except TrackerStoreUnavailable as unavailable:
            logger.error("Cannot start: %s", unavailable)
            raise

    # --- checks

    def check_writable(self) -> None:
        """Writes a row to the events table and rolls it back; raises
        TrackerStoreUnavailable when the database cannot be written."""
        table = self.SQLEvent.__table__
        row = {"sender_id": PROBE_SENDER_ID, "type_name": "write_check", "timestamp": time.time()}
        with self.reporting("write a test row", writes=True), self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(table.insert().values(**row))
            finally:
                transaction.rollback()

    def ensure_turn_indexes(self) -> None:
        """Creates TURN_INDEXES where missing. Replicas starting together may
        race to create one: the loser's error is fine once the index exists."""
        table = self.SQLEvent.__table__
        with self.reporting("create its indexes", writes=True):
            for name, columns in TURN_INDEXES.items():
                quoted = ", ".join(f'"{column}"' for column in columns)
                ddl = sa.text(f'CREATE INDEX IF NOT EXISTS {name} ON "{table.name}" ({quoted})')
                try:
                    with self.engine.begin() as connection:
                        connection.execute(ddl)
                except sqlalchemy.exc.SQLAlchemyError:
                    if name not in {
                        ix["name"] for ix in sa.inspect(self.engine).get_indexes(table.name)
                    }:
                        raise

    @contextlib.contextmanager
    def reporting(self, operation: str, writes: bool = False) -> Iterator[None]:
        """Database errors inside become TrackerStoreUnavailable (from None: the
        original's message holds the SQL parameters) and mark database_status
        failing; only a write clears it (a read-only database reads fine)."""
        try:
            yield
        except TrackerStoreUnavailable as unavailable:
            database_status.failed(unavailable)
            raise
        except sqlalchemy.exc.SQLAlchemyError as error:
            unavailable = TrackerStoreUnavailable(operation, describe(error))
            database_status.failed(unavailable)
            raise unavailable from None
        if writes:
            database_status.succeeded()

    # --- Rasa's SQLTrackerStore, reporting

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """Rasa's session scope without its sys.exit: a missing PostgreSQL
        schema fails the operation, and errors of the work inside (even a
        ValueError) propagate as they are."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as schema:
                raise TrackerStoreUnavailable(
                    "find its schema", f"the PostgreSQL schema {schema} does not exist"
                ) from None
            yield session
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        close_long_session(tracker, self.max_turns_per_session)
        with self.reporting("save a conversation", writes=True):
            await super().save(tracker)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with self.reporting("read a conversation"):
            return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        with self.reporting("read a conversation"):
            return await super().retrieve_full_tracker(conversation_id)

    def _event_query(
        self, session: Session, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Query:
        """Rasa's query, with the session start read first. Rasa joins it as a
        subquery, which PostgreSQL ran once per event of the conversation: a
        turn's read grew with the square of its length (174 ms at 1,080 events)."""
        query = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            session_start = (
                session.query(sa.func.max(self.SQLEvent.timestamp))
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == SessionStarted.type_name,
                )
                .scalar()
            )
            if session_start is not None:
                query = query.filter(self.SQLEvent.timestamp >= session_start)
        return query.order_by(self.SQLEvent.id)

    async def keys(self) -> Iterable[str]:
        with self.reporting("list conversations"):
            return await super().keys()


def close_long_session(tracker: DialogueStateTracker, max_turns: int) -> None:
    """After a finished turn that brings the session to `max_turns` patient
    messages, appends what Rasa's session start writes (SessionStarted, the
    slots, action_listen), so that the next turn reads a new session."""
    events = list(tracker.events)
    finished = events and isinstance(events[-1], ActionExecuted)
    if max_turns <= 0 or not finished or events[-1].action_name != ACTION_LISTEN_NAME:
        return
    since_start = 0
    for event in reversed(events):
        if isinstance(event, SessionStarted):
            break
        since_start += isinstance(event, UserUttered)
    if since_start < max_turns:
        return
    carried = {name: value for name, value in tracker.current_slot_values().items() if value}
    # Created in this order: a session is read from its start's timestamp on.
    new_session = [SessionStarted(), *(SlotSet(name, value) for name, value in carried.items())]
    for event in [*new_session, ActionExecuted(ACTION_LISTEN_NAME)]:
        tracker.update(event)


def with_connect_timeout(dialect: str, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """The query options, with a PostgreSQL connect timeout unless one is set."""
    if not dialect.startswith("postgresql"):
        return query
    return {"connect_timeout": str(DEFAULT_CONNECT_TIMEOUT_SECONDS), **(query or {})}


def attempts_for(url: str | URL, startup_attempts: int) -> int:
    """SQLite has no server to wait for: one attempt."""
    is_sqlite = str(url).startswith("sqlite")
    return 1 if is_sqlite else max(1, int(startup_attempts))


def wait_for_database(url: str | URL, attempts: int, retry_seconds: float) -> None:
    """Connects, retrying a few times; raises TrackerStoreUnavailable."""
    folder_problem = sqlite_folder_problem(url)
    if folder_problem is not None:
        raise TrackerStoreUnavailable("open its file", folder_problem)
    engine = sa.create_engine(url, **create_engine_kwargs(url))
    try:
        for attempt in range(1, attempts + 1):
            try:
                with engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
                return
            except sqlalchemy.exc.SQLAlchemyError as error:
                if attempt == attempts:
                    raise TrackerStoreUnavailable("connect", describe(error)) from None
                logger.warning(
                    "The conversation database is not reachable yet (attempt %s of %s): %s",
                    attempt,
                    attempts,
                    describe(error),
                )
                time.sleep(retry_seconds)
    finally:
        engine.dispose()


def sqlite_folder_problem(url: str | URL) -> str | None:
    """Why an SQLite database file cannot be created in its folder, if it
    cannot: SQLite creates the file but never its folder."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    folder = Path(url.database).parent
    if folder.is_dir():
        return None
    if folder.exists():
        return f"{folder} is not a folder"
    return f"the folder {folder} does not exist"
