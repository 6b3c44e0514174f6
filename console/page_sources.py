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


# A filled-in template ("For treatment to the chest, common side effects are:
# difficulty swallowing, ...") quotes a row of the page's table after its colon.
MIN_ROW_QUOTE = 12


@dataclass(frozen=True)
class Source:
    sentence: str
    start: int | None  # where it is on the page, None: not from the page
    end: int | None
    kind: str = ""  # "sentence", or "table row" for a quoted row


def _find(needle: str) -> tuple[int, int] | None:
    """Where the folded text is on the page, in the page's own characters."""
    _, folded = page()
    at = folded.text.find(needle) if needle else -1
    if at < 0:
        return None
    return folded.origin[at], folded.origin[at + len(needle) - 1] + 1


def _table_row(sentence: str) -> tuple[int, int] | None:
    """The page line whose text the sentence quotes after its colon."""
    _, colon, quoted = sentence.rpartition(": ")
    needle = fold(quoted.rstrip(".")).text
    if not colon or len(needle) < MIN_ROW_QUOTE:
        return None
    span = _find(needle)
    if span is None:
        return None
    text, _ = page()
    line_start = text.rfind("\n", 0, span[0]) + 1
    line_end = text.find("\n", span[1])
    return line_start, len(text) if line_end < 0 else line_end


def find_sources(reply: str) -> list[Source]:
    """Each sentence of the reply and where the page says it (first place)."""
    found = []
    for sentence in sentences(reply):
        span = _find(fold(sentence).text)
        if span:
            found.append(Source(sentence, *span, kind="sentence"))
            continue
        row = _table_row(sentence)
        if row:
            found.append(Source(sentence, *row, kind="table row"))
        else:
            found.append(Source(sentence, None, None))
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
