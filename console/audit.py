"""The audit log: who changed what, and when, in the console.

One row per changing action, written with record() on the connection of the
change's own transaction, so a change and its row commit (or roll back)
together. The detail names things (ids, counts, suite and file names, field
values of the clinic's settings), never a question's, reply's or patient's
words: callers pass no text that staff or patients typed as a message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from console.db import audit_log

RECENT = 100
NAME_CHARS = 64  # the table's user_name and action columns


@dataclass(frozen=True)
class Entry:
    at: float
    user_name: str
    action: str
    detail: dict[str, Any]


def record(db: Connection, user_name: str, action: str, **detail: Any) -> None:
    """Add one row in the caller's transaction."""
    db.execute(
        audit_log.insert().values(
            at=time.time(),
            user_name=user_name[:NAME_CHARS],
            action=action[:NAME_CHARS],
            detail=json.dumps(detail),
        )
    )


def record_now(engine: Engine, user_name: str, action: str, **detail: Any) -> None:
    """A row of its own, for an action that writes nothing else (a comparison)."""
    with engine.begin() as db:
        record(db, user_name, action, **detail)


def recent(engine: Engine, limit: int = RECENT, action: str | None = None) -> list[Entry]:
    """The newest rows first (of one action when given)."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    with engine.connect() as db:
        rows = db.execute(query).all()
    return [Entry(row.at, row.user_name, row.action, json.loads(row.detail)) for row in rows]


def shown(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The detail as (name, value) pairs for the page; lists as JSON."""
    return [
        (name, value if isinstance(value, str) else json.dumps(value))
        for name, value in detail.items()
    ]
