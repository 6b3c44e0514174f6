"""What our NLU components add to a turn, per message (`make bench`).

Triage (rules, classifier, language) and the scope check run as the assistant
runs them (trained as `rasa train` trains them) over every training and triage
example, after a warm-up. Prints median / p95 / max in milliseconds against the
bars: triage p95 at most 3 ms (issue 6), the scope check at most 2 ms (issue 8).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from triage.harness import Triage, training_set  # noqa: E402

from components.scope import ScopeCheck  # noqa: E402
from components.triage.examples import project_nlu_data  # noqa: E402


def timed(name: str, run: Callable[[int], None], count: int, bar_ms: float) -> bool:
    for index in range(min(200, count)):
        run(index)
    timings = []
    for index in range(count):
        started = time.perf_counter()
        run(index)
        timings.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(timings, n=100)[94]
    median = statistics.median(timings)
    print(
        f"{name} per message ({count} messages): median {median:.2f} ms, "
        f"p95 {p95:.2f} ms, max {max(timings):.2f} ms (bar: p95 <= {bar_ms} ms)"
    )
    return p95 <= bar_ms


def scope_check() -> ScopeCheck:
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource, context = Resource("scope"), ExecutionContext(GraphSchema({}), "bench")
    config = ScopeCheck.get_default_config()
    ScopeCheck.create(config, storage, resource, context).train(project_nlu_data())
    return ScopeCheck.load(config, storage, resource, context)


def main() -> int:
    data = project_nlu_data()
    triage = Triage()
    texts, _ = training_set(data)
    scope = scope_check()
    labelled = [(m.get("text"), m.get("intent")) for m in data.intent_examples]

    def check_scope(index: int) -> None:
        text, intent = labelled[index]
        scope.check(Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}}))

    ok = timed("triage", lambda index: triage(texts[index]), len(texts), 3.0)
    ok &= timed("scope check", check_scope, len(labelled), 2.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
