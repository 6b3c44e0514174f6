"""deploy/k8s/ cannot be applied here (no cluster): checked as YAML instead.

Every document parses and names its kind; the Deployments' probes, the
references between objects (ConfigMap, Secret, Service selectors, Ingress
backends), and a Secret template holding no secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SECRET_TEMPLATE = K8S / "templates" / "secret.yaml"


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path in [*sorted(K8S.glob("*.yaml")), SECRET_TEMPLATE]:
        for doc in documents(path):
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path
            found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return deployment["spec"]["template"]["spec"]["containers"]


def test_the_parts_are_there(objects: dict) -> None:
    kinds = {kind for kind, _ in objects}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "Ingress"} <= kinds
    assert ("Deployment", "igrt-rasa") in objects
    assert ("Deployment", "igrt-actions") in objects


def test_rasa_is_ready_only_when_its_checks_pass_and_lives_by_its_process(objects: dict) -> None:
    (rasa,) = containers(objects[("Deployment", "igrt-rasa")])
    assert rasa["readinessProbe"]["httpGet"]["path"] == "/ready"
    # Not /ready: a database outage would restart every pod at once.
    assert rasa["livenessProbe"]["httpGet"]["path"] == "/"
    assert rasa["startupProbe"]["httpGet"]["path"] == "/"
    assert objects[("Deployment", "igrt-rasa")]["spec"]["replicas"] >= 2


def test_action_servers_are_probed(objects: dict) -> None:
    (actions,) = containers(objects[("Deployment", "igrt-actions")])
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"
    assert actions["livenessProbe"]["httpGet"]["path"] == "/health"


def test_references_resolve(objects: dict) -> None:
    for (kind, _), doc in objects.items():
        if kind != "Deployment":
            continue
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()
        for container in containers(doc):
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                ref_kind = "ConfigMap" if "configMapRef" in source else "Secret"
                assert (ref_kind, ref["name"]) in objects
            for variable in container.get("env", []):
                secret = variable.get("valueFrom", {}).get("secretKeyRef")
                if secret:
                    stored = objects[("Secret", secret["name"])]["stringData"]
                    assert secret["key"] in stored
    deployments = [d for (k, _), d in objects.items() if k == "Deployment"]
    for (kind, name), service in objects.items():
        if kind == "Service":
            selector = service["spec"]["selector"]
            assert any(
                selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
                for d in deployments
            ), name


def test_ingress_routes_the_webhooks_to_rasa_and_resends_only_rest(objects: dict) -> None:
    ingresses = [doc for (kind, _), doc in objects.items() if kind == "Ingress"]
    resent = {}
    for ingress in ingresses:
        retry = ingress["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/proxy-next-upstream"
        ]
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert ("Service", path["backend"]["service"]["name"]) in objects
                resent[path["path"]] = "non_idempotent" in retry
    # A messaging webhook resent by nginx could run its turn twice.
    assert resent == {"/webhooks/rest/webhook": True, "/webhooks/": False}


def test_rasa_pods_share_the_channels_redelivery_state(objects: dict) -> None:
    (rasa,) = containers(objects[("Deployment", "igrt-rasa")])
    command = " ".join(rasa["args"])
    assert "REPLY_CACHE_REDIS_URL=" in command and "CHANNELS_REDIS_URL=" in command


def test_endpoints_use_postgres_and_the_redis_lock_store(objects: dict) -> None:
    config = objects[("ConfigMap", "igrt-assistant-config")]["data"]
    endpoints = yaml.safe_load(config["endpoints.yml"])
    assert endpoints["tracker_store"]["type"] == "stores.sql.StrictSQLTrackerStore"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    # Secrets are placeholders Rasa fills from the environment.
    assert endpoints["tracker_store"]["password"] == "${POSTGRES_PASSWORD}"
    assert "${ACTION_SERVER_TOKEN}" in endpoints["action_endpoint"]["headers"]["Authorization"]
    assert endpoints["nlg"] == {"type": "clinic.nlg.ClinicResponses"}  # clinic.yml's settings


def test_the_secret_template_holds_no_secret(objects: dict) -> None:
    (secret,) = [doc for (kind, _), doc in objects.items() if kind == "Secret"]
    assert "data" not in secret
    assert set(secret["stringData"].values()) == {"REPLACE_ME"}
    # The template stays out of `kubectl apply -f deploy/k8s/` (not recursive).
    assert SECRET_TEMPLATE.parent != K8S
