"""Replies with the clinic's settings (clinic/nlg.py), rendered by Rasa's own
response generator from domain.yml on real DialogueStateTrackers: the contact
sentence when a phone number is set, the plain reply otherwise (never "None"
or a placeholder), a change seen by a conversation begun before it, and the
emergency numbers whatever state the settings are in."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from page import PROJECT
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic import settings as clinic
from clinic.nlg import ClinicResponses

DOMAIN = Domain.load(PROJECT / "domain.yml")
HANDOFFS = [
    "utter_out_of_scope",
    "utter_default",
    "utter_capabilities",
    "utter_bot_challenge",
    "utter_side_effects_not_listed",
]
CONTACT = (
    "You can call Test Clinic at (555) 555-0142. The phone line is open weekdays, 9 a.m. to 4 p.m."
)


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clinic.yml"
    shutil.copy(PROJECT / "clinic.yml", path)
    monkeypatch.setenv(clinic.SETTINGS_ENV, str(path))
    change(path, name="Test Clinic", phone="(555) 555-0142", hours="weekdays, 9 a.m. to 4 p.m.")
    return path


def change(path: Path, **values: Any) -> None:
    settings, version = clinic.read(path)
    clinic.save(clinic.validated({**settings.dict(), **values}), version, path)


def tracker(language: str | None = None) -> DialogueStateTracker:
    events = [UserUttered("hello")] + ([SlotSet("message_language", language)] if language else [])
    return DialogueStateTracker.from_events("patient", events, slots=DOMAIN.slots)


def say(response: str, conversation: DialogueStateTracker, generator: Any = None) -> dict:
    generator = generator or ClinicResponses(domain=DOMAIN)
    reply = asyncio.run(generator.generate(response, conversation, "rest", site="brain"))
    assert reply is not None
    return reply


def test_every_handoff_gives_the_clinics_phone_and_hours(settings_file: Path) -> None:
    for response in HANDOFFS:
        text = say(response, tracker())["text"]
        assert text.endswith(CONTACT), (response, text)
        assert "care team" in text
    buttons = say("utter_out_of_scope", tracker())["buttons"]
    assert [b["payload"] for b in buttons] == ["/ask_capabilities"]
    assert say("utter_side_effects_not_listed", tracker())["text"].startswith(
        "The page doesn't list side effects for treatment to the brain."
    )


def test_a_conversation_begun_before_a_change_gets_the_new_number(settings_file: Path) -> None:
    conversation = tracker()
    assert "(555) 555-0142" in say("utter_out_of_scope", conversation)["text"]
    change(settings_file, phone="555-555-0177")
    text = say("utter_out_of_scope", conversation)["text"]
    assert "555-555-0177" in text and "0142" not in text


def test_without_a_phone_number_the_plain_reply(settings_file: Path) -> None:
    change(settings_file, phone="", hours="")
    text = say("utter_out_of_scope", tracker())["text"]
    assert text.endswith("Please ask your radiation oncologist or your care team.")
    assert "None" not in text and "{" not in text and "call" not in text


def test_a_generator_without_the_settings_says_the_plain_reply(settings_file: Path) -> None:
    plain = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    for response in HANDOFFS:
        text = say(response, tracker(), plain)["text"]
        assert "None" not in text and "{" not in text and "You can call" not in text, text


@pytest.mark.parametrize("language", [None, "es"])
@pytest.mark.parametrize("state", ["set", "missing", "refused", "no generator"])
def test_the_emergency_reply_always_has_911_and_988(
    settings_file: Path, language: str | None, state: str
) -> None:
    generator: Any = None
    if state == "missing":
        settings_file.unlink()
    elif state == "refused":
        settings_file.write_text("emergency_number: ''\nphone: nonsense\n", encoding="utf-8")
    elif state == "no generator":
        generator = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    text = say("utter_emergency", tracker(language), generator)["text"]
    assert "Call 911 or go to the nearest emergency room now." in text
    assert "call or text 988" in text
    assert ("Llame al 911" in text) == (language == "es")


def test_every_response_with_the_clinics_values_has_a_plain_twin() -> None:
    for name, variants in DOMAIN.responses.items():
        filled = [v for v in variants if "{clinic_" in v.get("text", "")]
        for variant in filled:
            assert variant.get("condition") == [
                {"type": "slot", "name": "clinic_phone_known", "value": True}
            ], name
            plain = [v for v in variants if not v.get("condition")]
            assert len(plain) == 1 and variant["text"].startswith(plain[0]["text"]), name
