"""`make check SUITE=...` for CI: exit 0 when every check passes, non-zero
when one fails (with the failing reply), and for a suite it cannot read.

The run with the model started beside the console (conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from assistant_server import PROJECT

from staff_console.conftest import ModelRuns, make_check_command
from staff_console.console_env import Console


def test_a_failing_check_fails_make_check_and_a_candidate_is_compared(
    model_runs: ModelRuns,
) -> None:
    result = model_runs.make_check.result()
    assert result.returncode != 0, result.stdout + result.stderr
    assert "2 passed, 1 failed" in result.stdout, result.stdout + result.stderr
    assert "FAIL 'how much does it cost'" in result.stdout
    assert "Responses no check reaches:" in result.stdout
    # CANDIDATE=: the same suite against a candidate model, changed replies listed.
    assert "Candidate " in result.stdout and "0 replies changed" in result.stdout


def test_an_unreadable_suite_fails_make_check(console: Console, tmp_path: Path) -> None:
    result = subprocess.run(
        make_check_command(tmp_path / "missing.csv"),
        cwd=PROJECT,
        env=console.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "Cannot read the suite" in result.stderr


def test_make_check_reads_saved_suites_from_the_console_database(console: Console) -> None:
    result = subprocess.run(
        make_check_command("no such suite"),
        cwd=PROJECT,
        env=console.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "no saved suite named 'no such suite'" in result.stderr
