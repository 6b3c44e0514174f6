"""The unanswered-questions inbox: patients' turns written by the real model to
Rasa's SQL tracker store, collected by the console, scrubbed, shown without
who asked."""

from __future__ import annotations

import json

import sqlalchemy as sa

from console.db import inbox
from staff_console.conftest import PATIENT_SENDERS, ModelRuns
from staff_console.console_env import Console, StaffClient, audited

PLANTED = ["John", "Smith", "jane.doe", "212-555-0123", "00483920", "03/14/1958"]


def test_unanswered_questions_are_collected_scrubbed_and_anonymous(
    console: Console, staff: StaffClient, model_runs: ModelRuns
) -> None:
    since = console.last_audit_id()
    written = model_runs.patient_turns.result()
    assert written.returncode == 0, written.stderr[-3000:]
    assert staff.post("/inbox/collect").status_code == 302
    page = staff.get("/inbox").text
    with sa.create_engine(console.database_url).connect() as db:
        rows = list(db.execute(sa.select(inbox)))
    texts = [row.text for row in rows]
    assert len(rows) == 5, texts  # "what is igrt" was answered
    reasons = {row.text: row.reason for row in rows}
    assert reasons["what dose of radiation will I get with igrt"] == "scope check"
    assert reasons["the thing with the stuff"] == "low confidence"
    assert set(reasons.values()) == {"scope check", "low confidence", "I don't know"}
    assert any("[NAME]" in text and "dose of radiation" in text for text in texts)
    assert any("[EMAIL]" in text and "[PHONE]" in text for text in texts)
    assert any("[ID]" in text and "[DATE]" in text for text in texts)
    for planted in PLANTED + PATIENT_SENDERS:
        assert planted not in page
        assert all(planted not in text for text in texts)
    # Collected once: the shared cursor has moved past these turns.
    staff.post("/inbox/collect")
    with sa.create_engine(console.database_url).connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(inbox)).scalar() == 5
    first = rows[0].id
    assert staff.post(f"/inbox/{first}/reviewed").status_code == 302
    assert f"/inbox/{first}/reviewed" not in staff.get("/inbox").text
    assert "jane.doe" not in console.log() and "Smith" not in console.log()
    # Audited with ids and counts: no patient's words.
    audit = console.audit_rows(since)
    words = [*PLANTED, "dose of radiation", "the thing with the stuff", "cost", *PATIENT_SENDERS]
    collected = audited(audit, "front-desk", "inbox collected", *words)
    # Two collections asked for; the first (or the console's periodic one) added the five.
    assert len(collected) == 2 and json.loads(collected[1].detail) == {"added": 0}
    [reviewed] = audited(audit, "front-desk", "question marked reviewed")
    assert json.loads(reviewed.detail) == {"id": first}
