"""Fixtures of the staff console's tests: one real console (with its action
server) for the whole package, accounts made with the real script, and
Playwright driving Debian's chromium. Package-scoped, as in tests/browser/,
so Playwright's event loop has closed before other folders run.

What else loads the model (patients' turns for the inbox, `make check`) starts
while the console loads, so the loads overlap instead of adding up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from assistant_server import PROJECT

# Package-scoped, so each package's browser closes before other tests run asyncio.
from browser.browser_fixtures import browser, playwright  # noqa: F401

from staff_console.console_env import (
    Background,
    Console,
    StaffClient,
    console_running,
    free_port,
)

PYTHON = str(PROJECT / ".venv/bin/python")
# Patients' messages for the inbox: answered, refused by the scope check,
# below the classifier's threshold, and out of scope, with personal data.
PATIENT_SENDERS = ["patient-7f3a9c21d4e8", "patient-0b6e5d2c9a71", "patient-c4d9e1f27b30"]
PATIENT_TURNS = [
    [PATIENT_SENDERS[0], "Hi, my name is John Smith. What dose of radiation will I get with IGRT?"],
    [PATIENT_SENDERS[0], "what is igrt"],
    [PATIENT_SENDERS[0], "what dose of radiation will I get with igrt"],
    [PATIENT_SENDERS[1], "the thing with the stuff again"],
    [PATIENT_SENDERS[1], "the thing with the stuff? email me at jane.doe@example.com "
                         "or call 212-555-0123"],
    [PATIENT_SENDERS[2], "My MRN is 00483920 and I was born 03/14/1958, how much will it cost?"],
]  # fmt: skip
# A suite for `make check`: two checks pass, the last fails.
CHECK_ROWS = [
    ("question", "expected_topic", "expected_reply"),
    ("what is igrt", "utter_what_is_igrt", ""),
    ("I have prostate cancer\nwhat side effects will I have?", "", "bladder"),
    ("how much does it cost", "utter_what_is_igrt", ""),
]


def make_check_command(suite: Path | str, *variables: str) -> list[str]:
    # -o: never install or train from a test (the venv is shared, the model
    # given); only the check itself runs.
    never = ["train", "install", "models/current.tar.gz", ".venv/.installed"]
    options = [arg for target in never for arg in ("-o", target)]
    return ["make", "--no-print-directory", *options, "check", f"SUITE={suite}", *variables]


@dataclass
class ModelRuns:
    patient_turns: Background
    make_check: Background


@pytest.fixture(scope="package")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console")


@pytest.fixture(scope="package")
def console_and_runs(workdir: Path) -> Iterator[tuple[Console, ModelRuns]]:
    runs: list[ModelRuns] = []

    def start_model_runs(env: dict[str, str]) -> None:
        turns = workdir / "patient_turns.json"
        turns.write_text(json.dumps(PATIENT_TURNS), encoding="utf-8")
        seeding = Background(
            [PYTHON, "tests/staff_console/patient_turns.py", str(workdir / "trackers.db"),
             f"http://127.0.0.1:{env['ACTION_PORT']}/webhook", str(turns)],
            {**env, "PYTHONPATH": f"{PROJECT}:{PROJECT / 'tests'}"},
            workdir,
            "patient_turns",
        )  # fmt: skip
        suite = workdir / "suite.csv"
        suite.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in CHECK_ROWS) + "\n")
        # The candidate is the same model: the comparison runs, nothing changes.
        candidate = f"CANDIDATE={workdir / 'models' / 'current.tar.gz'}"
        checking = Background(
            make_check_command(suite, candidate),
            {**env, "CHECK_ACTION_PORT": str(free_port())},
            workdir,
            "make_check",
        )
        runs.append(ModelRuns(seeding, checking))

    with console_running(workdir, start_model_runs) as running:
        running.add_user("front-desk", "staff")
        running.add_user("manager", "admin")
        try:
            yield running, runs[0]
        finally:
            runs[0].patient_turns.stop()
            runs[0].make_check.stop()


@pytest.fixture(scope="package")
def console(console_and_runs: tuple[Console, ModelRuns]) -> Console:
    return console_and_runs[0]


@pytest.fixture(scope="package")
def model_runs(console_and_runs: tuple[Console, ModelRuns]) -> ModelRuns:
    return console_and_runs[1]


@pytest.fixture
def staff(console: Console) -> StaffClient:
    client = StaffClient(console)
    assert client.sign_in("front-desk").status_code == 302
    return client


@pytest.fixture
def admin(console: Console) -> StaffClient:
    client = StaffClient(console)
    assert client.sign_in("manager").status_code == 302
    return client
