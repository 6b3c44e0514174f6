"""The console's shared state on SQLite and on PostgreSQL: what one process
writes (sessions, lock-out counts, checks, inbox) another sees, through its own
engine. PostgreSQL: the local server the retention tests use (TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import auth, checks, inbox
from console.db import connect
from console.db import inbox as inbox_table

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "a long enough password"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.db'}"
        return
    admin_url = sa.engine.make_url(POSTGRES_ADMIN_URL)
    name = f"console_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(admin_url.set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_processes_share_sessions_and_lock_outs(database_url: str) -> None:
    first, second = connect(database_url), connect(database_url)  # as two processes would
    auth.create_user(first, "Nurse.Kim", PASSWORD, "staff")
    user = auth.authenticate(second, " nurse.kim ", PASSWORD)
    assert user is not None and user.role == "staff"
    token = auth.start_session(first, user)
    session = auth.find_session(second, token)
    assert session is not None and session.user.name == "nurse.kim"
    auth.end_session(second, token)
    assert auth.find_session(first, token) is None
    # Failures counted by either process add up to one lock-out.
    for engine in (first, second, first, second):
        assert auth.authenticate(engine, "nurse.kim", "wrong") is None
    with pytest.raises(auth.SignInLocked):
        auth.authenticate(second, "nurse.kim", "wrong")
    with pytest.raises(auth.SignInLocked):
        auth.authenticate(first, "nurse.kim", PASSWORD)
    # A new password (make staff-user again) lifts the lock.
    auth.create_user(first, "nurse.kim", PASSWORD + "!", "admin")
    assert auth.authenticate(second, "nurse.kim", PASSWORD + "!").is_admin


def test_passwords_are_argon2_hashes_and_short_ones_refused(database_url: str) -> None:
    engine = connect(database_url)
    with pytest.raises(ValueError, match="at least"):
        auth.create_user(engine, "short", "too short", "staff")
    with pytest.raises(ValueError, match="role"):
        auth.create_user(engine, "boss", PASSWORD, "root")
    auth.create_user(engine, "desk", PASSWORD, "staff")
    with engine.connect() as db:
        stored = db.execute(sa.text("SELECT password_hash FROM staff_users")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_checks_and_inbox_are_shared(database_url: str) -> None:
    first, second = connect(database_url), connect(database_url)
    found = [checks.Check(("hello", "what is igrt"), "what_is_igrt")]
    assert checks.save_checks(first, "desk suite", found, "desk") == 1
    assert checks.load_suite(second, "desk suite")[0].messages == ("hello", "what is igrt")
    assert checks.suite_names(second) == [("desk suite", 1)]
    with first.begin() as db:
        db.execute(
            inbox_table.insert().values(text="[NAME] asks", reason="scope check", day="2026-11-29")
        )
    [item] = inbox.pending(second)
    inbox.mark_reviewed(second, item.id, "desk")
    assert inbox.pending(first) == []


def test_guesses_sent_in_parallel_are_all_counted(database_url: str) -> None:
    engine = connect(database_url)
    auth.create_user(engine, "desk", PASSWORD, "staff")

    def guess(_: int) -> str:
        try:
            return "refused" if auth.authenticate(engine, "desk", "wrong") is None else "in"
        except auth.SignInLocked:
            return "locked"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(guess, range(12)))
    # Only as many passwords are checked as the limit allows; the rest are locked.
    assert outcomes.count("refused") <= auth.MAX_FAILURES - 1
    assert outcomes.count("locked") >= 12 - auth.MAX_FAILURES
    with pytest.raises(auth.SignInLocked):
        auth.authenticate(engine, "desk", PASSWORD)


def test_a_new_password_ends_the_sessions_of_the_old_one(database_url: str) -> None:
    engine = connect(database_url)
    auth.create_user(engine, "desk", PASSWORD, "staff")
    user = auth.authenticate(engine, "desk", PASSWORD)
    assert user is not None
    token = auth.start_session(engine, user)
    auth.create_user(engine, "desk", "another long password", "staff")
    assert auth.find_session(engine, token) is None
