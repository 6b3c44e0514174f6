"""The scope check as Rasa runs it: a real component over real messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.scope import ScopeCheck


@pytest.fixture
def scope_check(tmp_path: Path) -> ScopeCheck:
    # No training examples: the similarity signal passes every message, so
    # these tests see the subject and cue signals alone.
    return ScopeCheck({"min_similarity": 0.25}, LocalModelStorage(tmp_path), Resource("scope"))


def checked(scope_check: ScopeCheck, text: str, intent: str) -> str:
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    scope_check.process([message])
    return message.get(INTENT)["name"]


def test_a_site_named_with_an_effect_is_a_side_effects_question(scope_check: ScopeCheck) -> None:
    assert checked(scope_check, "pancreas rt - toxicities?", "inform_body_site") == (
        "ask_side_effects"
    )


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
