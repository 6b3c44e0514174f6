"""One line from Rasa's cross-validation report (`make nlu-report`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(report_dir: Path) -> str:
    report = json.loads((report_dir / "intent_report.json").read_text())
    intents = {
        name: scores
        for name, scores in report.items()
        if isinstance(scores, dict)
        and "f1-score" in scores
        and name not in {"macro avg", "weighted avg", "micro avg"}
    }
    weakest = sorted(intents.items(), key=lambda item: item[1]["f1-score"])[:3]
    macro, weighted = report["macro avg"]["f1-score"], report["weighted avg"]["f1-score"]
    return (
        f"intent accuracy {report['accuracy']:.3f}, macro F1 {macro:.3f}, "
        f"weighted F1 {weighted:.3f}; lowest F1: "
        + ", ".join(f"{name} {scores['f1-score']:.2f}" for name, scores in weakest)
    )


if __name__ == "__main__":
    print(summary(Path(sys.argv[1] if len(sys.argv) > 1 else "reports/nlu")))
