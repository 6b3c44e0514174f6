"""Rasa NLU component: triage on every message, before any answer.

It runs last in the pipeline, so no intent score can outvote it:
- urgent (components/triage/decision.py): the intent becomes `emergency`;
- otherwise, a message not in English: the intent becomes `other_language`.
It also adds a `message_language` entity for Spanish (the emergency reply is
then given in Spanish too), and its whole decision as `triage` in the parse
result, where the side-effects action and the logs-free staff tools read it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.intents import set_intent
from components.scope import subject_finder
from components.triage.classifier import UrgencyClassifier
from components.triage.decision import Thresholds, TriageDecision, decide
from components.triage.examples import examples_digest, triage_examples
from components.triage.language import Language, detect_language
from components.triage.rules import TriageRules, triage_rules

EMERGENCY = "emergency"
OTHER_LANGUAGE = "other_language"
TRIAGE_KEY = "triage"
LANGUAGE_ENTITY = "message_language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TriageClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return dataclasses.asdict(Thresholds())

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: UrgencyClassifier | None = None,
    ) -> None:
        self._thresholds = Thresholds(
            **{field.name: config[field.name] for field in dataclasses.fields(Thresholds)}
        )
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier
        self._rules: TriageRules = triage_rules()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # The examples are read from knowledge/triage/, not given by the graph:
        # without this, Rasa's training cache would keep a classifier that
        # learnt from old examples.
        return examples_digest()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TriageClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TriageClassifier:
        with model_storage.read_from(resource) as directory:
            classifier = UrgencyClassifier.load(directory)
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        texts, urgent = training_set(training_data)
        self._classifier = UrgencyClassifier.fit(texts, urgent)
        with self._model_storage.write_to(self._resource) as directory:
            self._classifier.save(directory)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            decision = self.assess(message.get(TEXT) or "")
            apply_decision(message, decision)
        return messages

    def assess(self, text: str) -> TriageDecision:
        probability = self._classifier.probability(text) if self._classifier else 0.0
        language = detect_language(text)
        return decide(
            self._rules.assess(text, language),
            probability,
            language,
            self._thresholds,
            treatment_choice=subject_finder().is_treatment_choice(text),
        )


def training_set(training_data: TrainingData) -> tuple[list[str], list[bool]]:
    """The triage examples, plus every ordinary training message as not urgent."""
    examples = triage_examples()
    texts = [example.text for example in examples]
    urgent = [example.urgent for example in examples]
    for message in training_data.intent_examples:
        texts.append(message.get(TEXT))
        urgent.append(message.get(INTENT) == EMERGENCY)
    return texts, urgent


def apply_decision(message: Message, decision: TriageDecision) -> None:
    message.set(TRIAGE_KEY, decision.as_output(), add_to_output=True)
    if decision.language is Language.SPANISH:
        entity = {"entity": LANGUAGE_ENTITY, "value": "es", "extractor": "TriageClassifier"}
        message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
    if decision.urgent:
        set_intent(message, EMERGENCY)
    elif decision.language is not Language.ENGLISH:
        set_intent(message, OTHER_LANGUAGE)
