"""The triage pattern language of knowledge/triage/concepts.yml, compiled to
spaCy Matcher patterns.

A pattern is a space-separated token sequence: `word`, `a|b|c`, `(a b|c d)`
(alternatives of several words), `@CLASS` (a word class of lexicon.yml, whose
entries may be several words; `@A|b` mixes both), `_` (any one
token), `re:REGEX` (a token regex), each optionally followed by `?`. Words are
compared on spaCy's lower-case NORM, so contractions need no spelling out.
Multi-word alternatives cannot share one Matcher token, so they are expanded
into separate patterns.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

TokenSpec = dict
# An item is a list of alternatives; each alternative is a list of token specs.
Item = list[list[TokenSpec]]
Tokenize = Callable[[str], list[str]]


def compile_pattern(
    pattern: str, classes: dict[str, list[str]], norms: Tokenize
) -> list[list[TokenSpec]]:
    """Every Matcher pattern the pattern string stands for."""
    # A parenthesised group is one item, spaces and all.
    words = re.findall(r"\([^)]*\)\??|\S+", pattern)
    items = [_item(word, classes, norms) for word in words]
    expanded = []
    for combination in itertools.product(*items):
        specs = [spec for alternative in combination for spec in alternative]
        if specs:
            expanded.append(specs)
    return expanded


def _item(word: str, classes: dict[str, list[str]], norms: Tokenize) -> Item:
    optional = word.endswith("?") and len(word) > 1
    word = word[:-1] if optional else word
    if word.startswith("(") and word.endswith(")"):
        word = word[1:-1]
    if word == "_":
        return [[{"OP": "?"}]] if optional else [[{}]]
    if word.startswith("re:"):
        spec = {"LOWER": {"REGEX": word[3:]}}
        return [[{**spec, "OP": "?"}]] if optional else [[spec]]
    words = [
        entry
        for alternative in word.split("|")
        for entry in (classes[alternative[1:]] if alternative.startswith("@") else [alternative])
    ]
    alternatives = _alternatives(words, norms)
    return [*alternatives, []] if optional else alternatives


def _alternatives(words: Iterable[str], norms: Tokenize) -> Item:
    single: list[str] = []
    multi: list[list[TokenSpec]] = []
    for word in words:
        tokens = norms(str(word))
        if len(tokens) == 1:
            single.append(tokens[0])
        elif tokens:
            multi.append([{"NORM": token} for token in tokens])
    alternatives = [[{"NORM": {"IN": sorted(set(single))}}]] if single else []
    return alternatives + multi


def as_phrases(specs: list[TokenSpec], limit: int = 5000) -> list[list[str]] | None:
    """The word sequences a fixed-length pattern of plain words matches, or None
    if it has optional, wildcard or regex tokens (or would expand too far).

    Such patterns go to a PhraseMatcher (a hash lookup per position) instead of
    the Matcher (a state machine per pattern): the bulk of the cost per message.
    """
    choices = []
    size = 1
    for spec in specs:
        norm = spec.get("NORM") if set(spec) == {"NORM"} else None
        if isinstance(norm, str):
            choices.append([norm])
        elif isinstance(norm, dict) and set(norm) == {"IN"}:
            choices.append(list(norm["IN"]))
        else:
            return None
        size *= len(choices[-1])
        if size > limit:
            return None
    return [list(words) for words in itertools.product(*choices)]
