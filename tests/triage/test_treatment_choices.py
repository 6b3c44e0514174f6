"""A choice about the course of treatment in which the rules find no symptom
needs the classifier's high bar to raise the alarm: deciding and persuading
are worried words, not a presentation. A symptom in the same message still
counts as before."""

from __future__ import annotations

import pytest

from triage.harness import Triage


@pytest.mark.parametrize(
    "text",
    [
        "i cant decide between radiotherapy and surgery, help me choose",
        "my aunt says radiation is poison and won't go, should we push her into it",
        "is igrt worth it for my grandad at 93 or should we let him be",
        "could we postpone my radiation until after the funeral",
    ],
)
def test_a_choice_without_a_symptom_gets_no_alarm(triage: Triage, text: str) -> None:
    assert not triage(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "should i stop radiation? i've been coughing up blood since this morning",
        "dad collapsed in the kitchen, should we skip his igrt tomorrow",
        "she can't breathe properly and wants to quit treatment, what do we do",
    ],
)
def test_an_urgent_symptom_in_a_choice_still_raises_the_alarm(triage: Triage, text: str) -> None:
    assert triage(text).urgent
