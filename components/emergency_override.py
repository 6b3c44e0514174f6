"""Rasa NLU component: an urgent symptom makes the intent `emergency`, always.

It runs last in the pipeline, after the classifier and the FallbackClassifier,
so no confidence score can outvote it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.emergency import is_emergency

EMERGENCY_INTENT = {"name": "emergency", "confidence": 1.0}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class EmergencyIntentOverride(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyIntentOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if is_emergency(message.get(TEXT) or ""):
                ranking = [
                    entry
                    for entry in message.get(INTENT_RANKING_KEY, [])
                    if entry.get("name") != EMERGENCY_INTENT["name"]
                ]
                message.set(INTENT, dict(EMERGENCY_INTENT), add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY, [dict(EMERGENCY_INTENT), *ranking], add_to_output=True
                )
        return messages
