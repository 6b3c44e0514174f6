"""How the channels cope with a slow, crashing or missing action server.

- A short timeout. Rasa waits up to 300 s for a custom action (a constant,
  `DEFAULT_REQUEST_TIMEOUT`, read at call time in rasa/core/actions/action.py;
  endpoints.yml cannot change it), far past the widget's 30 s. We lower it to
  `ACTION_TIMEOUT_SECONDS` (default 5) when a channel starts.
- A failure notice. Rasa's processor catches any exception of a custom action,
  logs "Encountered an exception while running action ..." and carries on, so
  the turn may end with only the disclaimer and the channel hears nothing. A
  logging filter on that logger marks the turn in a ContextVar (each turn runs
  in its own task, so concurrent turns stay apart), and the channel then adds
  its failure notice, which carries the emergency line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import rasa.core.actions.action

PROCESSOR_LOGGER = "rasa.core.processor"
FAILED_ACTION_LOG = "Encountered an exception while running action"
DEFAULT_TIMEOUT_SECONDS = 5

_failed_actions: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


class FailedActionWatch(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        failed = _failed_actions.get()
        if failed is not None and str(record.msg).startswith(FAILED_ACTION_LOG):
            failed.append(record.name)
        return True


def install() -> None:
    """Once per process, whichever channel starts first."""
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = float(
        os.environ.get("ACTION_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
    )
    processor_logger = logging.getLogger(PROCESSOR_LOGGER)
    if not any(isinstance(f, FailedActionWatch) for f in processor_logger.filters):
        processor_logger.addFilter(FailedActionWatch())


@contextmanager
def watching_actions() -> Iterator[list[str]]:
    """Collects the custom actions that fail while the block runs."""
    failed: list[str] = []
    token = _failed_actions.set(failed)
    try:
        yield failed
    finally:
        _failed_actions.reset(token)
