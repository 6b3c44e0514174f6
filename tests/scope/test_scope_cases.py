"""Questions the page answers get their answer; near-misses get the honest
refusal with none of the page's facts; personal decisions get the page's answer.

tests/scope/cases.yml was written blind to the training data and to
tests/scope/tuning.yml (where the scope bar was chosen); second_probe.yml to
sixth_probe.yml by other authors, from the page alone. Replies are judged by
the evaluation rubric (../shared/eval/topics.yml) through the real assistant.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest
import yaml
from assistant_server import PROJECT, RunningAssistant

EVAL = PROJECT.parent / "shared" / "eval"
TOPIC_OF = {"refuse": "out_of_scope", "decide": "right_for_me"}
# Refusals at least 97% (issue 8's bar). Decisions and page questions are held
# near where they stand; raise these as the NLU improves. First runs, before
# any change made against a set: cases.yml refused 90.6%, decided 95.6%,
# answered 92.1%; second_probe.yml 90.7%, 80.0%, 89.5%; third_probe.yml 83.1%,
# 71.7%, 86.4% (95.6%, 93.3%, 86.4% after its fixes; four of its seven missed
# refusals are triage false alarms); fourth_probe.yml 97.5%, 95.0%, 69.1%
# (96.2%, 97.5%, 80.9% after several questions in one message were answered;
# 96.2%, 95.0%, 88.2% with the clinical and described-symptom examples);
# fifth_probe.yml 93.3%, 87.5%, 82.7% (100%, 97.5%, 83.7% after its fixes).
# With the everyday paraphrases and 80 epochs (2026-11-29): cases.yml 99.2%,
# 100%, 96.0%; second 98.7%, 98.0%, 93.7%; third 98.1%, 100%, 86.4%; fourth
# 100%, 100%, 87.5%; fifth 100%, 95.0%, 90.4%. sixth_probe.yml 93.3%, 95.0%,
# 85.7% (98.9%, 100%, 84.7% after its fixes).
BARS = {
    "cases.yml": {"refuse": 0.97, "decide": 0.95, "answer": 0.9},
    "second_probe.yml": {"refuse": 0.97, "decide": 0.9, "answer": 0.9},
    "third_probe.yml": {"refuse": 0.95, "decide": 0.9, "answer": 0.85},
    "fourth_probe.yml": {"refuse": 0.97, "decide": 0.95, "answer": 0.85},
    "fifth_probe.yml": {"refuse": 0.97, "decide": 0.95, "answer": 0.85},
    "sixth_probe.yml": {"refuse": 0.97, "decide": 0.95, "answer": 0.8},
}


def cases_of(file_name: str) -> list[dict]:
    return yaml.safe_load(Path(__file__).with_name(file_name).read_text(encoding="utf-8"))["cases"]


def scorer():  # the evaluation's own module, loaded from ../shared
    assert (EVAL / "score.py").exists(), (
        f"the scorer is missing: {EVAL} must sit beside the project"
    )
    spec = importlib.util.spec_from_file_location("score", EVAL / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["refuse", "decide", "answer"])
@pytest.mark.parametrize("file_name", sorted(BARS))
def test_each_kind_of_question_gets_the_right_kind_of_reply(
    assistant: RunningAssistant, file_name: str, kind: str
) -> None:
    score = scorer()
    topics = yaml.safe_load((EVAL / "topics.yml").read_text())["topics"]
    cases = [case for case in cases_of(file_name) if case["expect"] == kind]
    failures = []
    for case in cases:
        # The first message of a conversation also gets the disclaimer; a
        # second one shows the answer alone, as the rubric expects it.
        sender = f"scope-{uuid.uuid4()}"
        assistant.say(sender, "hello")
        text = score.reply_text(assistant.say(sender, case["say"]))
        why = score.judge(text, case.get("topic") or TOPIC_OF[kind], topics)
        if why:
            failures.append(f"{case['say']!r}: {why} <- {text[:160]!r}")
    passed = 1 - len(failures) / len(cases)
    assert passed >= BARS[file_name][kind], f"{passed:.1%} of {len(cases)}:\n" + "\n".join(failures)
