"""Create the cluster's PostgreSQL database when it is missing (make run-cluster).

Connects to the server's `postgres` database as POSTGRES_USER and runs CREATE
DATABASE POSTGRES_DB unless it exists; Rasa's store then creates its table.
Bounded: a server that does not answer fails after a few attempts.

    POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=5432 POSTGRES_USER=postgres \
        POSTGRES_DB=igrt_cluster python scripts/ensure_database.py
"""

from __future__ import annotations

import os
import sys
import time

import psycopg2
from psycopg2 import sql

ATTEMPTS = 10
RETRY_SECONDS = 1.0


def connect() -> psycopg2.extensions.connection:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return psycopg2.connect(
                host=os.environ.get("POSTGRES_HOST", "127.0.0.1"),
                port=int(os.environ.get("POSTGRES_PORT", "5432")),
                user=os.environ.get("POSTGRES_USER", "postgres"),
                password=os.environ.get("POSTGRES_PASSWORD") or None,
                dbname=os.environ.get("POSTGRES_LOGIN_DB", "postgres"),
                connect_timeout=5,
            )
        except psycopg2.OperationalError as error:
            if attempt == ATTEMPTS:
                reason = type(error).__name__
                raise SystemExit(f"ensure_database: cannot connect: {reason}") from None
            time.sleep(RETRY_SECONDS)
    raise AssertionError("unreachable")


def ensure(name: str) -> bool:
    """True when the database was created, False when it existed."""
    connection = connect()
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


if __name__ == "__main__":
    database = os.environ.get("POSTGRES_DB", "igrt_cluster")
    created = ensure(database)
    print(f"PostgreSQL database {database}: {'created' if created else 'exists'}", file=sys.stderr)
