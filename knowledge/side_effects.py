"""The page's side-effects table (knowledge/side_effects_table.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLE_FILE = Path(__file__).with_name("side_effects_table.yml")
ANY_PART = "any_part"


@dataclass(frozen=True)
class TableRow:
    key: str
    label: str
    effects: str


@lru_cache(maxsize=1)
def side_effects_table() -> dict[str, TableRow]:
    """Rows in the page's order, keyed by row key (any_part, chest, ...)."""
    rows = yaml.safe_load(TABLE_FILE.read_text(encoding="utf-8"))["rows"]
    return {key: TableRow(key, row["label"], row["effects"]) for key, row in rows.items()}
