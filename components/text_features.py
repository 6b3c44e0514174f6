"""Hashed word and character n-grams, shared by the triage classifier and the
scope check: stateless, so only weights or example matrices need saving."""

from __future__ import annotations

import scipy.sparse
from sklearn.feature_extraction.text import HashingVectorizer

FEATURES = 2**18


def normalise(text: str) -> str:
    # Phones type curly apostrophes; the training data uses straight ones.
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    shared = {"n_features": FEATURES, "alternate_sign": False, "norm": "l2", "lowercase": False}
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **shared)
    # Character n-grams carry misspellings ("brething", "prostrate") to the
    # words they stand for.
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **shared)
    return words, chars


def features(blocks: tuple[HashingVectorizer, ...], texts: list[str]) -> scipy.sparse.csr_matrix:
    """One row per text; each block l2-normalised, so a row's norm is sqrt(2)."""
    cleaned = [normalise(text) for text in texts]
    return scipy.sparse.hstack([v.transform(cleaned) for v in blocks]).tocsr()
