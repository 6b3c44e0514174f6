"""Where each sentence of a reply comes from on the source page, and the page
with those passages marked (<mark>)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

PAGE_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "igrt_patient_page.txt"
_FOLD = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}


def sentences(text: str) -> list[str]:
    """Split after . ! ? and a space, as tests/test_source_fidelity.py does."""
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


@dataclass(frozen=True)
class FoldedText:
    """Lower-cased text with quotes, dashes and whitespace folded, and where
    each folded character came from in the original."""

    text: str
    origin: tuple[int, ...]


def fold(text: str) -> FoldedText:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        char = _FOLD.get(char, char).lower()
        if char.isspace():
            if not chars or chars[-1] == " ":
                continue
            char = " "
        chars.append(char)
        origin.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return FoldedText("".join(chars), tuple(origin))


@cache
def page() -> tuple[str, FoldedText]:
    text = PAGE_FILE.read_text(encoding="utf-8")
    return text, fold(text)


@dataclass(frozen=True)
class Source:
    sentence: str
    start: int | None  # where it is on the page, None: not a sentence of the page
    end: int | None


def find_sources(reply: str) -> list[Source]:
    """Each sentence of the reply and where the page says it (first place)."""
    _, folded = page()
    found = []
    for sentence in sentences(reply):
        needle = fold(sentence).text
        at = folded.text.find(needle) if needle else -1
        if at < 0:
            found.append(Source(sentence, None, None))
        else:
            last = folded.origin[at + len(needle) - 1]
            found.append(Source(sentence, folded.origin[at], last + 1))
    return found


def marked_page(spans: list[tuple[int, int]]) -> Markup:
    """The page as escaped HTML with the spans in <mark> (overlaps merged)."""
    text, _ = page()
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        parts.append(escape(text[position:start]))
        parts.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
