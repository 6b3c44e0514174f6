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
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from stores.status import TrackerStoreUnavailable, database_status, describe

if TYPE_CHECKING:
    from sqlalchemy.engine.url import URL
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_SECONDS = 5
# A database server in a cluster may come up after Rasa: about 10 s of patience.
DEFAULT_STARTUP_ATTEMPTS = 5
DEFAULT_STARTUP_RETRY_SECONDS = 2.0
# The write check's row is rolled back, never stored.
PROBE_SENDER_ID = "tracker-store-write-check"


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
        **kwargs: Any,
    ) -> None:
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
        with self.reporting("save a conversation", writes=True):
            await super().save(tracker)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with self.reporting("read a conversation"):
            return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        with self.reporting("read a conversation"):
            return await super().retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[str]:
        with self.reporting("list conversations"):
            return await super().keys()


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
