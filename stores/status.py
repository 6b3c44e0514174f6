"""The state of the conversation database in this process, and how a failure
is described: what failed and why, never a sender id or conversation content."""

from __future__ import annotations

import logging

import sqlalchemy.exc
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

MAX_CAUSE_CHARS = 200


class TrackerStoreUnavailable(RasaException):
    """The conversation database cannot be opened, read or written.

    Its message is safe to log and show to operators: the operation and the
    cause, never the SQL parameters (which hold sender ids and messages).
    """

    def __init__(self, operation: str, cause: str) -> None:
        super().__init__(f"the conversation database could not {operation}: {cause}")
        self.operation = operation
        self.cause = cause


def describe(error: BaseException) -> str:
    """The error's driver class and, for connection and schema errors, the
    first line of the driver's message ("attempt to write a readonly
    database", "Connection refused"...).

    SQLAlchemy's own message quotes the statement and its parameters (sender
    id, intent, the stored event), and the messages of other driver errors can
    quote a value, so those are never used.
    """
    if not isinstance(error, sqlalchemy.exc.DBAPIError) or error.orig is None:
        return type(error).__name__
    original = error.orig
    name = f"{type(original).__module__.split('.')[0]}.{type(original).__name__}"
    if not isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.ProgrammingError):
        return name
    lines = str(original).strip().splitlines()
    first_line = lines[0].strip() if lines else ""
    return f"{name}: {first_line[:MAX_CAUSE_CHARS]}" if first_line else name


class DatabaseStatus:
    """Whether the last use of the conversation database in this process
    failed. The channels read it to tell the patient the chat is unavailable
    rather than that something went wrong (channels/replies.py)."""

    def __init__(self) -> None:
        self._failure: str | None = None

    @property
    def failing(self) -> bool:
        return self._failure is not None

    def failed(self, unavailable: TrackerStoreUnavailable) -> None:
        logger.error("%s", unavailable)
        self._failure = str(unavailable)

    def succeeded(self) -> None:
        if self._failure is not None:
            logger.info("The conversation database works again.")
        self._failure = None


database_status = DatabaseStatus()
