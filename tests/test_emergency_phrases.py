"""Urgent symptoms are recognised by the keyword layer, family by family."""

from __future__ import annotations

import pytest
import yaml
from page import PROJECT

from knowledge.emergency import emergency_families, is_emergency

FAMILIES = emergency_families()
URGENT = [(family, said) for family, spec in FAMILIES.items() for said in spec.get("says", [])]
NOT_URGENT = [
    (family, said) for family, spec in FAMILIES.items() for said in spec.get("not_says", [])
]


def test_each_family_has_examples() -> None:
    for family, spec in FAMILIES.items():
        assert spec.get("says"), f"{family} has no examples to test"


@pytest.mark.parametrize(("family", "message"), URGENT)
def test_urgent_messages_are_emergencies(family: str, message: str) -> None:
    assert is_emergency(message)


@pytest.mark.parametrize(("family", "message"), NOT_URGENT)
def test_questions_about_side_effects_are_not(family: str, message: str) -> None:
    assert not is_emergency(message)


def test_curly_apostrophes_from_phones_count() -> None:
    assert is_emergency("I can\u2019t breathe")


def training_examples() -> list[tuple[str, str]]:
    nlu = yaml.safe_load((PROJECT / "data" / "nlu.yml").read_text(encoding="utf-8"))["nlu"]
    return [
        (block["intent"], line.strip()[2:])
        for block in nlu
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def test_no_other_training_example_sets_the_patterns_off() -> None:
    false_alarms = [
        (intent, text)
        for intent, text in training_examples()
        if intent != "emergency" and is_emergency(text)
    ]
    assert not false_alarms
