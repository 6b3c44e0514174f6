"""Rasa NLU component: body-site words in a message become `body_site` entities."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

from knowledge.body_sites import BodyArea, body_areas

ENTITY_NAME = "body_site"


@dataclass(frozen=True)
class BodySiteMention:
    area: str
    start: int
    end: int


class BodySiteMatcher:
    """Finds body-site words; overlapping matches resolve to the longest."""

    def __init__(self, areas: dict[str, BodyArea]) -> None:
        # A blank pipeline: the tokenizer is all we need, and it ships with spaCy.
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for area in areas.values():
            self._matcher.add(area.name, [self._nlp.make_doc(term) for term in area.terms])

    def find(self, text: str) -> list[BodySiteMention]:
        doc = self._nlp.make_doc(text)
        spans = [Span(doc, start, end, label=label) for label, start, end in self._matcher(doc)]
        return [
            BodySiteMention(span.label_, span.start_char, span.end_char)
            for span in filter_spans(spans)
        ]


@lru_cache(maxsize=1)
def body_site_matcher() -> BodySiteMatcher:
    return BodySiteMatcher(body_areas())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
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
