"""`rasa test core` on the conversation tests in tests/test_conversations.yml:
each message is parsed by the model's NLU and every predicted intent and action
must match. (Plain `rasa test` also re-scores the NLU on its own training
data, which tests nothing and took 70 s more.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from assistant_server import MODEL, PROJECT


def test_conversations_follow_the_stories(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            str(PROJECT / ".venv" / "bin" / "rasa"),
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            "tests/test_conversations.yml",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    failed = tmp_path / "failed_test_stories.yml"
    output = run.stdout + run.stderr
    predicted = [line for line in output.splitlines() if "# predicted:" in line]
    details = failed.read_text() if failed.exists() else "\n".join(predicted) or output[-3000:]
    assert run.returncode == 0, details
