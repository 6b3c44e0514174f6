"""`make check SUITE=...` for CI: exit 0 when every check passes, 1 when one
fails (with the failing reply), 2 for a suite it cannot read."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from assistant_server import PROJECT

from staff_console.console_env import Console, free_port

MODEL_TARGET = "models/current.tar.gz"


def make_check(console: Console, suite: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run(
        # -o: never install or train from a test (the venv is shared, the
        # model given); only the check itself runs.
        [
            "make",
            "--no-print-directory",
            "-o",
            "train",
            "-o",
            "install",
            "-o",
            MODEL_TARGET,
            "-o",
            ".venv/.installed",
            "check",
            f"SUITE={suite}",
        ],
        cwd=PROJECT,
        env={
            **console.env,
            "CHECK_ACTION_PORT": str(free_port()),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_suite(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(("question", "expected_topic", "expected_reply"))
        writer.writerows(rows)
    return path


def test_make_check_exit_codes(console: Console, tmp_path: Path) -> None:
    suite = write_suite(
        tmp_path / "suite.csv",
        [
            ("what is igrt", "utter_what_is_igrt", ""),
            ("I have prostate cancer\nwhat side effects will I have?", "", "bladder"),
            ("how much does it cost", "utter_what_is_igrt", ""),
        ],
    )
    failing = make_check(console, suite)
    assert failing.returncode != 0, failing.stdout + failing.stderr
    assert "2 passed, 1 failed" in failing.stdout
    assert "FAIL 'how much does it cost'" in failing.stdout
    unreadable = make_check(console, tmp_path / "missing.csv")
    assert unreadable.returncode != 0 and "Cannot read the suite" in unreadable.stderr
