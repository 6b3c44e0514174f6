"""deploy/compose/ cannot be started here (no Docker daemon): what it would run is
checked here, and `make deploy-check` validates it against the Compose
Specification's schema and scans it with compose-lint."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
COMPOSE = PROJECT / "deploy" / "compose"
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|_KEY\b|_SID\b", re.IGNORECASE)
# Each service's secrets, and no more (they become variables: scripts/entrypoint.py).
NEEDED_SECRETS = {
    "rasa": {"action_server_token", "sender_id_key", "postgres_password", "redis_password"},
    "actions": {"action_server_token"},
    "purge": {"postgres_password"},
    "console": {"action_server_token", "postgres_password"},
    "postgres": {"postgres_password"},
    "redis": {"redis_password"},
    "nginx": set(),
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((COMPOSE / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def env_file(name: str) -> dict[str, str]:
    lines = (COMPOSE / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_vm_runs_every_part(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == set(NEEDED_SECRETS)


def test_only_nginx_is_public_and_the_console_is_on_loopback(
    services: dict[str, dict[str, Any]],
) -> None:
    published = {name: service.get("ports", []) for name, service in services.items()}
    assert published.pop("nginx") == ["80:8080", "443:8443"]
    assert published.pop("console") == ["127.0.0.1:8001:8001"]
    assert not any(published.values())


def test_the_backend_has_no_way_out(compose: dict[str, Any]) -> None:
    assert compose["networks"]["backend"]["internal"] is True
    edge = {name for name, s in compose["services"].items() if "edge" in s["networks"]}
    assert edge == {"nginx", "rasa"}  # Rasa calls the messaging platforms


def test_every_service_runs_read_only_without_privileges(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service["restart"] == "unless-stopped", name
        assert {"cpus", "memory"} <= service["deploy"]["resources"]["limits"].keys(), name
        # Our image runs as uid 10001 (Dockerfile); the others name their user.
        image = service["image"]
        assert "IGRT_IMAGE" in image or "unprivileged" in image or service["user"] != "root"


def test_each_service_gets_only_the_secrets_it_needs(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    for name, service in services.items():
        assert set(service.get("secrets", [])) == NEEDED_SECRETS[name], name
        # Secrets never as literal values (postgres reads its password's file).
        for key, value in service.get("environment", {}).items():
            assert not SECRET_NAME.search(key) or value.startswith("/run/secrets/"), key
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")


def git_ignores(path: Path) -> bool:
    done = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=PROJECT, check=False)
    return done.returncode == 0


def test_the_settings_hold_no_secret_and_the_secrets_stay_out_of_git() -> None:
    assert not [key for key in env_file("settings.env") if SECRET_NAME.search(key)]
    for name in ("secrets/postgres_password", "secrets/anything", "compose.override.yaml"):
        assert git_ignores(COMPOSE / name), name
    assert not git_ignores(COMPOSE / "secrets" / "README.md")


def test_the_purge_runs_daily_with_the_retention_setting(
    services: dict[str, dict[str, Any]],
) -> None:
    purge = services["purge"]
    assert purge["command"][-3:] == ["scripts/purge.py", "--then-sleep", "86400"]
    settings = env_file("settings.env")
    assert settings["RETENTION_DAYS"] == "30"
    # It reads the same endpoints as Rasa: the PostgreSQL tracker store.
    mount = f"./endpoints.yml:{settings['ENDPOINTS']}:ro"
    assert mount in purge["volumes"] and mount in services["rasa"]["volumes"]
    assert purge["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_vms_endpoints_are_the_clusters_but_for_the_action_servers_name() -> None:
    def endpoints(path: Path) -> dict[str, Any]:
        return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # ${...} stay text

    vm = endpoints(COMPOSE / "endpoints.yml")
    cluster = endpoints(PROJECT / "deploy" / "k8s" / "base" / "endpoints.yml")
    assert vm["action_endpoint"].pop("url") == "http://actions:5055/webhook"
    assert cluster["action_endpoint"].pop("url") == "http://igrt-actions:5055/webhook"
    assert vm == cluster


def test_the_app_services_are_health_checked(services: dict[str, dict[str, Any]]) -> None:
    probes = {
        name: " ".join(service["healthcheck"].get("test", []))
        for name, service in services.items()
        if "healthcheck" in service
    }
    assert probes["rasa"].endswith("http://127.0.0.1:5005/")
    assert probes["actions"].endswith("http://127.0.0.1:5055/health")
    assert probes["console"].endswith("http://127.0.0.1:8001/health")
    assert services["purge"]["healthcheck"] == {"disable": True}


def test_nothing_turns_on_debug_logging(services: dict[str, dict[str, Any]]) -> None:
    assert "DEBUG" not in " ".join(env_file("settings.env").values()).upper()
    for name, service in services.items():
        command = service.get("command", [])
        assert not {"--debug", "-v", "-vv", "--verbose"} & set(command), name
