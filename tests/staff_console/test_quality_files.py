"""console/quality.py without a server: reading the reports, the reading
grades, the dev score's summary line, and one refresh at a time across
console processes (a real SQLite database)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from console import quality
from console.db import connect


def test_missing_or_broken_reports_read_as_none(tmp_path: Path) -> None:
    assert quality.nlu_report(tmp_path) is None
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "intent_report.json").write_text("{not json")
    assert quality.nlu_report(tmp_path) is None
    assert quality.reading_grades_report(tmp_path) is None
    (tmp_path / "dev_score.json").write_text("[1, 2]")
    assert quality.dev_score(tmp_path) is None


def test_the_intent_report_weakest_first_without_averages(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    report = {
        "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 5},
        "follow_up": {"precision": 0.6, "recall": 0.5, "f1-score": 0.55, "support": 9},
        "accuracy": 0.9,
        "macro avg": {"f1-score": 0.8},
        "weighted avg": {"f1-score": 0.85},
    }
    (tmp_path / "nlu" / "intent_report.json").write_text(json.dumps(report))
    (tmp_path / "nlu" / "intent_histogram.png").write_bytes(b"png")
    found = quality.nlu_report(tmp_path)
    assert found is not None
    assert [row["name"] for row in found["intents"]] == ["follow_up", "greet"]
    assert (found["accuracy"], found["macro_f1"], found["weighted_f1"]) == (0.9, 0.8, 0.85)
    assert found["images"] == ["intent_histogram.png"]


def test_every_response_is_graded_with_the_settings_filled_in() -> None:
    rows = quality.reading_grades(quality.PROJECT / "domain.yml")
    names = {row["name"] for row in rows}
    assert {"utter_what_is_igrt", "utter_emergency", "utter_channel_failure"} <= names
    assert all("{clinic_" not in row["text"] for row in rows)
    contact = [row for row in rows if row["variant"] == "with the clinic's phone"]
    domain = yaml.safe_load((quality.PROJECT / "domain.yml").read_text(encoding="utf-8"))
    with_phone = [
        name
        for name, variants in domain["responses"].items()
        if any(
            c.get("name") == "clinic_phone_known" for v in variants for c in v.get("condition", [])
        )
    ]
    assert sorted(row["name"] for row in contact) == sorted(with_phone)
    assert all("You can call" in row["text"] for row in contact)
    assert [row["grade"] for row in rows] == sorted((row["grade"] for row in rows), reverse=True)


def test_the_score_keeps_only_its_summary_line() -> None:
    output = "case what is x? failed\nsome detail\nPassed 116/119 (97.5%)\n"
    assert quality.score_summary(output, 0) == "Passed 116/119 (97.5%)"
    assert quality.score_summary("Traceback ...\n", 2) == "the scorer exited with code 2"


def test_one_refresh_at_a_time_across_processes(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'console.db'}")
    other = connect(f"sqlite:///{tmp_path / 'console.db'}")  # another console process
    assert quality.statuses(engine) == {}
    assert quality.claim(engine, "nlu", "manager", now=1000.0)
    assert not quality.claim(other, "nlu", "boss", now=1001.0)
    assert quality.claim(other, "grades", "boss", now=1001.0)  # another kind may run
    assert quality.statuses(other)["nlu"]["state"] == "running"
    quality.finish(engine, "nlu", "done")
    assert quality.statuses(other)["nlu"]["state"] == "done"
    assert quality.claim(other, "nlu", "boss", now=2000.0)
    # A run whose console died is taken over once past its time limit.
    late = 2000.0 + quality.JOBS["nlu"].timeout_seconds + 61
    assert quality.claim(engine, "nlu", "manager", now=late)
    assert quality.statuses(engine)["nlu"]["started_by"] == "manager"
