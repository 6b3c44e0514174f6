"""A second, independently written set of urgent messages and near-misses
(tests/triage/second_probe.yml): every urgent one is recognised, and few of the
near-misses raise the alarm."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from triage.harness import Triage

PROBE = yaml.safe_load(Path(__file__).with_name("second_probe.yml").read_text(encoding="utf-8"))
# Where it stands after the fixes (12/220); may only go down.
MAX_FALSE_ALARM_RATE = 0.06


@pytest.mark.parametrize(
    ("family", "message"), [(case["family"], case["text"]) for case in PROBE["urgent"]]
)
def test_urgent_message_of_the_second_set_is_recognised(
    triage: Triage, family: str, message: str
) -> None:
    decision = triage(message)
    assert decision.urgent, f"{family}: missed {message!r} ({decision.as_output()})"


def test_near_misses_of_the_second_set_rarely_raise_the_alarm(triage: Triage) -> None:
    alarms = [
        f"{case['kind']}: {case['text']}"
        for case in PROBE["not_urgent"]
        if triage(case["text"]).urgent
    ]
    assert len(alarms) <= MAX_FALSE_ALARM_RATE * len(PROBE["not_urgent"]), "\n".join(alarms)
