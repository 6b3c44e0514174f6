"""The clinic settings form (admins only) and the audit log of its changes
(console/audit.py).

A save writes its audit row and the file in one step: the row is inserted in
a transaction that commits only once the file is replaced (clinic/settings.py
holds the lock and checks the version the form was read at), so a refused or
failed write leaves no row, and a saved change always has one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from clinic import settings as clinic
from console import audit

ACTION = "clinic settings"
# The fields the form edits, with their labels. The emergency and crisis
# numbers are shown, not edited: the safety replies say them literally.
EDITABLE = {
    "name": "Clinic name",
    "phone": "Phone number",
    "hours": "Phone opening hours",
    "origins": "Web pages allowed to embed the chat",
}
LABELS = {
    **EDITABLE,
    "emergency_number": "Emergency number",
    "crisis_line": "Crisis line",
    "file": "Settings file",
}
RECENT_CHANGES = 20


@dataclass
class FormState:
    """What the form shows: the values, the file version they came from, problems."""

    values: dict[str, Any]
    version: str
    problems: dict[str, str] = field(default_factory=dict)
    file_problem: str = ""


def current_form() -> FormState:
    """The file's settings; when it is refused, those in force and why."""
    try:
        found, version = clinic.read()
    except clinic.SettingsError as error:
        refused = ", ".join(LABELS.get(name, name) for name in error.problems)
        return FormState(
            clinic.current().dict(),
            clinic.version(),
            file_problem=f"The settings file is refused ({refused}): the last valid "
            "settings are in use. Saving this form replaces the file.",
        )
    return FormState(found.dict(), version)


def submitted(form: dict[str, str], base: dict[str, Any]) -> dict[str, Any]:
    """The form's values over the settings it was read from (origins: one a line)."""
    values = dict(base)
    for name in ("name", "phone", "hours"):
        values[name] = form.get(name, "")
    values["origins"] = [line.strip() for line in form.get("origins", "").splitlines()]
    values["origins"] = [line for line in values["origins"] if line]
    return values


def save(engine: Engine, user: str, form: dict[str, str]) -> dict[str, tuple[Any, Any]]:
    """Validate, write the file and audit the change; the changes (empty: none).
    Raises clinic.SettingsError (with each field's problem) or clinic.Conflict."""
    state = current_form()
    old = clinic.validated(state.values)
    new = clinic.validated(submitted(form, state.values))
    changes = clinic.changes(old, new)
    if not changes and not state.file_problem:
        return {}
    if not changes:  # the refused file is replaced by the settings in force
        changes = {"file": ("refused", "replaced")}
    with engine.begin() as db:
        audit.record(db, user, ACTION, **{name: list(pair) for name, pair in changes.items()})
        # Raises Conflict when the file is no longer the one the form showed,
        # which rolls the audit row back.
        clinic.save(new, form.get("version", ""))
    return changes


def recent_changes(engine: Engine) -> list[dict[str, Any]]:
    return [
        {
            "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(entry.at)),
            "user": entry.user_name,
            "changes": [
                (LABELS.get(name, name), shown(old), shown(new))
                for name, (old, new) in entry.detail.items()
            ],
        }
        for entry in audit.recent(engine, RECENT_CHANGES, action=ACTION)
    ]


def shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return str(value) or "(empty)"
