"""The dev set measures how the assistant generalises: none of its questions
may be in the training data (issue 8's bar), however they are cased or spaced.
Greetings and thanks ("hello", "thx") are the same in every author's hands."""

from __future__ import annotations

import re

import yaml
from assistant_server import PROJECT
from rasa.shared.nlu.training_data.loading import load_data

DEV_CASES = PROJECT.parent / "shared" / "eval" / "dev_cases.yml"
SMALL_TALK = {"greet", "goodbye", "thank"}


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def dev_questions() -> set[str]:
    cases = yaml.safe_load(DEV_CASES.read_text(encoding="utf-8"))
    cases = cases.get("cases", cases) if isinstance(cases, dict) else cases
    return {normalised(turn["say"]) for case in cases for turn in case["turns"]}


def test_no_dev_question_is_a_training_example() -> None:
    assert DEV_CASES.exists(), f"the dev set is missing: {DEV_CASES} must sit beside the project"
    training = {
        normalised(example.get("text"))
        for path in sorted((PROJECT / "data").glob("nlu*.yml"))
        for example in load_data(str(path)).training_examples
        if example.get("intent") not in SMALL_TALK
    }
    leaked = dev_questions() & training
    assert not leaked, f"{len(leaked)} dev questions are training examples"
