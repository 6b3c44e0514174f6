"""Staff accounts, sign-in with lock-out, sessions and CSRF tokens.

Everything lives in the shared database (console/db.py), never in process
memory, so any console process accepts a session and counts failures.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from console import audit
from console.db import sessions, sign_in_failures, users

ROLES = ("staff", "admin")
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
SESSION_IDLE_SECONDS = 8 * 3600  # a working day at the front desk
SESSION_MAX_SECONDS = 12 * 3600  # however active, sign in again the next day
MIN_PASSWORD_CHARS = 12
NAME_CHARS = 64

_hasher = PasswordHasher()
# Checked against when the name is unknown, so a wrong name takes as long as a
# wrong password and timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    user: StaffUser
    csrf_token: str


class SignInLocked(Exception):
    """Too many failed sign-ins for this name: wait until the lock ends."""


def normalise_name(name: str) -> str:
    return name.strip().lower()[:NAME_CHARS]


def create_user(
    engine: Engine, name: str, password: str, role: str, by: str = "command line"
) -> None:
    """Create the account or, if it exists, set its password and role; audited
    as done by `by` (who ran the command)."""
    name = normalise_name(name)
    if not name or role not in ROLES:
        raise ValueError(f"a name and a role of {', '.join(ROLES)} are required")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    values = {"password_hash": _hasher.hash(password), "role": role}
    with engine.begin() as db:
        found = db.execute(sa.select(users.c.id, users.c.role).where(users.c.name == name)).first()
        if found:
            db.execute(users.update().where(users.c.id == found.id).values(**values))
            # A new password ends every session of the old one.
            ended = db.execute(sessions.delete().where(sessions.c.user_id == found.id)).rowcount
            audit.record(
                db,
                by,
                "account changed",
                account=name,
                role=[found.role, role],
                password="changed",
                sessions_ended=ended,
            )
        else:
            db.execute(users.insert().values(name=name, created_at=time.time(), **values))
            audit.record(db, by, "account created", account=name, role=role)
        db.execute(sign_in_failures.delete().where(sign_in_failures.c.name == name))


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the database in use."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(sign_in_failures).on_conflict_do_nothing()


def _reserve_attempt(engine: Engine, name: str, now: float) -> bool:
    """Count this sign-in attempt before the password is checked, in one
    transaction with an atomic `count + 1`, so that guesses sent in parallel
    are all counted. False when the name is locked out."""
    attempts = sign_in_failures.c
    with engine.begin() as db:
        db.execute(
            _insert_ignoring_duplicates(engine).values(
                name=name, count=0, first_at=now, locked_until=0
            )
        )
        # A window that has passed (and no lock running) starts again.
        db.execute(
            sign_in_failures.update()
            .where(attempts.name == name)
            .where(attempts.first_at < now - FAILURE_WINDOW_SECONDS)
            .where(attempts.locked_until <= now)
            .values(count=0, first_at=now)
        )
        counted = db.execute(
            sign_in_failures.update()
            .where(attempts.name == name)
            .where(attempts.locked_until <= now)
            .values(count=attempts.count + 1)
        )
        if counted.rowcount == 0:
            return False  # locked
        count = db.execute(sa.select(attempts.count).where(attempts.name == name)).scalar_one()
        if count > MAX_FAILURES:
            db.execute(
                sign_in_failures.update()
                .where(attempts.name == name)
                .values(locked_until=now + LOCK_SECONDS)
            )
            return False
    return True


def _after_failure(engine: Engine, name: str, now: float) -> bool:
    """Lock the name once its attempts reach the limit; True when locked."""
    attempts = sign_in_failures.c
    with engine.begin() as db:
        locked = db.execute(
            sign_in_failures.update()
            .where(attempts.name == name)
            .where(attempts.count >= MAX_FAILURES)
            .values(locked_until=now + LOCK_SECONDS)
        )
    return locked.rowcount > 0


def authenticate(engine: Engine, name: str, password: str) -> StaffUser | None:
    """The user if name and password match; None if not. Raises SignInLocked."""
    name, now = normalise_name(name), time.time()
    if not _reserve_attempt(engine, name, now):
        raise SignInLocked
    with engine.connect() as db:
        row = db.execute(sa.select(users).where(users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        if _after_failure(engine, name, now):
            raise SignInLocked
        return None
    with engine.begin() as db:
        db.execute(sign_in_failures.delete().where(sign_in_failures.c.name == name))
        if _hasher.check_needs_rehash(row.password_hash):
            db.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(password_hash=_hasher.hash(password))
            )
    return StaffUser(row.id, row.name, row.role)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(engine: Engine, user: StaffUser) -> str:
    """A new session's token, for the cookie (only its hash is stored)."""
    token, now = secrets.token_urlsafe(32), time.time()
    with engine.begin() as db:
        # Sessions nobody came back to are dropped here rather than by a job.
        db.execute(sessions.delete().where(sessions.c.last_seen < now - SESSION_IDLE_SECONDS))
        db.execute(
            sessions.insert().values(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen=now,
            )
        )
    return token


def find_session(engine: Engine, token: str | None) -> Session | None:
    if not token:
        return None
    now, key = time.time(), _token_hash(token)
    query = (
        sa.select(
            sessions.c.csrf_token,
            sessions.c.created_at,
            sessions.c.last_seen,
            users.c.id,
            users.c.name,
            users.c.role,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == key)
    )
    with engine.begin() as db:
        row = db.execute(query).first()
        if row is None:
            return None
        if now - row.last_seen > SESSION_IDLE_SECONDS or now - row.created_at > SESSION_MAX_SECONDS:
            db.execute(sessions.delete().where(sessions.c.token_hash == key))
            return None
        db.execute(sessions.update().where(sessions.c.token_hash == key).values(last_seen=now))
    return Session(StaffUser(row.id, row.name, row.role), row.csrf_token)


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as db:
            db.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))


def csrf_valid(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
