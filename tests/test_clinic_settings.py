"""The clinic's settings file (clinic/settings.py): validation, the safety
numbers held to domain.yml, re-reading after a change, and saving (atomic,
comments kept, no lost update between admins)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from page import PROJECT

from clinic import settings as clinic

DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
# The replies that must say the emergency number whatever happens.
SAFETY_REPLIES = [
    "utter_emergency",
    "utter_disclaimer",
    "utter_other_language",
    "utter_symptom_safety_line",
]


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.yml"
    shutil.copy(PROJECT / "clinic.yml", path)
    return path


def test_the_projects_file_is_valid_and_its_safety_numbers_are_the_replies() -> None:
    settings, _ = clinic.read(PROJECT / "clinic.yml")
    for name in SAFETY_REPLIES:
        for variant in DOMAIN["responses"][name]:
            text = variant["text"]
            # Written out, never filled in: nothing at run time can remove them.
            assert "{" not in text, name
            assert re.search(rf"\b{settings.emergency_number}\b", text), name
    for variant in DOMAIN["responses"]["utter_emergency"]:
        assert re.search(rf"\b{settings.crisis_line}\b", variant["text"])
    # Written nowhere else: every number in a safety reply is one of the two.
    said = {n for name in SAFETY_REPLIES for v in DOMAIN["responses"][name] for n in
            re.findall(r"\b\d{3}\b", v["text"])}  # fmt: skip
    assert said == {settings.emergency_number, settings.crisis_line}


def test_without_a_file_the_defaults_are_a_placeholder_clinic_without_a_number(
    tmp_path: Path,
) -> None:
    settings, version = clinic.read(tmp_path / "missing.yml")
    assert version == clinic.ABSENT
    assert (settings.name, settings.phone, settings.hours) == (clinic.DEFAULT_NAME, "", "")
    assert (settings.emergency_number, settings.crisis_line) == ("911", "988")
    assert clinic.template_values(settings)["clinic_phone_known"] is False


@pytest.mark.parametrize(
    "phone", ["(555) 555-0100", "555-555-0100", "+1 212 555 0199", "5555550100", "+44 20 7946 0958"]
)
def test_phone_numbers_accepted(phone: str) -> None:
    assert clinic.validated({"phone": phone, "hours": "9 to 5"}).phone == phone


@pytest.mark.parametrize(
    "phone", ["12", "555-0100x", "call us", "(555) 555-0100 ext. 3", "{clinic_phone}", "+1 555"]
)
def test_phone_numbers_refused(phone: str) -> None:
    with pytest.raises(clinic.SettingsError) as refused:
        clinic.validated({"phone": phone, "hours": "9 to 5"})
    assert "phone" in refused.value.problems


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"phone": "(555) 555-0100"}, "hours"),  # a number needs its hours
        ({"hours": "x" * 121}, "hours"),
        ({"hours": "9 {to} 5"}, "hours"),
        ({"hours": "9 to 5\nweekends 10 to 2"}, "hours"),
        ({"name": "A"}, "name"),
        ({"name": "<b>Clinic</b>"}, "name"),
        ({"name": "Clinic 0[x]"}, "name"),
        ({"emergency_number": "9-1-1"}, "emergency_number"),
        ({"emergency_number": ""}, "emergency_number"),
        ({"crisis_line": "nine"}, "crisis_line"),
        ({"origins": ["ftp://clinic.example"]}, "origins"),
        ({"origins": ["https://clinic.example/chat"]}, "origins"),
        ({"origins": ["https://user@clinic.example"]}, "origins"),
        ({"origins": [f"https://c{i}.example" for i in range(21)]}, "origins"),
        ({"emergency": "911"}, "emergency"),  # a misspelt key
    ],
)
def test_settings_refused_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(clinic.SettingsError) as refused:
        clinic.validated(data)
    assert field in refused.value.problems, refused.value.problems


def test_origins_are_normalised_and_deduplicated() -> None:
    settings = clinic.validated(
        {"origins": ["https://WWW.Clinic.example/", "https://www.clinic.example", "http://x:8080"]}
    )
    assert settings.origins == ["https://www.clinic.example", "http://x:8080"]


def test_the_hours_full_stop_is_the_replies() -> None:
    values = clinic.template_values(
        clinic.validated({"phone": "(555) 555-0100", "hours": "Monday to Friday, 8 a.m. to 5 p.m."})
    )
    assert f"The phone line is open {values['clinic_hours']}." == (
        "The phone line is open Monday to Friday, 8 a.m. to 5 p.m."
    )
    assert values["clinic_phone_known"] is True


def test_current_rereads_a_changed_file_and_keeps_the_last_valid_one(
    settings_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = clinic.current(settings_file)
    settings, version = clinic.read(settings_file)
    changed = clinic.validated({**settings.dict(), "phone": "(555) 555-0142"})
    clinic.save(changed, version, settings_file)
    assert clinic.current(settings_file).phone == "(555) 555-0142" != before.phone
    settings_file.write_text("phone: 12\nhours: never\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="clinic.settings"):
        assert clinic.current(settings_file).phone == "(555) 555-0142"
    # The field's name, not its value.
    assert [record.getMessage() for record in caplog.records] == [
        f"clinic settings: {settings_file} is refused (phone); the last valid ones stay"
    ]
    settings_file.write_text("phone: [unclosed\n", encoding="utf-8")
    assert clinic.current(settings_file).phone == "(555) 555-0142"
    never_valid = settings_file.with_name("never.yml")
    never_valid.write_text("name: {\n", encoding="utf-8")
    assert clinic.current(never_valid) == clinic.ClinicSettings()


def test_save_keeps_comments_mode_and_leaves_no_temporary_file(settings_file: Path) -> None:
    settings_file.chmod(0o640)
    settings, version = clinic.read(settings_file)
    new_version = clinic.save(
        clinic.validated({**settings.dict(), "origins": ["https://www.clinic.example"]}),
        version,
        settings_file,
    )
    text = settings_file.read_text(encoding="utf-8")
    assert "# The clinic's settings" in text and "# Web pages allowed" in text
    assert "emergency_number: '911'" in text
    assert clinic.read(settings_file) == (
        clinic.validated({**settings.dict(), "origins": ["https://www.clinic.example"]}),
        new_version,
    )
    assert settings_file.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in settings_file.parent.iterdir()) == [
        "clinic.yml",
        "clinic.yml.lock",
    ]


def test_a_save_based_on_an_old_version_is_refused(settings_file: Path) -> None:
    settings, version = clinic.read(settings_file)
    first = clinic.validated({**settings.dict(), "name": "First Clinic"})
    clinic.save(first, version, settings_file)
    with pytest.raises(clinic.Conflict):
        clinic.save(
            clinic.validated({**settings.dict(), "name": "Second Clinic"}), version, settings_file
        )
    assert clinic.read(settings_file)[0].name == "First Clinic"


def test_saves_at_the_same_moment_one_wins(settings_file: Path) -> None:
    settings, version = clinic.read(settings_file)
    results: list[str] = []

    def save_as(name: str) -> None:
        try:
            clinic.save(clinic.validated({**settings.dict(), "name": name}), version, settings_file)
            results.append(name)
        except clinic.Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=save_as, args=(f"Clinic {i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name in results if name != "conflict"]
    assert len(winners) == 1 and results.count("conflict") == 7
    assert clinic.read(settings_file)[0].name == winners[0]


def test_run_sh_reads_the_origins(settings_file: Path) -> None:
    settings, version = clinic.read(settings_file)
    both = ["https://www.clinic.example", "https://portal.clinic.example"]
    clinic.save(clinic.validated({**settings.dict(), "origins": both}), version, settings_file)
    printed = subprocess.run(
        [sys.executable, "-m", "clinic", "origins"],
        cwd=PROJECT,
        env={"CLINIC_SETTINGS_FILE": str(settings_file), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout.split() == both
    assert "python -m clinic origins" in (PROJECT / "scripts" / "run.sh").read_text()


def test_every_rasa_the_project_starts_fills_in_the_settings(tmp_path: Path) -> None:
    nlg = {"type": "clinic.nlg.ClinicResponses"}
    assert yaml.safe_load((PROJECT / "endpoints.yml").read_text())["nlg"] == nlg
    # scripts/run.sh passes any endpoints file (the tests write their own)
    # through endpoints_with_token.py, which adds the generator when missing.
    written, copy = tmp_path / "endpoints.yml", tmp_path / "copy.yml"
    written.write_text('action_endpoint:\n  url: "http://localhost:5055/webhook"\n')
    subprocess.run(
        [sys.executable, "scripts/endpoints_with_token.py", str(written), str(copy)],
        cwd=PROJECT,
        check=True,
    )
    assert yaml.safe_load(copy.read_text())["nlg"] == nlg
    assert "type: clinic.nlg.ClinicResponses" in (PROJECT / "scripts" / "shell.sh").read_text()


def test_the_demo_page_says_the_settings_and_drops_a_line_without_a_value() -> None:
    from scripts.serve_widget import WIDGET_DIR, filled_page

    template = (WIDGET_DIR / "index.html").read_bytes()
    settings = clinic.validated(
        {"name": "O'Hara & Sons", "phone": "(555) 555-0142", "hours": "9-5"}
    )
    page = filled_page(template, "http://localhost:5005", settings).decode()
    assert "{{" not in page.replace("{{...}}", "")
    assert 'data-clinic-name="O&#x27;Hara &amp; Sons"' in page  # escaped
    assert '<a href="tel:+15555550142">(555) 555-0142</a>, 9-5</p>' in page
    assert 'data-emergency-number="911"' in page and 'href="tel:911"' in page
    without_phone = filled_page(template, "http://x:1", clinic.ClinicSettings()).decode()
    assert "front desk" not in without_phone and 'href="tel:911"' in without_phone
