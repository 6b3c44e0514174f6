"""The real servers (scripts/run.sh) read clinic.yml: a change reaches the
next reply of a conversation already going and of a new one, and the demo
page, without a restart; the emergency reply keeps 911 and 988."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from assistant_server import RunningAssistant

from clinic import settings as clinic


@pytest.fixture
def settings_file(assistant: RunningAssistant) -> Iterator[Path]:
    assert assistant.clinic_settings is not None
    original = assistant.clinic_settings.read_bytes()
    yield assistant.clinic_settings
    assistant.clinic_settings.write_bytes(original)


def text_of(replies: list[dict]) -> str:
    return " ".join(reply.get("text") or "" for reply in replies)


def test_a_change_reaches_the_next_reply_without_a_restart(
    assistant: RunningAssistant, settings_file: Path
) -> None:
    settings, version = clinic.read(settings_file)
    going = f"clinic-{uuid.uuid4()}"
    first = text_of(assistant.say(going, "how much does IGRT cost?"))
    assert "I'm sorry, I don't know." in first
    assert f"You can call {settings.name} at {settings.phone}." in first

    changed = {"name": "Lakeside Clinic", "phone": "(555) 555-0142", "hours": "weekdays, 9 to 4"}
    clinic.save(clinic.validated({**settings.dict(), **changed}), version, settings_file)
    contact = (
        "You can call Lakeside Clinic at (555) 555-0142. The phone line is open weekdays, 9 to 4."
    )
    assert contact in text_of(assistant.say(going, "is parking free?"))
    assert contact in text_of(assistant.say(f"clinic-{uuid.uuid4()}", "how much does it cost?"))
    page = requests.get(assistant.widget_url, timeout=10).text
    assert 'href="tel:+15555550142">(555) 555-0142</a>, weekdays, 9 to 4' in page
    assert 'data-clinic-name="Lakeside Clinic"' in page

    emergency = text_of(assistant.say(f"clinic-{uuid.uuid4()}", "I can't breathe"))
    assert "Call 911 or go to the nearest emergency room now." in emergency
    assert "988" in emergency and "555" not in emergency
