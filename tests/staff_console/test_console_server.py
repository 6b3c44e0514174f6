"""The console over HTTP: sign-in, sessions, CSRF, lock-out, trying questions,
saving and running checks, uploads, the CSV download, comparing models."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil

import psutil
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from console import auth
from console.db import sign_in_failures
from staff_console.console_env import PASSWORD, Console, StaffClient, audited


def text_of(page: str, css_class: str) -> str:
    found = re.search(rf'class="{css_class}">(.*?)</', page, re.S)
    assert found, f"no {css_class} in the page"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_pages_need_sign_in(console: Console) -> None:
    client = StaffClient(console)
    for path in ("/try", "/checks", "/inbox", "/checks/suite/front-desk"):
        reply = client.get(path)
        assert (reply.status_code, reply.headers["location"]) == (302, "/login"), path
    assert client.post("/try", {"question": "what is igrt"}, csrf=False).status_code == 401


def test_session_cookie_is_secure_httponly_samesite_and_kept_in_the_database(
    console: Console,
) -> None:
    client = StaffClient(console)
    client.get("/login")
    reply = client.post("/login", {"name": "front-desk", "password": PASSWORD})
    cookie = next(c for c in reply.raw.headers.getlist("Set-Cookie") if "console_session" in c)
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"))
    token = client.cookies["console_session"]
    # Another process reading the same database knows the session.
    session = auth.find_session(sa.create_engine(console.database_url), token)
    assert session is not None and session.user.name == "front-desk"
    assert reply.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert reply.headers["Cache-Control"] == "no-store"


def test_every_form_needs_the_csrf_token(staff: StaffClient) -> None:
    for path, data in [
        ("/try", {"question": "what is igrt"}),
        ("/checks/save", {"question": "hi", "expected_topic": "greet", "suite": "x"}),
        ("/checks/run", {"suite": "x"}),
        ("/inbox/collect", {}),
        ("/logout", {}),
    ]:
        assert staff.post(path, data, csrf=False).status_code == 403, path
        assert staff.post(path, {**data, "csrf_token": "forged"}, csrf=False).status_code == 403
    # The sign-in form too (a double-submit token, as there is no session yet).
    fresh = StaffClient(staff.console)
    fresh.get("/login")
    reply = fresh.post("/login", {"name": "front-desk", "password": PASSWORD, "csrf_token": "x"})
    assert reply.status_code == 403


def test_repeated_failed_sign_ins_lock_the_name(console: Console) -> None:
    console.add_user("locked-out", "staff")
    client = StaffClient(console)
    codes = [client.sign_in("locked-out", "wrong password!").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    # Even the right password is refused while locked, and the counter is shared.
    assert client.sign_in("locked-out").status_code == 429
    with sa.create_engine(console.database_url).connect() as db:
        row = db.execute(
            sa.select(sign_in_failures).where(sign_in_failures.c.name == "locked-out")
        ).one()
    assert row.count >= 5 and row.locked_until > 0
    # An unknown name is counted and locked the same way (nothing tells which
    # names exist).
    codes = [client.sign_in("nobody-here", "wrong password!").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]


def test_sign_out_ends_the_session(console: Console) -> None:
    client = StaffClient(console)
    client.sign_in("front-desk")
    token = client.cookies["console_session"]
    assert client.post("/logout").status_code == 302
    assert auth.find_session(sa.create_engine(console.database_url), token) is None
    assert client.get("/try").status_code == 302


def test_try_shows_web_and_sms_replies_and_why(staff: StaffClient) -> None:
    page = staff.post("/try", {"question": "what is igrt"}).text
    assert "Image-guided radiation therapy, also called IGRT, is a type of radiation" in page
    assert '<pre class="reply sms">' in page
    assert text_of(page, "intent").startswith("what_is_igrt")
    assert text_of(page, "decided-by").startswith("intent classifier")
    assert "utter_what_is_igrt" in text_of(page, "responses")
    assert re.search(
        r'<table class="ranking">.*?<td>what_is_igrt</td><td>0\.\d{3}</td>', page, re.S
    )
    # The page passage of each page sentence, marked in the page.
    assert (
        "<mark>Image-guided radiation therapy, also called IGRT, is a type of radiation therapy."
        in page
    )
    assert float(text_of(page, "grade")) > 0


def test_try_a_conversation_with_body_sites_and_sms_options(staff: StaffClient) -> None:
    page = staff.post(
        "/try", {"question": "my wife has cervical cancer\nwhat side effects can it cause?"}
    ).text
    assert page.count('<section class="turn"') == 2
    assert "cervix" in page
    assert "For treatment to the pelvis (cervix), common side effects are:" in page
    # The filled-in template is traced to its row of the page's table.
    assert "a row of the page's table" in page
    assert "<mark>Pelvis Diarrhea, bladder irritation" in page
    hello = staff.post("/try", {"question": "hello"}).text
    # SMS: the buttons become numbered options, as channels/twilio.py sends them.
    assert re.search(r'<pre class="reply sms">.*?1\. What is IGRT\?', hello, re.S)


@pytest.mark.parametrize(
    ("question", "layer"),
    [
        ("I can't breathe", "emergency layer (triage)"),
        ("what dose of radiation will I get with igrt", "scope check"),
        ("the thing with the stuff again", "fallback"),
    ],
)
def test_try_names_the_layer_that_decided(staff: StaffClient, question: str, layer: str) -> None:
    page = staff.post("/try", {"question": question}).text
    assert text_of(page, "decided-by").startswith(layer)


def test_try_refuses_an_empty_question(staff: StaffClient) -> None:
    assert staff.post("/try", {"question": "  \n "}).status_code == 400


def test_save_as_a_check_and_run_the_suite(
    staff: StaffClient, admin: StaffClient, console: Console
) -> None:
    since = console.last_audit_id()
    staff.post("/try", {"question": "what is igrt"})
    saved = staff.post(
        "/checks/save",
        {"question": "what is igrt", "expect": "topic", "expected_topic": "utter_what_is_igrt",
         "suite": "saved-suite"},
    )  # fmt: skip
    assert saved.status_code == 200 and "Check saved" in saved.text
    staff.post(
        "/checks/save",
        {"question": "hello\nhow do I prepare?", "expect": "reply",
         "expected_reply": "a reply the assistant never gives", "suite": "saved-suite"},
    )  # fmt: skip
    run = staff.post("/checks/run", {"suite": "saved-suite"})
    assert "1 passed, 1 failed" in run.text
    assert "the reply does not contain the expected reply" in run.text
    assert "<li>utter_emergency</li>" in run.text  # coverage: no check reached it
    csv_url = re.search(r'href="(/checks/results/[0-9a-f]{32})"', run.text).group(1)
    download = staff.get(csv_url)
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [row["result"] for row in rows] == ["pass", "fail"]
    # Results are the user's own; deleting checks is for admins.
    assert admin.get(csv_url).status_code == 404
    check_id = re.search(r"/checks/(\d+)/delete", admin.get("/checks/suite/saved-suite").text)
    assert check_id and staff.post(f"/checks/{check_id.group(1)}/delete").status_code == 403
    assert admin.post(f"/checks/{check_id.group(1)}/delete", {"suite": "saved-suite"}).ok
    # Audited: who saved, ran and deleted what, never the questions or replies.
    rows = console.audit_rows(since)
    questions = ("what is igrt", "how do I prepare", "a reply the assistant never gives")
    saved_rows = audited(rows, "front-desk", "check saved", *questions)
    assert len(saved_rows) == 2 and json.loads(saved_rows[0].detail)["suite"] == "saved-suite"
    [ran] = audited(rows, "front-desk", "checks run")
    assert json.loads(ran.detail) == {
        "suite": "saved-suite", "model": "current.tar.gz", "checks": 2, "failed": 1
    }  # fmt: skip
    [deleted] = audited(rows, "manager", "check deleted")
    assert json.loads(deleted.detail) == {"suite": "saved-suite", "id": int(check_id.group(1))}
    assert [row.action for row in rows].count("check deleted") == 1  # not the refused one


def test_upload_csv_and_xlsx(staff: StaffClient, console: Console) -> None:
    since = console.last_audit_id()
    rows = [
        ("question", "expected_topic", "expected_reply"),
        ("what is igrt", "what_is_igrt", ""),
        ("I can't breathe", "utter_emergency", "Call 911"),
        ("how much does it cost", "utter_what_is_igrt", ""),
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    files = {"file": ("checks.csv", out.getvalue().encode(), "text/csv")}
    reply = staff.post("/checks/upload", {"save": "1", "suite": "uploaded"}, files=files)
    assert "2 passed, 1 failed" in reply.text
    assert "expected topic utter_what_is_igrt" in reply.text
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    files = {"file": ("checks.xlsx", data.getvalue(), "application/octet-stream")}
    assert "2 passed, 1 failed" in staff.post("/checks/upload", files=files).text
    bad = {"file": ("checks.txt", b"question\nhi\n", "text/plain")}
    assert staff.post("/checks/upload", files=bad).status_code == 400
    suite = staff.get("/checks/suite-csv/uploaded").text
    assert next(csv.reader(io.StringIO(suite))) == list(rows[0])
    audit = console.audit_rows(since)
    questions = [row[0] for row in rows[1:]] + ["Call 911"]
    [uploaded] = audited(audit, "front-desk", "checks uploaded", *questions)
    detail = json.loads(uploaded.detail)
    assert (detail["suite"], detail["file"], detail["count"]) == ("uploaded", "checks.csv", 3)
    ran = audited(audit, "front-desk", "checks run")
    assert [json.loads(row.detail)["file"] for row in ran] == ["checks.csv", "checks.xlsx"]


def test_compare_two_models(staff: StaffClient, console: Console) -> None:
    since = console.last_audit_id()
    models = console.database.parent / "models"
    shutil.copy(models / "current.tar.gz", models / "candidate.tar.gz")
    staff.post(
        "/checks/save",
        {"question": "what is igrt", "expect": "topic", "expected_topic": "what_is_igrt",
         "suite": "compare"},
    )  # fmt: skip
    reply = staff.post("/checks/compare", {"suite": "compare", "candidate": "candidate.tar.gz"})
    assert reply.status_code == 200
    assert "0 replies changed" in reply.text  # the same model: nothing changed
    refused = staff.post("/checks/compare", {"suite": "compare", "candidate": "../x.tar.gz"})
    assert refused.status_code == 400
    [compared] = audited(console.audit_rows(since), "front-desk", "models compared", "what is igrt")
    assert json.loads(compared.detail) == {
        "suite": "compare", "model": "current.tar.gz", "candidate": "candidate.tar.gz",
        "checks": 1, "changed": 0,
    }  # fmt: skip


def test_no_message_text_in_the_log(staff: StaffClient, console: Console) -> None:
    secret = "zebra-quartz-planted-7731"
    staff.post("/try", {"question": f"what is igrt {secret}"})
    assert secret not in console.log()


def test_listens_on_loopback_only(console: Console) -> None:
    port = int(console.env["CONSOLE_PORT"])
    addresses = {
        conn.laddr.ip
        for conn in psutil.net_connections("inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    }
    assert addresses == {"127.0.0.1"}
