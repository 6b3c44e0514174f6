"""Every urgent message is recognised, and near-misses are not, family by family.

The cases (tests/triage/cases.yml) were written blind to the training examples
of knowledge/triage/; `make test` prints the per-family table at the end.
"""

from __future__ import annotations

import pytest

from components.triage.language import Language
from triage.harness import CASES, TALLY, Triage

URGENT = [(family, text) for family, spec in CASES["families"].items() for text in spec["says"]]
NOT_URGENT = [
    (family, text) for family, spec in CASES["families"].items() for text in spec["not_says"]
]


@pytest.mark.parametrize(("family", "message"), URGENT)
def test_urgent_message_is_recognised(triage: Triage, family: str, message: str) -> None:
    decision = triage(message)
    TALLY[family][0] += decision.urgent
    TALLY[family][1] += 1
    assert decision.urgent, f"{family}: missed {message!r} ({decision.as_output()})"


# A ceiling, not zero: a few near-misses still raise the alarm (listed on
# failure); the rate may only go down. Missing an emergency is never allowed.
MAX_FALSE_ALARM_RATE = 0.04


def test_near_misses_rarely_raise_the_alarm(triage: Triage) -> None:
    alarms = []
    for family, message in NOT_URGENT:
        urgent = triage(message).urgent
        TALLY[family][2] += urgent
        TALLY[family][3] += 1
        if urgent:
            alarms.append(f"{family}: {message}")
    assert len(alarms) <= MAX_FALSE_ALARM_RATE * len(NOT_URGENT), "\n".join(alarms)


@pytest.mark.parametrize("message", CASES["non_english"])
def test_other_languages_are_told_the_assistant_answers_in_english(
    triage: Triage, message: str
) -> None:
    decision = triage(message)
    assert not decision.urgent
    assert decision.language is not Language.ENGLISH


@pytest.mark.parametrize(
    "message",
    ["can IGRT cause shortness of breath?", "will I get diarrhea from pelvic radiation"],
)
def test_a_symptom_asked_about_as_a_side_effect_is_a_question(triage: Triage, message: str) -> None:
    decision = triage(message)
    assert not decision.urgent
    assert decision.symptom_question


@pytest.mark.parametrize(
    "message",
    [
        "imaging b4 every sesion? y",
        "y do they scan me every time",
        "ok so y igrt and not normal radiation",
    ],
)
def test_english_texting_with_a_one_letter_y_stays_english(triage: Triage, message: str) -> None:
    assert triage(message).language is Language.ENGLISH
