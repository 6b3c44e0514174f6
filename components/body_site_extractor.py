"""Rasa NLU component: body-site words in a message become `body_site` entities."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.body_sites import BodySiteMatcher, body_site_matcher

ENTITY_NAME = "body_site"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class BodySiteEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Entity values are area names of knowledge/body_site_terms.yml."""

    def __init__(self, matcher: BodySiteMatcher) -> None:
        self._matcher = matcher

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BodySiteEntityExtractor:
        return cls(body_site_matcher())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = [
                {
                    "entity": ENTITY_NAME,
                    "value": mention.area,
                    "start": mention.start,
                    "end": mention.end,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for mention in self._matcher.find(message.get(TEXT) or "")
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
