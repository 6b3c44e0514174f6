"""How long triage adds to a turn: rules, classifier and language, per message.

Runs the triage component as the assistant does (classifier fitted as
`rasa train` fits it) over every triage example and training message, after a
warm-up, and prints p50 / p95 / max in milliseconds. Part of `make bench`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]

from triage.harness import Triage, training_set  # noqa: E402

from components.triage.examples import project_nlu_data  # noqa: E402

P95_BAR_MS = 3.0


def main() -> int:
    triage = Triage()
    texts, _ = training_set(project_nlu_data())
    for text in texts[:200]:
        triage(text)
    timings = []
    for text in texts:
        started = time.perf_counter()
        triage(text)
        timings.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(timings, n=100)[94]
    median = statistics.median(timings)
    print(
        f"triage per message ({len(timings)} messages): median {median:.2f} ms, "
        f"p95 {p95:.2f} ms, max {max(timings):.2f} ms (bar: p95 <= {P95_BAR_MS} ms)"
    )
    return 0 if p95 <= P95_BAR_MS else 1


if __name__ == "__main__":
    sys.exit(main())
