"""The audit log: accounts made or changed with `make staff-user` are audited
as the command line's, and the log's page is for admins only. (Each console
action's own row is asserted in the test of that action.)"""

from __future__ import annotations

import json

from staff_console.console_env import PASSWORD, Console, StaffClient, audited


def test_make_staff_user_audits_new_accounts_and_changes(console: Console) -> None:
    since = console.last_audit_id()
    console.add_user("audit-desk", "staff")
    desk = StaffClient(console)
    assert desk.sign_in("audit-desk").status_code == 302
    console.add_user("audit-desk", "admin", PASSWORD + "!")  # a new password and role
    assert desk.get("/try").status_code == 302  # its session was ended

    rows = console.audit_rows(since)
    assert all(row.user_name.startswith("command line") for row in rows)
    [created] = audited(rows, rows[0].user_name, "account created", PASSWORD)
    assert json.loads(created.detail) == {"account": "audit-desk", "role": "staff"}
    [changed] = audited(rows, rows[0].user_name, "account changed", PASSWORD)
    assert json.loads(changed.detail) == {
        "account": "audit-desk", "role": ["staff", "admin"], "password": "changed",
        "sessions_ended": 1,
    }  # fmt: skip


def test_the_audit_page_is_for_admins(admin: StaffClient, staff: StaffClient) -> None:
    assert staff.get("/audit").status_code == 403
    assert 'href="/audit"' not in staff.get("/try").text
    page = admin.get("/audit")
    assert page.status_code == 200 and 'href="/audit"' in page.text
    assert "<h1>Audit log</h1>" in page.text
    assert "account created" in page.text and "account: manager" in page.text
