"""Tune the triage bars (config.yml) on cross-validated predictions.

Each triage example, and each ordinary training message of data/, is scored by
a classifier that did not see it (5 folds); the rules run on it as they do in
the assistant. Prints recall and false alarms for candidate bars. The dev set
is never read.

    .venv/bin/python scripts/tune_triage.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.triage.classifier import UrgencyClassifier
from components.triage.component import training_set
from components.triage.decision import Thresholds, decide
from components.triage.examples import project_nlu_data
from components.triage.language import Language
from components.triage.rules import triage_rules


def cross_validated_probabilities(texts: list[str], urgent: list[bool]) -> np.ndarray:
    labels = np.array(urgent)
    probabilities = np.zeros(len(texts))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = UrgencyClassifier.fit([texts[i] for i in train], list(labels[train]))
        probabilities[test] = model.probabilities([texts[i] for i in test])
    return probabilities


def main() -> None:
    texts, urgent = training_set(project_nlu_data())
    probabilities = cross_validated_probabilities(texts, urgent)
    verdicts = [triage_rules().assess(text) for text in texts]
    positives = sum(urgent)
    print(f"{positives} urgent and {len(texts) - positives} not-urgent messages")
    rules_only = sum(v.urgent and u for v, u in zip(verdicts, urgent, strict=True))
    print(f"rules alone: recall {rules_only / positives:.3f}")
    rows = []
    for symptom, unknown, scoped in itertools.product(
        (0.2, 0.3, 0.4), (0.3, 0.4, 0.5, 0.6), (0.8, 0.9, 0.95)
    ):
        bars = Thresholds(symptom, unknown, scoped)
        said = [
            decide(v, p, Language.ENGLISH, bars).urgent
            for v, p in zip(verdicts, probabilities, strict=True)
        ]
        caught = sum(s and u for s, u in zip(said, urgent, strict=True))
        alarms = sum(s and not u for s, u in zip(said, urgent, strict=True))
        rows.append((caught / positives, -alarms, bars))
    for recall, alarms, bars in sorted(rows, key=lambda r: (r[0], r[1]), reverse=True)[:12]:
        print(f"recall {recall:.3f}  false alarms {-alarms:3d}  {bars}")


if __name__ == "__main__":
    main()
