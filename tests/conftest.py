from __future__ import annotations

from collections.abc import Iterator

import pytest
from assistant_server import RunningAssistant, assistant_running


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """One real assistant (both servers) shared by the tests that talk to it."""
    with assistant_running(tmp_path_factory.mktemp("assistant")) as running:
        yield running
