"""Clinic settings in the console (admins only), over HTTP: an edit is
validated, written to clinic.yml, audited, and the next conversation's replies
say it; staff are refused; an edit based on an old version is refused."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from clinic import settings as clinic
from console.db import audit_log
from staff_console.console_env import Console, StaffClient

NEW_PHONE = "(555) 555-0142"
NEW_HOURS = "weekdays, 9 a.m. to 4 p.m."


@pytest.fixture(autouse=True)
def original_settings(console: Console) -> Iterator[bytes]:
    """Each test starts from the project's settings and leaves them so."""
    original = console.clinic_file.read_bytes()
    yield original
    console.clinic_file.write_bytes(original)


def audit_rows(console: Console) -> list:
    with sa.create_engine(console.database_url).connect() as db:
        return db.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()


def form_of(page: str) -> dict[str, str]:
    version = re.search(r'name="version" value="([0-9a-f]{64}|absent)"', page)
    assert version, "no version in the form"
    values = {"version": version.group(1)}
    for name in ("name", "phone", "hours"):
        found = re.search(rf'id="{name}" name="{name}"[^>]*value="([^"]*)"', page)
        assert found, name
        values[name] = html.unescape(found.group(1))
    origins = re.search(r'name="origins"[^>]*>([^<]*)</textarea>', page, re.S)
    values["origins"] = html.unescape(origins.group(1)) if origins else ""
    return values


def reply_text(page: str) -> str:
    replies = re.findall(r'<p class="reply web">(.*?)</p>', page, re.S)
    return html.unescape(" ".join(replies))


def test_staff_cannot_see_or_change_the_settings(staff: StaffClient, console: Console) -> None:
    assert staff.get("/clinic").status_code == 403
    refused = staff.post("/clinic", {"name": "Taken Over", "phone": "", "hours": ""})
    assert refused.status_code == 403
    assert clinic.read(console.clinic_file)[0].name != "Taken Over"
    page = staff.get("/try").text
    assert 'href="/clinic"' not in page and 'href="/quality"' in page


def test_the_form_needs_the_csrf_token(admin: StaffClient) -> None:
    form = form_of(admin.get("/clinic").text)
    assert admin.post("/clinic", {**form, "phone": NEW_PHONE}, csrf=False).status_code == 403


def test_an_admins_edit_is_saved_audited_and_said_in_the_next_conversation(
    admin: StaffClient, staff: StaffClient, console: Console
) -> None:
    before = clinic.read(console.clinic_file)[0]
    audited = len(audit_rows(console))
    page = admin.get("/clinic")
    assert page.status_code == 200 and 'class="emergency-number">911<' in page.text
    saved = admin.post("/clinic", {**form_of(page.text), "phone": NEW_PHONE, "hours": NEW_HOURS})
    assert (saved.status_code, saved.headers["location"]) == (302, "/clinic?saved=1")

    after = clinic.read(console.clinic_file)[0]
    assert (after.phone, after.hours) == (NEW_PHONE, NEW_HOURS)
    assert (after.name, after.emergency_number) == (before.name, before.emergency_number)
    assert "# The clinic's settings" in console.clinic_file.read_text()  # comments kept
    rows = audit_rows(console)
    assert len(rows) == audited + 1
    assert (rows[-1].user_name, rows[-1].action) == ("manager", "clinic settings")
    assert json.loads(rows[-1].detail) == {
        "phone": [before.phone, NEW_PHONE],
        "hours": [before.hours, NEW_HOURS],
    }
    shown = admin.get("/clinic?saved=1").text
    assert "Saved." in shown and f"Phone number: {before.phone} → {NEW_PHONE}" in shown
    assert "manager" in shown

    # A new conversation (the try page runs the real model, with the same settings).
    text = reply_text(staff.post("/try", {"question": "how much does IGRT cost?"}).text)
    assert "I'm sorry, I don't know." in text
    assert f"at {NEW_PHONE}. The phone line is open weekdays, 9 a.m. to 4 p.m." in text
    emergency = reply_text(staff.post("/try", {"question": "I can't breathe"}).text)
    assert "Call 911" in emergency and NEW_PHONE not in emergency


def test_an_invalid_phone_is_refused_with_its_label(admin: StaffClient, console: Console) -> None:
    before, audited = console.clinic_file.read_bytes(), len(audit_rows(console))
    form = form_of(admin.get("/clinic").text)
    refused = admin.post("/clinic", {**form, "phone": "call the front desk"})
    assert refused.status_code == 400
    assert 'id="phone-error" class="error">Phone number: a phone number such as' in refused.text
    assert 'aria-invalid="true" aria-describedby="phone-help phone-error"' in refused.text
    assert 'value="call the front desk"' in refused.text  # kept for correcting
    no_hours = admin.post("/clinic", {**form, "phone": NEW_PHONE, "hours": ""})
    assert no_hours.status_code == 400 and "Phone opening hours: the opening hours" in no_hours.text
    bad_origin = admin.post("/clinic", {**form, "origins": "https://ok.example\nftp://x.example"})
    assert bad_origin.status_code == 400 and "ftp://x.example" in bad_origin.text
    assert console.clinic_file.read_bytes() == before
    assert len(audit_rows(console)) == audited


def test_an_edit_of_an_old_version_is_refused(admin: StaffClient, console: Console) -> None:
    stale = form_of(admin.get("/clinic").text)
    first = admin.post("/clinic", {**stale, "name": "First Admin's Clinic"})
    assert first.status_code == 302
    audited = len(audit_rows(console))
    second = admin.post("/clinic", {**stale, "name": "Second Admin's Clinic"})
    assert second.status_code == 409
    assert "someone saved the settings meanwhile" in second.text
    assert "First Admin&#39;s Clinic" in second.text  # theirs, to start again from
    assert clinic.read(console.clinic_file)[0].name == "First Admin's Clinic"
    assert len(audit_rows(console)) == audited  # the refused save left no row


def test_without_a_phone_the_reply_has_no_number_and_no_none(
    admin: StaffClient, staff: StaffClient, console: Console
) -> None:
    form = form_of(admin.get("/clinic").text)
    assert admin.post("/clinic", {**form, "phone": "", "hours": ""}).status_code == 302
    text = reply_text(staff.post("/try", {"question": "how much does IGRT cost?"}).text)
    assert text.endswith("Please ask your radiation oncologist or your care team.")
    assert "None" not in text and "You can call" not in text


def test_saving_without_a_change_writes_nothing(admin: StaffClient, console: Console) -> None:
    before, audited = console.clinic_file.read_bytes(), len(audit_rows(console))
    unchanged = admin.post("/clinic", form_of(admin.get("/clinic").text))
    assert unchanged.headers["location"] == "/clinic?saved=nothing"
    assert "Nothing to save" in admin.get(unchanged.headers["location"]).text
    assert console.clinic_file.read_bytes() == before and len(audit_rows(console)) == audited


def test_a_refused_file_is_shown_and_replaced_by_a_save(
    admin: StaffClient, console: Console
) -> None:
    console.clinic_file.write_text("phone: twelve\nhours: never\n", encoding="utf-8")
    page = admin.get("/clinic").text
    assert "The settings file is refused (Phone number)" in page
    assert admin.post("/clinic", form_of(page)).status_code == 302
    assert clinic.read(console.clinic_file)[0] == clinic.current(console.clinic_file)
    assert json.loads(audit_rows(console)[-1].detail) == {"file": ["refused", "replaced"]}
