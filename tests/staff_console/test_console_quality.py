"""The model-quality page over HTTP: "not run yet" without reports, the
reports when their files exist, and a refresh run as a background job by an
admin (the reading grades: the real make target, a few seconds)."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator

import pytest

from staff_console.console_env import Console, StaffClient, audited

# A 1x1 PNG, standing in for Rasa's plots.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
INTENT_REPORT = {
    "what_is_igrt": {"precision": 0.95, "recall": 0.9, "f1-score": 0.924, "support": 40},
    "goodbye": {"precision": 0.7, "recall": 0.5, "f1-score": 0.583, "support": 12},
    "accuracy": 0.782,
    "macro avg": {"precision": 0.8, "recall": 0.7, "f1-score": 0.787, "support": 52},
    "weighted avg": {"precision": 0.8, "recall": 0.8, "f1-score": 0.790, "support": 52},
}


@pytest.fixture
def reports(console: Console) -> Iterator[None]:
    """Reports as make nlu-report and make score leave them; removed afterwards."""
    nlu = console.reports_dir / "nlu"
    nlu.mkdir(parents=True, exist_ok=True)
    (nlu / "intent_report.json").write_text(json.dumps(INTENT_REPORT))
    (nlu / "intent_confusion_matrix.png").write_bytes(PNG)
    (nlu / "intent_histogram.png").write_bytes(PNG)
    score = {
        "finished_at": time.time(),
        "exit_code": 0,
        "summary": "dev set: 116/119 conversations passed (97.5%)",
        "model": {"path": "models/current.tar.gz", "mtime": 0, "size": 1},
        "url": "http://localhost:5005",
    }
    (console.reports_dir / "dev_score.json").write_text(json.dumps(score))
    yield
    shutil.rmtree(console.reports_dir)


def test_without_reports_each_says_not_run_yet(staff: StaffClient, console: Console) -> None:
    shutil.rmtree(console.reports_dir, ignore_errors=True)
    page = staff.get("/quality")
    assert page.status_code == 200
    assert page.text.count("Not run yet") == 3
    # Staff read it; refreshing (minutes of CPU) is for admins.
    assert "/quality/refresh/" not in page.text
    assert staff.post("/quality/refresh/grades").status_code == 403
    assert staff.get("/quality/nlu/intent_histogram.png").status_code == 404


def test_the_reports_are_shown(staff: StaffClient, reports: None) -> None:
    page = staff.get("/quality").text
    assert "accuracy 0.782, macro F1 0.787, weighted F1 0.790" in " ".join(page.split())
    # Weakest first.
    assert page.index("<td>goodbye</td><td>0.58</td>") < page.index("<td>what_is_igrt</td>")
    assert 'src="/quality/nlu/intent_confusion_matrix.png" alt="Confusion matrix' in page
    image = staff.get("/quality/nlu/intent_histogram.png")
    assert image.headers["Content-Type"] == "image/png" and image.content == PNG
    assert staff.get("/quality/nlu/intent_report.json").status_code == 404
    assert staff.get("/quality/nlu/..%2F..%2Fclinic.yml").status_code == 404
    assert "dev set: 116/119 conversations passed (97.5%)" in page
    assert "The model has changed since" in page  # scored another model file


def test_an_admin_refreshes_the_reading_grades_in_the_background(
    admin: StaffClient, console: Console
) -> None:
    since = console.last_audit_id()
    assert admin.post("/quality/refresh/nope").status_code == 404
    started = admin.post("/quality/refresh/grades")
    assert (started.status_code, started.headers["location"]) == (302, "/quality")
    [row] = audited(console.audit_rows(since), "manager", "report refresh started")
    assert json.loads(row.detail) == {"report": "grades"}
    deadline = time.monotonic() + 120
    page = admin.get("/quality").text
    while "Last refresh: done" not in page and time.monotonic() < deadline:
        assert "Last refresh: failed" not in page, (console.reports_dir / "quality").iterdir()
        time.sleep(1)
        page = admin.get("/quality").text
    assert "Last refresh: done" in page and "(started by manager)" in page
    assert "response variants above grade 8" in page
    assert "utter_out_of_scope (with the clinic&#39;s phone)" in page
    grades = json.loads((console.reports_dir / "quality" / "reading_grades.json").read_text())
    assert grades["target"] == 8 and len(grades["responses"]) > 40
