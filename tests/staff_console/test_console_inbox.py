"""The unanswered-questions inbox: patients' turns written by the real model to
Rasa's SQL tracker store, collected by the console, scrubbed, shown without
who asked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from rasa.shared.nlu.training_data.loading import load_data

from console import inbox as inbox_module
from console.db import inbox, inbox_notes
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
    shown = staff.get("/inbox")
    assert shown.status_code == 200, shown.text[:300]
    page = shown.text
    with sa.create_engine(console.database_url).connect() as db:
        rows = list(db.execute(sa.select(inbox)))
    texts = [row.text for row in rows]
    assert len(rows) == 5, texts  # "what is igrt" was answered
    reasons = {row.text: row.reason for row in rows}
    assert reasons["what dose of radiation will I get with igrt"] == "scope check"
    assert reasons["the thing with the stuff again"] == "low confidence"
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
    after = staff.get("/inbox")
    assert after.status_code == 200 and f"/inbox/{first}/reviewed" not in after.text
    assert "jane.doe" not in console.log() and "Smith" not in console.log()
    # Audited with ids and counts: no patient's words.
    audit = console.audit_rows(since)
    words = [*PLANTED, "dose of radiation", "the thing with the stuff", "cost", *PATIENT_SENDERS]
    collected = audited(audit, "front-desk", "inbox collected", *words)
    # Two collections asked for; the first (or the console's periodic one) added the five.
    assert len(collected) == 2 and json.loads(collected[1].detail) == {"added": 0}
    [reviewed] = audited(audit, "front-desk", "question marked reviewed")
    assert json.loads(reviewed.detail) == {"id": first}


GROUP_IDS = re.compile(r'name="ids" value="([0-9,]+)"')
NOTE = "Add a leaflet on what the thing with the stuff is"


def test_groups_are_exported_noted_and_reviewed_together(
    console: Console, staff: StaffClient, model_runs: ModelRuns, tmp_path: Path
) -> None:
    assert model_runs.patient_turns.result().returncode == 0
    assert staff.post("/inbox/collect").status_code == 302
    since = console.last_audit_id()
    # The export: Rasa's NLU format, loadable, scrubbed, audited with counts.
    download = staff.get("/inbox/suggestions.yml")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert "never trained automatically" in download.text
    for planted in PLANTED + PATIENT_SENDERS:
        assert planted not in download.text
    path = tmp_path / "suggested_nlu.yml"
    path.write_text(download.text, encoding="utf-8")
    data = load_data(str(path))
    assert data.intent_examples and all(
        intent.startswith("suggested_group_") for intent in data.intents
    )
    # The page: groups with counts; the biggest first.
    shown = staff.get("/inbox")
    assert shown.status_code == 200, shown.text[:300]
    page = shown.text
    groups = [inbox_module.parse_ids(ids) for ids in dict.fromkeys(GROUP_IDS.findall(page))]
    assert len(groups) == len(data.intents)
    biggest = groups[0]
    assert len(biggest) >= 2, groups  # the two "thing with the stuff" questions
    assert f"({len(biggest)} questions)" in page
    # A note on the group: stored on each question, shown, not audited.
    ids = ",".join(map(str, biggest))
    assert staff.post("/inbox/group/note", {"ids": ids, "note": NOTE}).status_code == 302
    assert NOTE in staff.get("/inbox").text
    with sa.create_engine(console.database_url).connect() as db:
        stored = dict(db.execute(sa.select(inbox_notes.c.item_id, inbox_notes.c.note)).all())
    assert stored == {item: NOTE for item in biggest}
    # Without the form's token nothing changes.
    assert staff.post("/inbox/group/reviewed", {"ids": ids}, csrf=False).status_code == 403
    # Reviewing the group marks all its questions, in one POST.
    assert staff.post("/inbox/group/reviewed", {"ids": ids}).status_code == 302
    with sa.create_engine(console.database_url).connect() as db:
        query = sa.select(inbox.c.id, inbox.c.reviewed).where(inbox.c.id.in_(biggest))
        assert all(reviewed for _, reviewed in db.execute(query))
    after = staff.get("/inbox").text
    assert f'value="{ids}"' not in after and NOTE not in after
    audit = console.audit_rows(since)
    words = [*PLANTED, "dose of radiation", "the thing with the stuff", NOTE, "leaflet"]
    [exported] = audited(audit, "front-desk", "inbox suggestions exported", *words)
    assert json.loads(exported.detail) == {
        "groups": len(groups),
        "questions": sum(map(len, groups)),
    }
    [noted] = audited(audit, "front-desk", "question group noted")
    assert json.loads(noted.detail) == {"ids": biggest, "length": len(NOTE)}
    [reviewed] = audited(audit, "front-desk", "question group marked reviewed")
    assert json.loads(reviewed.detail) == {"ids": biggest, "marked": len(biggest)}
