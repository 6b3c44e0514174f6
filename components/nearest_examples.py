"""The training examples of each intent as hashed n-gram rows, and how close a
text is to the nearest of them: one signal of the scope check, and the
classifier of each question in a message that asks several."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.text_features import features, vectorizers


class NearestExamples:
    def __init__(self, examples: dict[str, scipy.sparse.csr_matrix]) -> None:
        # Column-major: a text's few features pick columns, not the whole space.
        self._examples = {intent: matrix.tocsc() for intent, matrix in examples.items()}
        self._vectorizers = vectorizers()
        # Every intent's rows stacked, for ranking all intents in one product.
        self._intents = [intent for intent, matrix in examples.items() if matrix.shape[0]]
        matrices = [examples[intent] for intent in self._intents]
        self._stacked = scipy.sparse.vstack(matrices).tocsc() if matrices else None
        self._starts = np.cumsum([0] + [m.shape[0] for m in matrices[:-1]])

    @classmethod
    def fit(cls, training_data: TrainingData) -> NearestExamples:
        by_intent: dict[str, list[str]] = {}
        for message in training_data.intent_examples:
            by_intent.setdefault(message.get(INTENT), []).append(message.get(TEXT))
        blocks = vectorizers()
        return cls({intent: features(blocks, texts) for intent, texts in by_intent.items()})

    def save(self, directory: Path) -> None:
        for intent, matrix in self._examples.items():
            scipy.sparse.save_npz(directory / f"{intent}.npz", matrix.tocsr())

    @classmethod
    def load(cls, directory: Path) -> NearestExamples:
        return cls({path.stem: scipy.sparse.load_npz(path) for path in directory.glob("*.npz")})

    def similarity(self, text: str, intent: str) -> float:
        """Cosine similarity to the nearest training example of the intent
        (1.0 for an intent without examples, such as a button payload)."""
        if intent not in self._examples:
            return 1.0
        return self._similarities(text, [intent])[intent]

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every intent with its nearest example's similarity, closest first."""
        if self._stacked is None:
            return []
        row = features(self._vectorizers, [text])
        products = self._stacked[:, row.indices] @ row.data
        if not products.size:
            return [(intent, 0.0) for intent in self._intents]
        nearest = np.maximum.reduceat(products, self._starts) / 2
        order = np.argsort(-nearest, kind="stable")
        return [(self._intents[i], float(nearest[i])) for i in order]

    def _similarities(self, text: str, intents: list[str]) -> dict[str, float]:
        row = features(self._vectorizers, [text])
        scores = {}
        for intent in intents:
            products = self._examples[intent][:, row.indices] @ row.data
            # Each row has norm sqrt(2) (two l2-normalised blocks).
            scores[intent] = float(np.max(products)) / 2 if products.size else 0.0
        return scores
