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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick
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


@dataclass(frozen=True)
class RedFlag:
    """One phrase of the lexicon: its family, the folded literal pieces that
    must all be in a message, and the pattern that places them ("a~b", "a & b";
    none for a plain phrase, which is its one piece)."""

    family: str
    pieces: frozenset[str]
    pattern: re.Pattern | None

    def in_text(self, folded: str, present: set[str]) -> bool:
        return self.pieces <= present and (
            self.pattern is None or self.pattern.search(folded) is not None
        )


class OtherLanguageRedFlags:
    """Several thousand phrases: an Aho-Corasick automaton finds which pieces a
    message holds in one pass, and only the phrases made of those pieces are
    checked. One alternation regex per family took 4 ms a message."""

    def __init__(self, spec: dict) -> None:
        self._gap = f".{{0,{int(spec['gap'])}}}?"
        self._families = list(spec["families"])
        flags = [
            (self._red_flag(family, str(phrase)), str(phrase))
            for family, by_language in spec["families"].items()
            for phrases in by_language.values()
            for phrase in phrases
        ]
        self._pieces = ahocorasick.Automaton()
        for flag, _ in flags:
            for piece in flag.pieces:
                self._pieces.add_word(piece, piece)
        self._pieces.make_automaton()
        # By the longest piece of each phrase: a message holds few of them.
        self._index = {None: self._indexed(flag for flag, _ in flags)}
        for language, code in SCOPED_LANGUAGES.items():
            self._index[language] = self._indexed(
                flag for flag, phrase in flags if not shared_with(phrase, code)
            )

    def _red_flag(self, family: str, phrase: str) -> RedFlag:
        pieces = frozenset(
            fold(piece) for part in phrase.split(BOTH_MARK) for piece in part.split(GAP_MARK)
        )
        plain = GAP_MARK not in phrase and BOTH_MARK not in phrase
        pattern = None if plain else re.compile(self._phrase(phrase))
        return RedFlag(family, pieces - {""}, pattern)

    @staticmethod
    def _indexed(flags: Iterable[RedFlag]) -> dict[str, list[RedFlag]]:
        index: dict[str, list[RedFlag]] = defaultdict(list)
        for flag in flags:
            index[max(flag.pieces, key=len)].append(flag)
        return dict(index)

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
        present = {piece for _, piece in self._pieces.iter(folded)}
        index = self._index.get(language, self._index[None])
        found = {
            flag.family
            for piece in present
            for flag in index.get(piece, ())
            if flag.in_text(folded, present)
        }
        return tuple(family for family in self._families if family in found)


@cache
def other_language_red_flags() -> OtherLanguageRedFlags:
    return OtherLanguageRedFlags(yaml.safe_load(LEXICON.read_text(encoding="utf-8")))
