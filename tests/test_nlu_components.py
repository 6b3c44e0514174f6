"""Our NLU components on real Rasa messages, as the pipeline runs them."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from components.body_site_extractor import BodySiteEntityExtractor
from components.emergency_override import EmergencyIntentOverride
from knowledge.body_sites import body_site_matcher


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


def test_an_urgent_symptom_overrides_a_confident_classifier() -> None:
    message = classified("I'm coughing up blood, is that a side effect?", "ask_side_effects", 0.99)
    EmergencyIntentOverride().process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "emergency"


def test_it_overrides_the_fallback_too() -> None:
    message = classified("cant breath", "nlu_fallback", 0.5)
    EmergencyIntentOverride().process([message])
    assert message.get("intent")["name"] == "emergency"


def test_other_messages_keep_their_intent() -> None:
    message = classified("can igrt cause shortness of breath?", "ask_side_effects", 0.8)
    EmergencyIntentOverride().process([message])
    assert message.get("intent") == {"name": "ask_side_effects", "confidence": 0.8}
