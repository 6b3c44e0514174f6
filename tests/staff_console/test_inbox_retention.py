"""Inbox questions older than the retention period (CONSOLE_INBOX_RETENTION_DAYS,
default 30) are deleted with their notes by the console's periodic job, and the
purge is in the audit log. A real SQLite console database."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.db import audit_log, connect, inbox, inbox_notes
from console.inbox import RETENTION_JOB, purge_older_than
from console.settings import load

TODAY = datetime.date(2026, 11, 29)


def add_question(engine: sa.engine.Engine, text: str, days_ago: int, note: str = "") -> int:
    day = (TODAY - datetime.timedelta(days=days_ago)).isoformat()
    with engine.begin() as db:
        item = db.execute(
            inbox.insert().values(text=text, reason="out_of_scope", day=day, reviewed=False)
        ).inserted_primary_key[0]
        if note:
            db.execute(inbox_notes.insert().values(item_id=item, note=note, written_at=0.0))
    return item


def test_old_questions_and_their_notes_go_and_recent_ones_stay(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'console.db'}")
    add_question(engine, "how much is parking", days_ago=45, note="add parking to the FAQ")
    add_question(engine, "do you validate parking", days_ago=31)
    kept = add_question(engine, "can my dog come", days_ago=30)

    assert purge_older_than(engine, days=30, today=TODAY) == 2

    with engine.connect() as db:
        assert [row.id for row in db.execute(sa.select(inbox.c.id))] == [kept]
        assert db.execute(sa.select(sa.func.count()).select_from(inbox_notes)).scalar() == 0
        (row,) = db.execute(sa.select(audit_log)).all()
    assert (row.user_name, row.action) == (RETENTION_JOB, "inbox purged")
    assert "parking" not in row.detail


def test_nothing_old_nothing_purged_nothing_audited(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'console.db'}")
    add_question(engine, "is there wifi", days_ago=1)
    assert purge_older_than(engine, days=30, today=TODAY) == 0
    with engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 0


def test_the_retention_period_defaults_to_30_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_INBOX_RETENTION_DAYS", raising=False)
    assert load().inbox_retention_days == 30
    monkeypatch.setenv("CONSOLE_INBOX_RETENTION_DAYS", "7")
    assert load().inbox_retention_days == 7
