"""The triage component as the trained assistant runs it.

The classifier is fitted here exactly as `rasa train` fits it (same examples,
same seed), so the triage tests need no trained model and no server.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from components.scope import subject_finder
from components.triage.classifier import UrgencyClassifier
from components.triage.component import training_set
from components.triage.decision import Thresholds, TriageDecision, decide
from components.triage.examples import project_nlu_data
from components.triage.language import detect_language
from components.triage.rules import triage_rules

PROJECT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((Path(__file__).with_name("cases.yml")).read_text(encoding="utf-8"))
# family -> [recognised, urgent cases, false alarms, not-urgent cases]
TALLY: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])


def configured_thresholds() -> Thresholds:
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    triage = next(c for c in config["pipeline"] if c["name"].endswith("TriageClassifier"))
    return Thresholds(**{k: v for k, v in triage.items() if k != "name"})


class Triage:
    def __init__(self) -> None:
        texts, urgent = training_set(project_nlu_data())
        self._classifier = UrgencyClassifier.fit(texts, urgent)
        self._thresholds = configured_thresholds()

    def __call__(self, text: str) -> TriageDecision:
        language = detect_language(text)
        return decide(
            triage_rules().assess(text, language),
            self._classifier.probability(text),
            language,
            self._thresholds,
            treatment_choice=subject_finder().is_treatment_choice(text),
        )
