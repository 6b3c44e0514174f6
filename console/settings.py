"""The console's settings, all from environment variables (defaults for `make run`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    # SQLAlchemy URL of the accounts, sessions, lock-outs, checks, inbox and
    # audit log: shared by every console process; by default the tracker
    # store's database (SQLite var/trackers.db, or PostgreSQL).
    database_url: str
    model: Path
    # Where candidate models for a comparison are (models/*.tar.gz).
    models_dir: Path
    # The action server the in-process agent calls, and its shared secret.
    action_url: str
    action_token: str
    # The Rasa tracker store the inbox reads (SQLAlchemy URL); empty: no inbox.
    tracker_store_url: str
    # Secure cookies: browsers accept them over http://localhost, so only a
    # deployment without TLS on another host name needs this off.
    secure_cookies: bool
    inbox_interval_seconds: int
    # Inbox questions older than this are deleted by the periodic job.
    inbox_retention_days: int
    # Where the model-quality reports are written and read (make nlu-report,
    # reading-grades, score: REPORTS_DIR).
    reports_dir: Path


def load() -> Settings:
    action_port = _env("ACTION_PORT", "5055")
    tracker_store_url = _env(
        "CONSOLE_TRACKER_STORE_URL", f"sqlite:///{PROJECT / 'var' / 'trackers.db'}"
    )
    return Settings(
        host=_env("CONSOLE_HOST", _env("BIND_HOST", "127.0.0.1")),
        port=int(_env("CONSOLE_PORT", "8001")),
        # The console's tables live in the tracker store's database unless told
        # otherwise: one database to back up, on SQLite or PostgreSQL alike.
        database_url=_env("CONSOLE_DATABASE_URL", tracker_store_url),
        model=Path(_env("CONSOLE_MODEL", _env("MODEL", str(PROJECT / "models/current.tar.gz")))),
        models_dir=Path(_env("CONSOLE_MODELS_DIR", str(PROJECT / "models"))),
        action_url=_env("CONSOLE_ACTION_URL", f"http://127.0.0.1:{action_port}/webhook"),
        action_token=os.environ.get("ACTION_SERVER_TOKEN", ""),
        tracker_store_url=tracker_store_url,
        secure_cookies=_env("CONSOLE_SECURE_COOKIES", "1") != "0",
        inbox_interval_seconds=int(_env("CONSOLE_INBOX_INTERVAL", "600")),
        inbox_retention_days=max(1, int(_env("CONSOLE_INBOX_RETENTION_DAYS", "30"))),
        reports_dir=Path(_env("CONSOLE_REPORTS_DIR", str(PROJECT / "reports"))),
    )
