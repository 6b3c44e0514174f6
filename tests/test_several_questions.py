"""Messages that ask two or three of the page's questions: where they split,
and which answers each part asks for (components/several_questions.py, with
the bars of config.yml and nearest examples fitted from the training data)."""

from __future__ import annotations

from functools import cache

import pytest
import yaml
from assistant_server import PROJECT

from components.nearest_examples import NearestExamples
from components.several_questions import ANSWERS, SeveralQuestions, question_parts
from components.triage.examples import project_nlu_data


@cache
def check() -> SeveralQuestions:
    pipeline = yaml.safe_load((PROJECT / "config.yml").read_text())["pipeline"]
    config = next(c for c in pipeline if c["name"].endswith("SeveralQuestions"))
    bars = {k: v for k, v in config.items() if k != "name"}
    return SeveralQuestions(bars, None, None, NearestExamples.fit(project_nlu_data()))


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("what is igrt? does it hurt?", ["what is igrt", "does it hurt"]),
        ("1) whats it for 2) will my hair go", ["whats it for", "will my hair go"]),
        ("how do i prepare n when do results come", ["how do i prepare", "when do results come"]),
        ("side effects for head and neck?", ["side effects for head and neck"]),
        ("my mum has lung cancer and starts monday", ["my mum has lung cancer and starts monday"]),
    ],
)
def test_a_message_splits_where_a_question_ends_or_starts(message: str, parts: list[str]) -> None:
    assert question_parts(message) == parts


@pytest.mark.parametrize(
    ("message", "whole", "asked"),
    [
        (
            "whats igrt? and will it make my hair fall out",
            "what_is_igrt",
            ["what_is_igrt", "hair_loss"],
        ),
        (
            "how do i get ready for it, also when will we see if its working",
            "prepare",
            ["prepare", "results"],
        ),
    ],
)
def test_each_page_question_of_a_message_is_found(message: str, whole: str, asked: list) -> None:
    assert check().asked_intents(message, whole) == asked


@pytest.mark.parametrize(
    ("message", "whole"),
    [
        # One question with "and" in it.
        ("what are the side effects for head and neck", "ask_side_effects"),
        # A page question beside one the page does not answer: one answer.
        ("how much will it cost and what are the side effects", "ask_side_effects"),
    ],
)
def test_one_page_question_gets_one_answer(message: str, whole: str) -> None:
    assert len(check().asked_intents(message, whole)) < 2


def test_every_answer_is_a_domain_intent_with_its_response() -> None:
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())
    side_effects = {"ask_side_effects", "hair_loss"}  # the side-effects table's answer
    for intent in ANSWERS:
        assert intent in domain["intents"]
        assert intent in side_effects or f"utter_{intent}" in domain["responses"], intent


def test_a_fragment_beside_a_refused_question_does_not_answer_an_unsure_message() -> None:
    # "is 40 Gy a lot" is a dose question; the second half is no question.
    assert check().asked_intents("is 40 Gy a lot? it says so on the letter", "nlu_fallback") == []
