"""Body-site words patients use (knowledge/body_site_terms.yml).

Each word belongs to an "area" (what the reply calls it) and each area to zero
or more rows of the page's side-effects table. Data only: the spaCy matcher
that finds the words lives with its NLU component
(components/body_site_extractor.py), so the action server never imports spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TERMS_FILE = Path(__file__).with_name("body_site_terms.yml")


@dataclass(frozen=True)
class BodyArea:
    name: str
    rows: tuple[str, ...]
    terms: tuple[str, ...]


@lru_cache(maxsize=1)
def body_areas() -> dict[str, BodyArea]:
    areas = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))["areas"]
    return {
        name: BodyArea(name, tuple(area["rows"]), tuple(str(t) for t in area["terms"]))
        for name, area in areas.items()
    }
