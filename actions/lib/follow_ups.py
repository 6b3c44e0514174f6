"""Which answer an elliptical follow-up asks about (knowledge/follow_ups.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

FOLLOW_UPS_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "follow_ups.yml"


@dataclass(frozen=True)
class FollowUp:
    asks: str
    cues: re.Pattern[str]
    after: frozenset[str]
    answer: tuple[str, ...]


@lru_cache(maxsize=1)
def follow_ups() -> tuple[FollowUp, ...]:
    entries = yaml.safe_load(FOLLOW_UPS_FILE.read_text(encoding="utf-8"))["follow_ups"]
    return tuple(
        FollowUp(
            entry["asks"],
            re.compile(r"\b(" + "|".join(re.escape(str(c)) for c in entry["cues"]) + r")\b"),
            frozenset(entry["after"]),
            tuple(entry["answer"]),
        )
        for entry in entries
    )


def answer_for(previous: str | None, text: str) -> tuple[str, ...] | None:
    """The answer parts for a follow-up to `previous`, or None if none fits."""
    lowered = text.lower().replace("\u2019", "'")
    for follow_up in follow_ups():
        if previous in follow_up.after and follow_up.cues.search(lowered):
            return follow_up.answer
    return None
