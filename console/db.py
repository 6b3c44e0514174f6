"""The console's tables (SQLAlchemy Core): one database shared by every console
process, so sessions and lock-out counters hold across processes and restarts."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Only a SHA-256 of each session token is stored: a copy of the database does
# not let anyone sign in.
sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)

sign_in_failures = sa.Table(
    "staff_sign_in_failures",
    metadata,
    # Failures of an account name (known or not, so a lock-out tells nothing
    # about which names exist).
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("locked_until", sa.Float, nullable=False),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("suite", sa.String(64), nullable=False, index=True),
    # The patient's messages, one a line: a conversation.
    sa.Column("messages", sa.Text, nullable=False),
    sa.Column("expected_topic", sa.String(128), nullable=False, default=""),
    sa.Column("expected_reply", sa.Text, nullable=False, default=""),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Unanswered patient questions, scrubbed of personal data before they are
# stored; nothing says who asked or when exactly (the day only).
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
)

# Staff's notes on groups of inbox questions ("what the clinic should add"):
# groups are made on read, so a group's note is kept on each of its questions.
inbox_notes = sa.Table(
    "inbox_notes",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox.id"), primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("written_at", sa.Float, nullable=False),
)

# The last results of a run, for the CSV download (one per user is kept).
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("csv", sa.Text, nullable=False),
)

# How far the tracker store's events have been read for the inbox.
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

# Who changed what and when, for changes that reach patients (the clinic's
# settings): never patient data, so old and new values are kept.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    # JSON: {"field": [old, new], ...}
    sa.Column("detail", sa.Text, nullable=False),
)

# The model-quality refresh jobs (console/quality.py): one row per job, claimed
# by one console process at a time.
quality_jobs = sa.Table(
    "quality_jobs",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # running, done, failed, timed out
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    sa.Column("started_by", sa.String(64), nullable=False),
)


def connect(url: str) -> Engine:
    """The engine, with the tables created (a missing SQLite folder is made 0700)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True)
    metadata.create_all(engine)
    return engine
