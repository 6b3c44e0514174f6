"""Read, validate and write the clinic's settings file (clinic.yml).

Every consumer calls `current()`: it re-reads the file only when the file
changed (inode, mtime, size), so an edit reaches the next reply of every
process without a restart. A file that fails validation is logged (field
names only) and the last valid settings stay in use, or the defaults, which
leave the contact sentence out rather than show a wrong number.

`save()` is for the staff console: under an exclusive lock on a file beside
the settings, it compares the file's version (SHA-256) with the one the form
was based on, so two admins in two console processes cannot silently undo
each other, then writes a temporary file and renames it over the old one, so a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from pydantic import BaseModel, ValidationError, root_validator, validator
from ruamel.yaml import YAML

logger = logging.getLogger(__name__)

PROJECT = Path(__file__).resolve().parents[1]
SETTINGS_ENV = "CLINIC_SETTINGS_FILE"
DEFAULT_FILE = PROJECT / "clinic.yml"
ABSENT = "absent"  # the version of a settings file that does not exist

# A placeholder that still reads well in "You can call {name} at ...".
DEFAULT_NAME = "your radiation oncology clinic"
# The assistant's safety replies say these numbers literally (domain.yml);
# tests/test_clinic_settings.py holds the file to them.
DEFAULT_EMERGENCY = "911"
DEFAULT_CRISIS = "988"
# Region for numbers written without +country (the clinic is in the US).
PHONE_REGION = "US"
MAX_ORIGINS = 20
# Values are filled into replies: no line breaks, no braces or brackets (Rasa's
# template filling treats "{...}" and "0[" specially), no markup.
PLAIN_TEXT = re.compile(r"[^\r\n{}\[\]<>]*")
PHONE_CHARS = re.compile(r"\+?[0-9 ().\-]{7,25}")
SHORT_NUMBER = re.compile(r"[0-9]{2,6}")
CRISIS_NUMBER = re.compile(r"[0-9]{2,15}")


class ClinicSettings(BaseModel):
    """The clinic's settings; every field has a default, so a missing file works."""

    name: str = DEFAULT_NAME
    phone: str = ""  # empty: the replies leave the contact sentence out
    hours: str = ""  # read after "The phone line is open ..."
    emergency_number: str = DEFAULT_EMERGENCY
    crisis_line: str = DEFAULT_CRISIS
    origins: list[str] = []

    class Config:
        extra = "forbid"  # a misspelt key is an error, not silently ignored
        anystr_strip_whitespace = True
        allow_mutation = False

    @validator("name")
    def _name(cls, value: str) -> str:
        if not 2 <= len(value) <= 80 or not PLAIN_TEXT.fullmatch(value):
            raise ValueError("2 to 80 characters on one line, without { } [ ] < >")
        return value

    @validator("phone")
    def _phone(cls, value: str) -> str:
        if value and not (PHONE_CHARS.fullmatch(value) and possible_phone(value)):
            raise ValueError("a phone number such as (555) 555-0100 or +1 555 555 0100")
        return value

    @validator("hours")
    def _hours(cls, value: str) -> str:
        if len(value) > 120 or not PLAIN_TEXT.fullmatch(value):
            raise ValueError("at most 120 characters on one line, without { } [ ] < >")
        return value

    @validator("emergency_number")
    def _emergency(cls, value: str) -> str:
        if not SHORT_NUMBER.fullmatch(value):
            raise ValueError("2 to 6 digits, such as 911")
        return value

    @validator("crisis_line")
    def _crisis(cls, value: str) -> str:
        if not CRISIS_NUMBER.fullmatch(value):
            raise ValueError("2 to 15 digits, such as 988")
        return value

    @validator("origins", each_item=True)
    def _origin(cls, value: str) -> str:
        return web_origin(value)

    @validator("origins")
    def _origin_count(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_ORIGINS:
            raise ValueError(f"at most {MAX_ORIGINS} web pages")
        return list(dict.fromkeys(value))

    @root_validator(skip_on_failure=True)
    def _hours_with_phone(cls, values: dict[str, Any]) -> dict[str, Any]:
        # The reply says both, so a patient knows when the number answers.
        if values.get("phone") and not values.get("hours"):
            raise ValueError("hours: the opening hours are needed with a phone number")
        return values


class SettingsError(ValueError):
    """Settings that fail validation; `problems` maps each field to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
        self.problems = problems


class Conflict(Exception):
    """The file changed since the form was read: another admin saved first."""


def possible_phone(value: str) -> bool:
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def tel_uri(phone: str) -> str:
    """tel:+15555550100 for a link, or "" when there is no number."""
    if not phone:
        return ""
    number = phonenumbers.parse(phone, PHONE_REGION)
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def web_origin(value: str) -> str:
    """scheme://host[:port] of a web page, lower case; ValueError for anything else."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValueError(f"{value!r} is not a web address") from error
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{value!r} is not https://host or https://host:port")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def validated(data: Any) -> ClinicSettings:
    """Settings from a mapping (the file or the console's form); SettingsError if refused."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError({"file": "must be a mapping of settings"})
    try:
        return ClinicSettings(**data)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else "file"
            message = item["msg"]
            if field == "__root__":  # "field: message" from a root validator
                field, _, message = message.partition(": ")
            problems.setdefault(field, message)
        raise SettingsError(problems) from None


def settings_file() -> Path:
    return Path(os.environ.get(SETTINGS_ENV, "").strip() or DEFAULT_FILE)


def _yaml() -> YAML:
    yaml = YAML()  # round trip: a save keeps the file's comments and order
    yaml.preserve_quotes = True
    yaml.width = 100
    return yaml


def read(path: Path | None = None) -> tuple[ClinicSettings, str]:
    """The file's settings and version; defaults when it does not exist.
    Raises SettingsError when it cannot be parsed or fails validation."""
    path = path or settings_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ClinicSettings(), ABSENT
    try:
        data = _yaml().load(raw.decode("utf-8"))
    except Exception as error:  # ruamel raises many kinds for a broken file
        raise SettingsError({"file": f"not valid YAML ({type(error).__name__})"}) from None
    return validated(dict(data) if isinstance(data, dict) else data), version_of_bytes(raw)


def version_of_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def version(path: Path | None = None) -> str:
    try:
        return version_of_bytes((path or settings_file()).read_bytes())
    except FileNotFoundError:
        return ABSENT


# --- the cached current settings ----------------------------------------------------

_cache: dict[Path, tuple[tuple[int, int, int], ClinicSettings]] = {}
_last_valid: dict[Path, ClinicSettings] = {}


def _file_key(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except OSError:  # missing or unreadable: read() says which, once
        return (0, 0, -1)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def current(path: Path | None = None) -> ClinicSettings:
    """The settings in force, re-read when the file changed; never raises."""
    path = path or settings_file()
    key = _file_key(path)
    cached = _cache.get(path)
    if cached and cached[0] == key:
        return cached[1]
    try:
        settings, _ = read(path)
        _last_valid[path] = settings
    except (SettingsError, OSError, UnicodeDecodeError) as error:
        fields = ", ".join(sorted(error.problems)) if isinstance(error, SettingsError) else "file"
        logger.error("clinic settings: %s is refused (%s); the last valid ones stay", path, fields)
        settings = _last_valid.get(path, ClinicSettings())
    _cache[path] = (key, settings)
    return settings


# --- what the replies are filled with ------------------------------------------------


def template_values(settings: ClinicSettings) -> dict[str, Any]:
    """The values domain.yml's responses and the channels' replies are filled with.

    `clinic_phone_known` chooses the responses' variant with the contact
    sentence (a response condition). The hours end a sentence whose full stop
    the response writes, so a closing "p.m." does not end in two.
    """
    return {
        "clinic_phone_known": bool(settings.phone),
        "clinic_name": settings.name,
        "clinic_phone": settings.phone,
        "clinic_hours": settings.hours.removesuffix("."),
        "emergency_number": settings.emergency_number,
        "crisis_line": settings.crisis_line,
    }


# --- saving (the staff console) ------------------------------------------------------


def changes(old: ClinicSettings, new: ClinicSettings) -> dict[str, tuple[Any, Any]]:
    """Each field whose value differs: (old, new)."""
    before, after = old.dict(), new.dict()
    return {name: (before[name], after[name]) for name in after if before[name] != after[name]}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock shared by every process of this machine that saves."""
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save(new: ClinicSettings, expected_version: str, path: Path | None = None) -> str:
    """Write the settings if the file is still at expected_version; the new version.
    Raises Conflict when someone saved in between."""
    path = path or settings_file()
    with _locked(path):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = None
        if (version_of_bytes(raw) if raw is not None else ABSENT) != expected_version:
            raise Conflict
        text = _updated_text(raw.decode("utf-8") if raw else "", new)
        _write_atomically(path, text.encode("utf-8"))
    return version_of_bytes(text.encode("utf-8"))


def _updated_text(old_text: str, new: ClinicSettings) -> str:
    """The file with each setting's value replaced, comments kept."""
    yaml = _yaml()
    document = yaml.load(old_text) if old_text.strip() else None
    if not isinstance(document, dict):
        document = {}
    for field, value in new.dict().items():
        document[field] = value
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
