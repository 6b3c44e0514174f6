"""One triage component per test run, and the per-family table at the end."""

from __future__ import annotations

import pytest

from triage.harness import TALLY, Triage


@pytest.fixture(scope="session")
def triage() -> Triage:
    return Triage()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    write = terminalreporter.write_line
    write("")
    write("Triage on tests/triage/cases.yml (written blind to the training examples)")
    write(f"{'family':22}{'recognised':>14}{'false alarms':>16}")
    totals = [0, 0, 0, 0]
    for family in sorted(TALLY):
        hit, urgent, alarms, calm = TALLY[family]
        totals = [a + b for a, b in zip(totals, TALLY[family], strict=True)]
        write(f"{family:22}{hit:>8}/{urgent:<5}{alarms:>10}/{calm:<5}")
    hit, urgent, alarms, calm = totals
    write(
        f"{'all':22}{hit:>8}/{urgent:<5}{alarms:>10}/{calm:<5}"
        f"  recall {hit / max(urgent, 1):.1%}, false alarms {alarms / max(calm, 1):.1%}"
    )
