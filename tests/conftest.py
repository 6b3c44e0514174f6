from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from assistant_server import (
    PROJECT,
    SHARED_ACTION_SERVER_TOKEN,
    SHARED_SENDER_ID_KEY,
    RunningAssistant,
    assistant_running,
)
from messaging.platforms import StandIn, channel_env, start_stand_ins


@pytest.fixture(scope="session")
def stand_ins() -> Iterator[dict[str, StandIn]]:
    """Stand-ins of the four messaging platforms' APIs (tests/messaging/)."""
    started = start_stand_ins()
    try:
        yield started
    finally:
        for stand_in in started.values():
            stand_in.stop()


@pytest.fixture(scope="session")
def assistant(
    tmp_path_factory: pytest.TempPathFactory, stand_ins: dict[str, StandIn]
) -> Iterator[RunningAssistant]:
    """One real assistant (all its servers), booted once for every test that
    talks to it: the widget's REST channel and the four messaging channels,
    their APIs pointed at the stand-ins, as in production; an action-server
    secret (tests/test_exposure.py) and a pseudonym key
    (tests/cluster/test_retried_message.py) the tests know; a copy of
    clinic.yml (tests/test_clinic_settings_server.py changes it)."""
    workdir = tmp_path_factory.mktemp("assistant")
    settings = workdir / "clinic.yml"
    shutil.copy(PROJECT / "clinic.yml", settings)
    env = {
        "ACTION_SERVER_TOKEN": SHARED_ACTION_SERVER_TOKEN,
        "SENDER_ID_KEY": SHARED_SENDER_ID_KEY,
        "CLINIC_SETTINGS_FILE": str(settings),
        **channel_env(stand_ins),
    }
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


# make test runs the server tests on two workers (pytest-xdist, --dist
# loadgroup), each group in one worker, a group at a time, the largest first:
# the tests that talk to the shared assistant (booted once); the staff
# console's (one console, its fixed range of ports); the widget's in the
# browser (its servers restart on the same ports); and the rest, which start
# servers of their own, one after another. Databases are throwaway ones with
# unique names, so groups never share one.
SHARED_ASSISTANT_GROUP = "shared-assistant"
FOLDER_GROUPS = {"staff_console": "staff-console", "browser": "browser"}
OWN_SERVERS_GROUP = "own-servers"
TRIAGE_GROUP = "triage"


def server_group(item: pytest.Item, shares_assistant: bool) -> str:
    if shares_assistant:
        return SHARED_ASSISTANT_GROUP
    folders = [FOLDER_GROUPS[part] for part in item.path.parts if part in FOLDER_GROUPS]
    return folders[0] if folders else OWN_SERVERS_GROUP


# First, so that pytest-xdist's own hook, which reads the groups, sees them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        fixtures = getattr(item, "fixturenames", ())
        shares_assistant = "assistant" in fixtures or "apps" in fixtures
        if path.name in WITH_SERVERS or "browser" in path.parts or shares_assistant:
            item.add_marker(pytest.mark.servers)
            item.add_marker(pytest.mark.xdist_group(server_group(item, shares_assistant)))
        elif "triage" in fixtures:
            # One worker builds the triage rules and fits its classifier (5 s),
            # not both.
            item.add_marker(pytest.mark.xdist_group(TRIAGE_GROUP))
        if path.name in BLIND_PROBES:
            item.add_marker(pytest.mark.probes)
