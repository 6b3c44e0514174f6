"""The source page and the text normalisation the fidelity tests share."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PAGE_FILE = PROJECT / "knowledge" / "igrt_patient_page.txt"


def normalise(text: str) -> str:
    """Lower case, straight quotes and dashes, whitespace folded."""
    text = text.lower()
    for curly, straight in {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}.items():
        text = text.replace(curly, straight)
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def page_text() -> str:
    return PAGE_FILE.read_text(encoding="utf-8")


def page_lines() -> list[str]:
    return [line.strip() for line in page_text().splitlines() if line.strip()]


def sentences(text: str) -> list[str]:
    """Split after . ! ? followed by a space; keeps each sentence's end mark."""
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]
