"""The image's entrypoint (scripts/entrypoint.py): Compose's secret files become
variables, the Redis and console URLs are built from their parts with the
password percent-encoded, and the clinic's origins become Rasa's --cors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.entrypoint import (
    CORS_FLAG,
    derived_environment,
    expanded_arguments,
    secrets_from_files,
)

PROJECT = Path(__file__).resolve().parents[2]
CLUSTER = {
    "POSTGRES_HOST": "postgres",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "igrt_assistant",
    "POSTGRES_USER": "igrt",
    "POSTGRES_PASSWORD": "p@ss:w/rd#1",
    "REDIS_HOST": "redis",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "REDIS_PASSWORD": "r/s@cret",
}


def test_secret_files_become_upper_case_variables(tmp_path: Path) -> None:
    (tmp_path / "postgres_password").write_text("s3cret\n")
    (tmp_path / "telegram_bot_token").write_text("123:abc")
    assert secrets_from_files(tmp_path) == {
        "POSTGRES_PASSWORD": "s3cret",
        "TELEGRAM_BOT_TOKEN": "123:abc",
    }
    assert secrets_from_files(tmp_path / "missing") == {}  # Kubernetes: no such folder


def test_the_redis_urls_carry_the_encoded_password() -> None:
    derived = derived_environment(CLUSTER)
    url = "redis://:r%2Fs%40cret@redis:6379/0"
    assert derived["REPLY_CACHE_REDIS_URL"] == derived["CHANNELS_REDIS_URL"] == url
    assert "CONSOLE_DATABASE_URL" not in derived  # not the console


def test_the_console_gets_its_database_and_the_conversations() -> None:
    derived = derived_environment({**CLUSTER, "CONSOLE_POSTGRES_DB": "igrt_console"})
    auth = "igrt:p%40ss%3Aw%2Frd%231@postgres:5432"
    assert derived["CONSOLE_DATABASE_URL"] == f"postgresql://{auth}/igrt_console"
    assert derived["CONSOLE_TRACKER_STORE_URL"] == f"postgresql://{auth}/igrt_assistant"


def test_a_variable_already_set_is_kept() -> None:
    given = {**CLUSTER, "CHANNELS_REDIS_URL": "rediss://elsewhere:6380/1"}
    assert "CHANNELS_REDIS_URL" not in derived_environment(given)
    assert derived_environment({}) == {}


def test_the_clinic_origins_become_cors_arguments() -> None:
    argv = ["rasa", "run", CORS_FLAG, "--port", "5005"]
    origins = {"CLINIC_ORIGINS": "https://a.example, https://b.example"}
    assert expanded_arguments(argv, origins) == [
        "rasa", "run", "--cors", "https://a.example", "https://b.example", "--port", "5005",
    ]  # fmt: skip
    assert expanded_arguments(["rasa", "run"], {}) == ["rasa", "run"]
    with pytest.raises(SystemExit):
        expanded_arguments(argv, {})


def test_it_runs_the_command_in_its_place() -> None:
    show = "import os, sys; print(sys.argv[1:], os.environ['REPLY_CACHE_REDIS_URL'])"
    done = subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "entrypoint.py"),
         sys.executable, "-c", show, CORS_FLAG],
        env={"CLINIC_ORIGINS": "https://a.example", "REDIS_HOST": "redis"},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "['--cors', 'https://a.example'] redis://redis:6379/0"
