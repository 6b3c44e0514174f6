"""Which language a message is in: English, Spanish (alone or mixed into
English), or another language.

wordfreq ships its word lists in the package, so this works offline. A token
counts for a language when it is common there and clearly more common than in
English; scripts other than Latin are another language outright.
"""

from __future__ import annotations

import unicodedata
from enum import Enum

import wordfreq

# Latin-script languages patients of a US clinic are likely to write in; the
# rest are caught by their script.
OTHER_LATIN = ("fr", "pt", "de", "it", "vi", "fil", "pl", "nl", "ro", "id")
COMMON = 3.0  # Zipf frequency: about once per million words
CLEARLY_MORE = 1.5  # Zipf units (a factor of about 30) above English
VERY_COMMON = 5.5  # "the", "my", "is": never counted for another language


class Language(str, Enum):
    ENGLISH = "en"
    SPANISH = "es"
    OTHER = "other"


def detect_language(text: str) -> Language:
    if _non_latin_letters(text) >= 2:
        return Language.OTHER
    tokens = [t for t in wordfreq.tokenize(text, "en") if t.isalpha()]
    english = {token: _zipf(token, "en") for token in tokens}
    # A word this common in English is English (and skipping it keeps this fast).
    foreign = [token for token in tokens if english[token] < VERY_COMMON]
    if not foreign:
        return Language.ENGLISH
    # One letter is no evidence: "y" is Spanish "and" but also texting for "why".
    spanish = [t for t in foreign if len(t) > 1 and _belongs_to("es", t, english[t])]
    other = max(
        sum(_belongs_to(language, t, english[t]) for t in foreign) for language in OTHER_LATIN
    )
    # French and Portuguese share many short words with Spanish: Spanish must
    # have at least as many of its own. One short word is not enough ("see
    # ya", "yo"); "hola" alone is.
    if len(spanish) >= max(2, other) or (spanish and len(tokens) <= 2 and len(spanish[0]) >= 4):
        return Language.SPANISH
    if other >= 2 and other > sum(zipf >= COMMON for zipf in english.values()):
        return Language.OTHER
    return Language.ENGLISH


def _belongs_to(language: str, token: str, english: float) -> bool:
    there = _zipf(token, language)
    return there >= COMMON and there - english >= CLEARLY_MORE


def _zipf(token: str, language: str) -> float:
    return wordfreq.zipf_frequency(token, language, wordlist="small")


def _non_latin_letters(text: str) -> int:
    return sum(
        1 for char in text if char.isalpha() and "LATIN" not in unicodedata.name(char, "LATIN")
    )
