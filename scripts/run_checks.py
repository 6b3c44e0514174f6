"""Run a suite of checks against a model, for CI: `make check SUITE=...`.

SUITE is a CSV or XLSX file (the console's upload format; a suite page
downloads one) or the name of a suite saved in the console's database. Prints
each failure and the coverage; exits 1 when a check fails, 2 on a bad suite.
Needs the action server for checks that reach a custom action (ACTION_PORT,
ACTION_SERVER_TOKEN; `make check` starts one).

With --candidate (`make check SUITE=... CANDIDATE=models/new.tar.gz`) the
suite also runs against the candidate model: every reply that changed is
printed, current then candidate, and the exit code is the candidate's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from console import checks
from console.db import connect
from console.settings import load


def read_suite(suite: str) -> list[checks.Check]:
    path = Path(suite)
    if path.suffix.lower() in (".csv", ".xlsx"):
        return checks.read_upload(path.name, path.read_bytes())
    found = checks.load_suite(connect(load().database_url), suite)
    if not found:
        raise checks.UploadError(f"no saved suite named {suite!r}")
    return found


def report(run: checks.SuiteRun) -> None:
    for result in run.failed:
        print(f"FAIL {result.check.question!r}: {result.why}")
        print(f"     reply: {result.reply!r}")
    if run.uncovered:
        print(f"Responses no check reaches: {', '.join(run.uncovered)}")
    passed = len(run.results) - len(run.failed)
    print(f"{passed} passed, {len(run.failed)} failed")


def wait_for_actions(action_url: str, seconds: float = 30) -> None:
    """`make check` starts the action server beside this script: wait for it
    (bounded), so the first side-effects check does not fail for nothing."""
    parts = urlsplit(action_url)
    health = f"{parts.scheme}://{parts.netloc}/health"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(health, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    print(f"The action server at {health} does not answer: custom actions will fail.")


def report_changes(current: checks.SuiteRun, candidate: checks.SuiteRun) -> None:
    changed = checks.changes(current, candidate)
    for change in changed:
        print(f"CHANGED {change.check.question!r}")
        print(f"   current ({'pass' if change.current_passed else 'FAIL'}): {change.current!r}")
        print(
            f"   candidate ({'pass' if change.candidate_passed else 'FAIL'}): {change.candidate!r}"
        )
    print(f"{len(changed)} replies changed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--candidate", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        suite = read_suite(args.suite)
    except (checks.UploadError, OSError) as error:
        print(f"Cannot read the suite: {error}", file=sys.stderr)
        return 2
    # Rasa loads only now: a suite that cannot be read fails at once.
    from console.__main__ import configure_logging
    from console.assistant import Assistant

    configure_logging()
    settings = load()
    assistant = Assistant(args.model or settings.model, settings.action_url, settings.action_token)
    wait_for_actions(settings.action_url)
    run = asyncio.run(checks.run_checks(assistant, suite))
    report(run)
    if args.candidate:
        other = Assistant(args.candidate, settings.action_url, settings.action_token)
        candidate = asyncio.run(checks.run_checks(other, suite))
        print(f"Candidate {args.candidate}:")
        report(candidate)
        report_changes(run, candidate)
        run = candidate
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
