"""Red flags in languages the assistant does not answer in
(knowledge/triage/other_languages.yml).

Matched as substrings of folded text rather than with spaCy's English
tokenizer: Chinese and Korean do not separate words, and a stem ("задыха")
covers its inflections. Folding drops accents and tone marks, because patients
often type Vietnamese, French or Haitian Creole without them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml

LEXICON = Path(__file__).resolve().parents[2] / "knowledge" / "triage" / "other_languages.yml"
GAP_MARK = "~"


def fold(text: str) -> str:
    """Lower case, without accents or tone marks, "đ" as "d", single spaces."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    # NFC again so that Korean syllables, split into letters by NFD, are whole.
    composed = unicodedata.normalize("NFC", bare).replace("đ", "d")
    return " ".join(composed.split())


class OtherLanguageRedFlags:
    def __init__(self, spec: dict) -> None:
        gap = f".{{0,{int(spec['gap'])}}}?"
        self._patterns = {
            family: re.compile(
                "|".join(self._phrase(p, gap) for ps in by_language.values() for p in ps)
            )
            for family, by_language in spec["families"].items()
        }

    @staticmethod
    def _phrase(phrase: str, gap: str) -> str:
        return gap.join(re.escape(fold(part)) for part in str(phrase).split(GAP_MARK))

    def families(self, text: str) -> tuple[str, ...]:
        folded = fold(text)
        return tuple(family for family, pattern in self._patterns.items() if pattern.search(folded))


@cache
def other_language_red_flags() -> OtherLanguageRedFlags:
    return OtherLanguageRedFlags(yaml.safe_load(LEXICON.read_text(encoding="utf-8")))
