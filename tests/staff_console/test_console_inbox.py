"""The unanswered-questions inbox: patients' turns written by the real model to
Rasa's SQL tracker store, collected by the console, scrubbed, shown without
who asked."""

from __future__ import annotations

import json
import subprocess

import sqlalchemy as sa
from assistant_server import PROJECT

from console.db import inbox
from staff_console.console_env import Console, StaffClient

SENDERS = ["patient-7f3a9c21d4e8", "patient-0b6e5d2c9a71", "patient-c4d9e1f27b30"]
TURNS = [
    [SENDERS[0], "Hi, my name is John Smith. What dose of radiation will I get with IGRT?"],
    [SENDERS[0], "what is igrt"],
    [SENDERS[0], "what dose of radiation will I get with igrt"],  # the scope check's
    [SENDERS[1], "what about the machine"],  # below the classifier's threshold
    [SENDERS[1], "what about the machine? email me at jane.doe@example.com or call 212-555-0123"],
    [SENDERS[2], "My MRN is 00483920 and I was born 03/14/1958, how much will it cost?"],
]
PLANTED = ["John", "Smith", "jane.doe", "212-555-0123", "00483920", "03/14/1958"]


def write_patient_turns(console: Console) -> None:
    database = console.database.parent / "trackers.db"
    action_url = f"http://127.0.0.1:{console.env['ACTION_PORT']}/webhook"
    subprocess.run(
        [str(PROJECT / ".venv/bin/python"), "tests/staff_console/patient_turns.py",
         str(database), action_url],
        input=json.dumps(TURNS).encode(),
        cwd=PROJECT,
        env={**console.env, "PYTHONPATH": f"{PROJECT}:{PROJECT / 'tests'}"},
        check=True,
        capture_output=True,
        timeout=180,
    )  # fmt: skip


def test_unanswered_questions_are_collected_scrubbed_and_anonymous(
    console: Console, staff: StaffClient
) -> None:
    write_patient_turns(console)
    assert staff.post("/inbox/collect").status_code == 302
    page = staff.get("/inbox").text
    with sa.create_engine(console.database_url).connect() as db:
        rows = list(db.execute(sa.select(inbox)))
    texts = [row.text for row in rows]
    assert len(rows) == 5, texts  # "what is igrt" was answered
    reasons = {row.text: row.reason for row in rows}
    assert reasons["what dose of radiation will I get with igrt"] == "scope check"
    assert reasons["what about the machine"] == "low confidence"
    assert set(reasons.values()) == {"scope check", "low confidence", "I don't know"}
    assert any("[NAME]" in text and "dose of radiation" in text for text in texts)
    assert any("[EMAIL]" in text and "[PHONE]" in text for text in texts)
    assert any("[ID]" in text and "[DATE]" in text for text in texts)
    for planted in PLANTED + SENDERS:
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
