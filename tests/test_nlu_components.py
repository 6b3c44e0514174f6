"""Our NLU components on real Rasa messages, as the pipeline runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from components.body_site_extractor import BodySiteEntityExtractor, body_site_matcher
from components.triage.component import TriageClassifier
from components.triage.examples import project_nlu_data

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def triage(tmp_path_factory: pytest.TempPathFactory) -> TriageClassifier:
    """Trained as `rasa train` trains it, saved, and loaded back from storage."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("triage")
    context = ExecutionContext(GraphSchema({}), "test")
    config = TriageClassifier.get_default_config()
    TriageClassifier.create(config, storage, resource, context).train(project_nlu_data())
    return TriageClassifier.load(config, storage, resource, context)


def classified(text: str, intent: str, confidence: float) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
    )


def test_body_sites_become_entities_with_area_values() -> None:
    message = Message(data={"text": "radiation to my prostrate and tounge"})
    BodySiteEntityExtractor(body_site_matcher()).process([message])
    entities = message.get("entities")
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("body_site", "prostate"),
        ("body_site", "tongue"),
    ]
    assert message.get("text")[entities[0]["start"] : entities[0]["end"]] == "prostrate"


@pytest.mark.slow  # trains the triage component
def test_an_urgent_symptom_overrides_a_confident_classifier(triage: TriageClassifier) -> None:
    message = classified(
        "my dad keeps coughing up blood, is that a side effect?", "ask_side_effects", 0.99
    )
    triage.process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "emergency"
    assert message.get("triage")["urgent"]


@pytest.mark.slow  # trains the triage component
def test_it_overrides_the_fallback_too(triage: TriageClassifier) -> None:
    message = classified("cant breath", "nlu_fallback", 0.5)
    triage.process([message])
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.slow  # trains the triage component
def test_a_symptom_asked_about_keeps_its_intent_and_is_flagged(triage: TriageClassifier) -> None:
    message = classified("can igrt cause shortness of breath?", "ask_side_effects", 0.8)
    triage.process([message])
    assert message.get("intent") == {"name": "ask_side_effects", "confidence": 0.8}
    assert message.get("triage")["symptom_question"]


@pytest.mark.slow  # trains the triage component
def test_spanish_is_marked_for_the_bilingual_emergency_reply(triage: TriageClassifier) -> None:
    message = classified("mi papá no puede respirar", "out_of_scope", 0.6)
    triage.process([message])
    assert message.get("intent")["name"] == "emergency"
    assert {"entity": "message_language", "value": "es"}.items() <= message.get("entities")[
        -1
    ].items()


@pytest.mark.slow  # trains the triage component
def test_another_language_gets_the_other_language_intent(triage: TriageClassifier) -> None:
    message = classified(
        "quels sont les effets secondaires de la radiothérapie ?", "out_of_scope", 0.6
    )
    triage.process([message])
    assert message.get("intent")["name"] == "other_language"
