from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from assistant_server import (
    PROJECT,
    SHARED_ACTION_SERVER_TOKEN,
    RunningAssistant,
    assistant_running,
)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """One real assistant (all its servers) shared by the tests that talk to it,
    with an action-server secret the tests know (tests/test_exposure.py) and a
    copy of clinic.yml (tests/test_clinic_settings_server.py changes it)."""
    workdir = tmp_path_factory.mktemp("assistant")
    settings = workdir / "clinic.yml"
    shutil.copy(PROJECT / "clinic.yml", settings)
    env = {"ACTION_SERVER_TOKEN": SHARED_ACTION_SERVER_TOKEN, "CLINIC_SETTINGS_FILE": str(settings)}
    with assistant_running(workdir, extra_env=env) as running:
        yield running


# Modules that start the real servers (or `rasa test`, a browser, a fuzz run): the
# whole suite (`make test`) runs them; `make test-fast` leaves them out.
WITH_SERVERS = {
    "test_action_server_faults.py",
    "test_conversation_stories.py",
    "test_database_failures.py",
    "test_exposure.py",
    "test_fuzz.py",  # 2,000 generated requests: thorough, not fast
    "test_webhooks.py",  # waits out deliberately slow turns
    "test_lifecycle.py",
    "test_retention.py",
    "test_purge_job.py",  # PostgreSQL, as test_retention.py
    "test_long_conversations.py",  # PostgreSQL too
    "test_server.py",
    "test_supervision.py",
    # The staff console (tests/staff_console/): its server, a browser, model loads.
    "test_console_database.py",  # PostgreSQL too
    "test_console_server.py",
    "test_console_clinic.py",
    "test_console_quality.py",
    "test_console_browser.py",
    "test_console_inbox.py",
    "test_console_audit.py",
    "test_make_check.py",
}


# The blind sets written against the finished rules: make test runs them,
# the edit-test loop leaves them out.
BLIND_PROBES = {"test_triage_blind_probes.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if (
            path.name in WITH_SERVERS
            or "browser" in path.parts
            or "assistant" in getattr(item, "fixturenames", ())
            or "apps" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.servers)
        if path.name in BLIND_PROBES:
            item.add_marker(pytest.mark.probes)
