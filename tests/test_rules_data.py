"""Every answer has a first-message twin that says the disclaimer too."""

from __future__ import annotations

from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"


def single_turn_answers(rules: list[dict]) -> dict[str, str]:
    return {
        rule["steps"][0]["intent"]: rule["steps"][1]["action"]
        for rule in rules
        if len(rule["steps"]) == 2 and "intent" in rule["steps"][0]
    }


def test_each_answer_starts_a_conversation_with_the_disclaimer() -> None:
    answers = single_turn_answers(yaml.safe_load((DATA / "rules.yml").read_text())["rules"])
    first = {
        rule["steps"][0]["intent"]: [step["action"] for step in rule["steps"][1:]]
        for rule in yaml.safe_load((DATA / "rules_conversation_start.yml").read_text())["rules"]
        if rule.get("conversation_start")
    }
    assert set(first) == set(answers)
    for intent, action in answers.items():
        assert sorted(first[intent]) == sorted([action, "utter_disclaimer"]), intent
        # Safety first: the guidance and the language notice come before the disclaimer.
        leads = intent in {"emergency", "other_language"}
        assert first[intent][0] == (action if leads else "utter_disclaimer"), intent
