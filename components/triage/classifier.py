"""The second net: a binary urgent / not-urgent text classifier.

Word and character n-grams, hashed (so nothing but the weights needs saving),
and a logistic regression. Trained at `rasa train` on the triage examples in
knowledge/triage/ plus every ordinary training message of data/ as a negative.
The weights are stored as .npy files: no pickle, which Rasa 3.6.21 refuses for
good reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from components.text_features import FEATURES, features, normalise, vectorizers

SEED = 42


class UrgencyClassifier:
    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self._weights = weights
        self._bias = bias
        self._vectorizers = vectorizers()

    @classmethod
    def fit(cls, texts: list[str], urgent: list[bool], strength: float = 16.0) -> UrgencyClassifier:
        # liblinear: the same L2-regularised logistic regression, ten times
        # faster than lbfgs on these sparse features (1 s for 7,000 messages).
        model = LogisticRegression(
            C=strength,
            class_weight="balanced",
            solver="liblinear",
            max_iter=2000,
            random_state=SEED,
        )
        model.fit(features(vectorizers(), texts), np.array(urgent, dtype=int))
        return cls(model.coef_[0].astype(np.float32), float(model.intercept_[0]))

    def probability(self, text: str) -> float:
        return float(self.probabilities([text])[0])

    def probabilities(self, texts: list[str]) -> np.ndarray:
        cleaned = [normalise(text) for text in texts]
        return 1.0 / (1.0 + np.exp(-(self._scores(cleaned) + self._bias)))

    def _scores(self, cleaned: list[str]) -> np.ndarray:
        # Indexing the weights by each row's feature ids is several times
        # faster than scipy's sparse-dense product for a message or two, and
        # this is on every message's path.
        scores = np.zeros(len(cleaned))
        for block, vectorizer in enumerate(self._vectorizers):
            rows = vectorizer.transform(cleaned)
            weights = self._weights[block * FEATURES : (block + 1) * FEATURES]
            row_of_entry = np.repeat(np.arange(len(cleaned)), np.diff(rows.indptr))
            scores += np.bincount(
                row_of_entry, weights=rows.data * weights[rows.indices], minlength=len(cleaned)
            )
        return scores

    def save(self, directory: Path) -> None:
        np.save(directory / "urgency_weights.npy", self._weights, allow_pickle=False)
        np.save(directory / "urgency_bias.npy", np.array([self._bias]), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> UrgencyClassifier:
        weights = np.load(directory / "urgency_weights.npy", allow_pickle=False)
        bias = np.load(directory / "urgency_bias.npy", allow_pickle=False)
        return cls(weights, float(bias[0]))
