"""The urgent / not-urgent examples the second net learns from
(knowledge/triage/examples_*.yml), written for this project."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.triage.rules import TRIAGE_DIR, load


@dataclass(frozen=True)
class Example:
    text: str
    urgent: bool
    group: str  # the family of an urgent example, the kind of a not-urgent one


def examples_digest() -> str:
    """A digest of the example files, which change what the classifier learns."""
    digest = hashlib.sha256()
    for path in sorted(TRIAGE_DIR.glob("examples_*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def triage_examples() -> list[Example]:
    return list(_examples())


def _examples() -> Iterator[Example]:
    for path in sorted(TRIAGE_DIR.glob("examples_*.yml")):
        data = load(path.name)
        for label, urgent in (("urgent", True), ("not_urgent", False)):
            for group, texts in (data.get(label) or {}).items():
                for text in texts:
                    yield Example(str(text), urgent, group)


def project_nlu_data() -> TrainingData:
    """Every NLU file of data/ (nlu*.yml), merged as `rasa train` sees them."""
    data_dir = TRIAGE_DIR.parents[1] / "data"
    return TrainingData().merge(
        *[load_data(str(path)) for path in sorted(data_dir.glob("nlu*.yml"))]
    )
