"""Body-site words patients use, found in text with a spaCy PhraseMatcher.

The words live in knowledge/body_site_terms.yml; each belongs to an "area"
(what the reply calls it) and each area to zero or more rows of the page's
side-effects table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

TERMS_FILE = Path(__file__).with_name("body_site_terms.yml")


@dataclass(frozen=True)
class BodyArea:
    name: str
    rows: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class BodySiteMention:
    area: str
    start: int
    end: int


@lru_cache(maxsize=1)
def body_areas() -> dict[str, BodyArea]:
    areas = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))["areas"]
    return {
        name: BodyArea(name, tuple(area["rows"]), tuple(str(t) for t in area["terms"]))
        for name, area in areas.items()
    }


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
