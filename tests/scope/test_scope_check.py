"""The scope check as Rasa runs it: a real component over real messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.body_site_extractor import BodySiteEntityExtractor, body_site_matcher
from components.nearest_examples import NearestExamples
from components.scope import ScopeCheck


@pytest.fixture
def scope_check(tmp_path: Path) -> ScopeCheck:
    # No training examples: the similarity signal passes every message, so
    # these tests see the subject and cue signals alone.
    return ScopeCheck({"min_similarity": 0.25}, LocalModelStorage(tmp_path), Resource("scope"))


@pytest.fixture
def strict_scope_check(tmp_path: Path) -> ScopeCheck:
    """Taught one unrelated side-effects example, so similarity fails."""
    examples = NearestExamples.fit(
        TrainingData([Message({TEXT: "what are the side effects", INTENT: "ask_side_effects"})])
    )
    storage = LocalModelStorage(tmp_path)
    return ScopeCheck({"min_similarity": 0.9}, storage, Resource("scope"), examples)


def checked(scope_check: ScopeCheck, text: str, intent: str) -> str:
    """The intent after the pipeline's body-site extractor and the scope check."""
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    BodySiteEntityExtractor(body_site_matcher()).process([message])
    scope_check.process([message])
    return message.get(INTENT)["name"]


def test_a_site_named_with_an_effect_is_a_side_effects_question(scope_check: ScopeCheck) -> None:
    assert checked(scope_check, "pancreas rt - toxicities?", "inform_body_site") == (
        "ask_side_effects"
    )


def test_a_site_and_an_effect_are_answered_when_the_classifier_was_unsure(
    scope_check: ScopeCheck,
) -> None:
    assert checked(scope_check, "hepatic rt - is the runs likely?", "nlu_fallback") == (
        "ask_side_effects"
    )


def test_a_confident_refusal_naming_a_site_and_an_effect_stays_refused(
    scope_check: ScopeCheck,
) -> None:
    text = "is honey good for a sore throat from neck radiation"
    assert checked(scope_check, text, "out_of_scope") == "out_of_scope"


def test_a_site_and_an_effect_need_no_similar_example(strict_scope_check: ScopeCheck) -> None:
    text = "hepatic rt - is the runs likely?"
    assert checked(strict_scope_check, text, "ask_side_effects") == "ask_side_effects"
    # Without the site, the similarity bar decides.
    assert checked(strict_scope_check, "is the runs likely?", "ask_side_effects") == (
        "nlu_fallback"
    )


def test_an_effect_word_without_a_site_stays_refused(scope_check: ScopeCheck) -> None:
    assert checked(scope_check, "is the runs likely?", "nlu_fallback") == "nlu_fallback"


def test_a_site_named_alone_is_still_noted(scope_check: ScopeCheck) -> None:
    assert checked(scope_check, "my dad has pancreatic cancer", "inform_body_site") == (
        "inform_body_site"
    )


def test_an_effect_question_about_another_treatment_is_still_refused(
    scope_check: ScopeCheck,
) -> None:
    assert checked(scope_check, "prostate hormone jabs, side effects?", "inform_body_site") == (
        "out_of_scope"
    )


def test_picking_between_options_is_a_decision_whatever_the_classifier_heard(
    scope_check: ScopeCheck,
) -> None:
    text = "for my prostate, x-rays or protons - which is better for me"
    assert checked(scope_check, text, "energy_sources") == "right_for_me"
