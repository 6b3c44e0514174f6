"""What scripts/cluster_config.py writes for `make run-cluster`, checked by
nginx itself (`nginx -t`; `make test` installs Debian's nginx) and as YAML."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from channels import replies
from scripts import cluster_config
from scripts.readiness_gate import unready_to_mark
from scripts.serve_widget import security_headers

ENV = {
    "CLUSTER_HOST": "127.0.0.1",
    "CLUSTER_PORT": "8080",
    "CLUSTER_PUBLIC_URL": "http://localhost:8080",
    "CLUSTER_INTERNAL_HOST": "127.0.0.1",
    "RASA_PORTS": "5301 5302",
    "ACTION_PORTS": "5311 5312",
    "ACTIONS_LB_PORT": "5320",
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "igrt_cluster",
    "POSTGRES_USER": "postgres",
    "POSTGRES_PASSWORD": "not-written-to-disk",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "REDIS_PASSWORD": "",
}


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cluster_config.main(tmp_path)
    return tmp_path


def test_endpoints_name_the_cluster_stores_and_keep_secrets_out(run_dir: Path) -> None:
    text = (run_dir / "endpoints.yml").read_text()
    assert "not-written-to-disk" not in text
    endpoints = yaml.safe_load(text)
    assert endpoints["tracker_store"]["type"] == "stores.sql.StrictSQLTrackerStore"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["tracker_store"]["password"] == "${POSTGRES_PASSWORD}"
    assert endpoints["lock_store"]["type"] == "redis"
    assert "password" not in endpoints["lock_store"]  # REDIS_PASSWORD empty
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5320/webhook"
    assert endpoints["nlg"] == {"type": "clinic.nlg.ClinicResponses"}  # clinic.yml's settings


def test_nginx_sends_the_widget_headers_and_the_unavailable_reply(run_dir: Path) -> None:
    conf = (run_dir / "nginx" / "nginx.conf").read_text()
    for name, value in security_headers("http://localhost:8080").items():
        assert f"add_header {name} {cluster_config.nginx_string(value)} always;" in conf
    body = json.dumps([{"text": replies.unavailable()}])
    assert body in conf and "911" in body
    upstream = (run_dir / "nginx" / "rasa_upstream.conf").read_text()
    assert "127.0.0.1:5301" in upstream and "127.0.0.1:5302" in upstream


def test_nginx_accepts_the_configuration(run_dir: Path) -> None:
    # Never skipped: `make test` installs Debian's nginx as it installs chromium.
    assert Path("/usr/sbin/nginx").exists(), "nginx is missing: run `make test`"
    done = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-q", "-p", str(run_dir / "nginx"), "-c",
         str(run_dir / "nginx" / "nginx.conf")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_gate_takes_out_unready_replicas_but_never_all() -> None:
    assert unready_to_mark({5301: True, 5302: False}) == {5302}
    assert unready_to_mark({5301: True, 5302: True}) == set()
    # The shared database is down: both stay, and answer "temporarily unavailable".
    assert unready_to_mark({5301: False, 5302: False}) == set()
