"""Red flags in languages the assistant does not answer in
(knowledge/triage/other_languages.yml).

Matched as substrings of folded text rather than with spaCy's English
tokenizer: Chinese and Korean do not separate words, and a stem ("задыха")
covers its inflections. Folding drops accents and tone marks, because patients
often type Vietnamese, French or Haitian Creole without them.

A phrase that is also English or Spanish ("suicide", "infarto") is left to
those languages' own patterns in a message written in them: those patterns
know negation, history and figures of speech ("casi me da un infarto cuando
vi la factura"); the substrings here do not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import wordfreq
import yaml

from components.triage.language import Language

LEXICON = Path(__file__).resolve().parents[2] / "knowledge" / "triage" / "other_languages.yml"
GAP_MARK = "~"
BOTH_MARK = "&"
# A word at least this common (Zipf) in English or Spanish belongs to it too.
SHARED_ZIPF = 2.5
SCOPED_LANGUAGES = {Language.ENGLISH: "en", Language.SPANISH: "es"}


def fold(text: str) -> str:
    """Lower case, without accents or tone marks, "đ" as "d", single spaces."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    # NFC again so that Korean syllables, split into letters by NFD, are whole.
    composed = unicodedata.normalize("NFC", bare).replace("đ", "d")
    return " ".join(composed.split())


def shared_with(phrase: str, language: str) -> bool:
    """Every word of the phrase, accents kept ("tím" is not "tim"), is a common
    word of `language` as well."""
    words = re.findall(r"[^\W\d_]+", phrase.casefold())
    return bool(words) and all(
        wordfreq.zipf_frequency(word, language, wordlist="small") >= SHARED_ZIPF for word in words
    )


class OtherLanguageRedFlags:
    def __init__(self, spec: dict) -> None:
        self._gap = f".{{0,{int(spec['gap'])}}}?"
        phrases = {
            family: [str(p) for ps in by_language.values() for p in ps]
            for family, by_language in spec["families"].items()
        }
        self._patterns = {None: self._compile(phrases, excluding=None)}
        for language, code in SCOPED_LANGUAGES.items():
            self._patterns[language] = self._compile(phrases, excluding=code)

    def _compile(
        self, phrases: dict[str, list[str]], excluding: str | None
    ) -> dict[str, re.Pattern]:
        """One pattern per family, leaving out phrases shared with `excluding`."""
        compiled = {}
        for family, listed in phrases.items():
            kept = [
                self._phrase(p) for p in listed if not (excluding and shared_with(p, excluding))
            ]
            if kept:
                compiled[family] = re.compile("|".join(kept))
        return compiled

    def _phrase(self, phrase: str) -> str:
        """ "a~b": b within `gap` characters after a; "a & b": both anywhere."""
        if BOTH_MARK in phrase:
            parts = [self._phrase(part.strip()) for part in phrase.split(BOTH_MARK)]
            return "^" + "".join(f"(?=[\\s\\S]*?(?:{part}))" for part in parts)
        return self._gap.join(re.escape(fold(part)) for part in phrase.split(GAP_MARK))

    def families(self, text: str, language: Language | None = None) -> tuple[str, ...]:
        """The families whose red flags the text names; for a message in English
        or Spanish, only by phrases that are not also words of that language."""
        folded = fold(text)
        patterns = self._patterns.get(language, self._patterns[None])
        return tuple(family for family, pattern in patterns.items() if pattern.search(folded))


@cache
def other_language_red_flags() -> OtherLanguageRedFlags:
    return OtherLanguageRedFlags(yaml.safe_load(LEXICON.read_text(encoding="utf-8")))
