"""A neighbouring subject (another treatment, costs, ...) makes a question out of
scope, unless it is only background to a question about IGRT."""

from __future__ import annotations

import pytest

from components.scope import subject_finder


@pytest.mark.parametrize(
    "text",
    [
        "what are the side effects of chemo",
        "is igrt better than surgery for me",
        "side effects of the operation compared with radiation",
        "radiation instead of surgery, which one hurts less",
        "does tamoxifen cause hot flashes",
    ],
)
def test_a_question_about_another_treatment_is_out_of_scope(text: str) -> None:
    assert subject_finder().find(text) == "other_treatments"


@pytest.mark.parametrize(
    "text",
    [
        "i had chemo last year, what will igrt do to my chest",
        "the operation was ruled out, what does radiation to the liver cause",
        "chemo didn't work so they're radiating my lung now, what happens",
        "surgery is not an option for dad, will igrt on his prostate hurt",
        "my aunt can't have surgery, what side effects from radiation to her throat",
    ],
)
def test_another_treatment_in_the_background_leaves_an_igrt_question(text: str) -> None:
    assert subject_finder().find(text) is None


def test_background_needs_igrt_or_radiation_named() -> None:
    # Without IGRT in the message, the earlier treatment is what is asked about.
    assert subject_finder().find("surgery wasn't an option, what side effects") == (
        "other_treatments"
    )


@pytest.mark.parametrize(
    "text",
    [
        "i feel fine now, can i quit radiation early",
        "should i pick igrt over brachytherapy",
        "can my mum take a 2 week break from radiation for a wedding",
        "is igrt worth it for my dad at 91",
        "my husband refuses radiation, how do we convince him",
    ],
)
def test_a_choice_about_the_course_of_igrt_is_a_decision(text: str) -> None:
    assert subject_finder().is_treatment_decision(text)


@pytest.mark.parametrize(
    "text",
    [
        "should i quit my job",  # no IGRT or radiation named
        "what does radiation do to the prostate",
        "is radiation all over my body after a session",
    ],
)
def test_other_questions_are_not_decisions(text: str) -> None:
    assert not subject_finder().is_treatment_decision(text)
