"""The training examples of each intent as hashed n-gram rows, and how close a
text is to the nearest of them: one signal of the scope check, and the
classifier of each question in a message that asks several. Both components
keep them in their model resource (NearestExamplesComponent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
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
        examples = self._examples.get(intent)
        if examples is None:
            return 1.0
        row = features(self._vectorizers, [text])
        products = examples[:, row.indices] @ row.data
        # Each row has norm sqrt(2) (two l2-normalised blocks).
        return float(np.max(products)) / 2 if products.size else 0.0

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every intent with its nearest example's similarity, closest first."""
        if self._stacked is None:
            return []
        row = features(self._vectorizers, [text])
        products = self._stacked[:, row.indices] @ row.data
        if not products.size:
            return [(intent, 0.0) for intent in self._intents]
        nearest = np.maximum.reduceat(products, self._starts) / 2  # row norms are sqrt(2)
        order = np.argsort(-nearest, kind="stable")
        return [(self._intents[i], float(nearest[i])) for i in order]


class NearestExamplesComponent(GraphComponent):
    """A graph component that fits NearestExamples at `rasa train` and keeps
    them (one .npz per intent) in its model resource."""

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: NearestExamples | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._examples = examples or NearestExamples({})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NearestExamplesComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NearestExamplesComponent:
        with model_storage.read_from(resource) as directory:
            examples = NearestExamples.load(directory)
        return cls(config, model_storage, resource, examples)

    def train(self, training_data: TrainingData) -> Resource:
        self._examples = NearestExamples.fit(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            self._examples.save(directory)
        return self._resource
