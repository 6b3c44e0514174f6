"""Urgent-symptom phrases (knowledge/emergency_phrases.yml) as compiled patterns."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")


@lru_cache(maxsize=1)
def emergency_families() -> dict[str, dict]:
    return yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))["families"]


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile(pattern, re.IGNORECASE)
        for family in emergency_families().values()
        for pattern in family["patterns"]
    )


def _normalise(text: str) -> str:
    # Phones type curly apostrophes; the patterns use straight ones.
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'"))


def is_emergency(text: str) -> bool:
    normalised = _normalise(text)
    return any(pattern.search(normalised) for pattern in _patterns())
