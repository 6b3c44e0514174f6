"""Delete conversations idle for more than RETENTION_DAYS days (default 30).

A conversation is every event of one sender id in Rasa's SQL tracker store
(table `events`). It goes whole, in one DELETE, when its newest event is older
than the cutoff, so a conversation is never cut in half. The database is the one
in the `tracker_store` section of the endpoints file (ENDPOINTS, default
endpoints.yml), reached as Rasa's SQLTrackerStore reaches it: SQLite or
PostgreSQL, POSTGRESQL_SCHEMA included. Only counts are logged, never sender ids.

    python scripts/purge.py                     # once (make purge)
    python scripts/purge.py --then-sleep 86400  # once, then sleep (make run: daily)
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
from rasa.shared.utils.common import class_from_module_path

logger = logging.getLogger("purge")

DEFAULT_DAYS = 30.0
SECONDS_PER_DAY = 86_400
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))
ENV_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def expand_env(value: Any) -> Any:
    """Rasa's ${VAR} substitution, applied to this section only (so the action
    server's secret, used elsewhere in the file, need not be set to purge)."""
    if isinstance(value, dict):
        return {key: expand_env(item) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    missing = [name for name in ENV_PLACEHOLDER.findall(value) if name not in os.environ]
    if missing:
        raise SystemExit(f"purge: set {', '.join(missing)} (used by the tracker store)")
    return os.path.expandvars(value)


def is_sql_store(store_type: str) -> bool:
    """`type: SQL`, or a class path to a subclass of Rasa's SQLTrackerStore."""
    if store_type.lower() == "sql":
        return True
    sys.path.insert(1, os.getcwd())  # as `rasa` does, for the project's own stores
    try:
        store_class = class_from_module_path(store_type)
    except ImportError:
        return False
    return issubclass(store_class, SQLTrackerStore)


def tracker_store_settings(endpoints: Path) -> dict[str, Any]:
    # BaseLoader: importing Rasa adds its ${VAR} resolver to PyYAML's SafeLoader
    # for every key of the file; here values stay strings, expanded above.
    content = yaml.load(endpoints.read_text(), Loader=yaml.BaseLoader) or {}
    settings = content.get("tracker_store") or {}
    if not is_sql_store(settings.get("type", "")):
        raise SystemExit(f"purge: {endpoints} configures no SQL tracker store")
    return expand_env(settings)


def engine_for(settings: dict[str, Any]) -> sa.engine.Engine:
    """The database of the settings, connected as SQLTrackerStore connects (Rasa
    passes `url` as its host). login_db is left out: it only names the database
    Rasa connects to first, to create `db`."""
    with warnings.catch_warnings():
        # Rasa 3.6 builds the URL with SQLAlchemy's deprecated URL() constructor.
        warnings.simplefilter("ignore", sa.exc.SADeprecationWarning)
        url = SQLTrackerStore.get_db_url(
            dialect=settings.get("dialect", "sqlite"),
            host=settings.get("url"),
            port=validate_port(settings.get("port")),
            db=settings.get("db", "rasa.db"),
            username=settings.get("username"),
            password=settings.get("password"),
            query=settings.get("query"),
        )
    return sa.create_engine(url, **create_engine_kwargs(url))


def stale_senders(cutoff: float) -> sa.sql.Select:
    """Sender ids whose newest event is older than cutoff (seconds since the epoch)."""
    newest = sa.func.max(EVENTS.c.timestamp)
    return sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(newest < cutoff)


def purge(engine: sa.engine.Engine, cutoff: float) -> tuple[int, int]:
    """Deletes the conversations idle since before cutoff: (conversations, events)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and not (database and Path(database).exists()):
        return 0, 0  # no file yet: connecting would create an empty one
    if not sa.inspect(engine).has_table("events"):
        return 0, 0  # Rasa has not stored a conversation yet
    with engine.begin() as connection:
        count = sa.select(sa.func.count()).select_from(stale_senders(cutoff).subquery())
        conversations = connection.execute(count).scalar_one()
        # One statement picks and deletes: every event of a stale sender goes.
        delete = sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(stale_senders(cutoff)))
        events = connection.execute(delete).rowcount
    return conversations, events


def purge_once(endpoints: Path, days: float) -> bool:
    engine = engine_for(tracker_store_settings(endpoints))
    try:
        conversations, events = purge(engine, time.time() - days * SECONDS_PER_DAY)
    except sa.exc.SQLAlchemyError as error:
        # The first line names the failure; later lines may hold the statement.
        logger.error("failed: %s", str(error).splitlines()[0])
        return False
    finally:
        engine.dispose()
    logger.info(
        "deleted %d conversations (%d events) idle for over %g days", conversations, events, days
    )
    return True


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--endpoints", type=Path, default=Path(os.environ.get("ENDPOINTS", "endpoints.yml"))
    )
    parser.add_argument(
        "--days", type=float, default=float(os.environ.get("RETENTION_DAYS", DEFAULT_DAYS))
    )
    parser.add_argument(
        "--then-sleep",
        type=float,
        default=0,
        metavar="SECONDS",
        help="sleep this long after a purge before exiting (a supervisor starts it again)",
    )
    parser.add_argument(
        "--retry-after",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="with --then-sleep, sleep only this long after a failed purge",
    )
    args = parser.parse_args(argv)
    if args.days <= 0:
        parser.error("--days (RETENTION_DAYS) must be more than 0")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s purge: %(message)s")
    args = parse_arguments(argv)
    ok = purge_once(args.endpoints, args.days)
    if args.then_sleep > 0:
        time.sleep(args.then_sleep if ok else args.retry_after)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
