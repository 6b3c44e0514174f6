"""The image (Dockerfile) cannot be built here (no Docker daemon): what it would
hold and how it runs is checked here; checkov scans it in `make deploy-check`."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
DOCKERFILE = (PROJECT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """The arguments of each `name` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def test_it_copies_what_the_servers_read_and_no_other_model() -> None:
    sources = [arguments.split()[:-1] for arguments in instructions("COPY")]
    copied = {source for group in sources for source in group if not source.startswith("--")}
    for source in copied - {"requirements.lock", "/app/.venv", "models/${MODEL_VERSION}.tar.gz"}:
        assert (PROJECT / source).exists(), source
    # Every package a server imports from the project, and the files Rasa reads.
    assert copied >= {"actions", "channels", "components", "console", "stores", "scripts"}
    assert copied >= {"knowledge", "domain.yml", "config.yml", "credentials.yml"}
    assert [s for s in copied if s.startswith("models/")] == ["models/${MODEL_VERSION}.tar.gz"]
    assert "sha256sum --check" in DOCKERFILE


def test_it_runs_as_the_uid_the_manifests_expect_with_a_healthcheck() -> None:
    (user,) = instructions("USER")
    assert user == "10001:10001"
    base = PROJECT / "deploy" / "k8s" / "base"
    for name in ("rasa.yaml", "actions.yaml"):
        deployment = next(yaml.safe_load_all((base / name).read_text()))
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
    (healthcheck,) = instructions("HEALTHCHECK")
    assert "scripts/probe.py" in healthcheck
    (entrypoint,) = instructions("ENTRYPOINT")
    assert "scripts/entrypoint.py" in entrypoint


def test_the_base_is_python_3_10_pinned_in_both_stages() -> None:
    bases = [arguments.split()[0] for arguments in instructions("FROM")]
    assert len(bases) == 2 and len(set(bases)) == 1
    assert re.fullmatch(r"python:3\.10\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", bases[0])
