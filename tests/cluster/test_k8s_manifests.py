"""deploy/k8s/ cannot be applied here (no cluster): the example overlay is rendered
by kustomize (kubectl's, as `make deploy-check` does) and what it would create
is checked here. `make deploy-check` validates the same objects against the
Kubernetes schemas and scans them with checkov.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.utils import AvailableEndpoints

from scripts import deploy_check, purge
from scripts.entrypoint import CORS_FLAG, derived_environment

Object = dict[str, Any]
MEASURED_RASA_BYTES = 880 * 2**20  # resident, per replica (make bench-cluster)
QUANTITY = re.compile(r"^(\d+)(Mi|Gi)?$")


@pytest.fixture(scope="module")
def rendered() -> list[Object]:
    return [doc for doc in yaml.safe_load_all(deploy_check.render_overlay()) if doc]


def of_kind(rendered: list[Object], kind: str) -> dict[str, Object]:
    return {doc["metadata"]["name"]: doc for doc in rendered if doc["kind"] == kind}


def generated(rendered: list[Object], kind: str, name: str) -> Object:
    """A generated ConfigMap or Secret (kustomize adds a hash to its name)."""
    (doc,) = [d for n, d in of_kind(rendered, kind).items() if n.startswith(f"{name}-")]
    return doc


def pod_specs(rendered: list[Object]) -> Iterator[tuple[str, Object]]:
    """(name, pod spec) of every Deployment and CronJob."""
    for name, deployment in of_kind(rendered, "Deployment").items():
        yield name, deployment["spec"]["template"]["spec"]
    for name, cronjob in of_kind(rendered, "CronJob").items():
        yield name, cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def pod_labels(rendered: list[Object], name: str) -> dict[str, str]:
    workload = of_kind(rendered, "Deployment").get(name) or of_kind(rendered, "CronJob")[name]
    template = (
        workload["spec"].get("template") or workload["spec"]["jobTemplate"]["spec"]["template"]
    )
    return template["metadata"]["labels"]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items()


def in_bytes(quantity: str) -> int:
    match = QUANTITY.match(quantity)
    assert match, quantity
    return int(match.group(1)) * {None: 1, "Mi": 2**20, "Gi": 2**30}[match.group(2)]


def peer_name(peer: dict[str, Any]) -> str:
    """A NetworkPolicy peer by its pods' name label, or "internet" for an ipBlock."""
    if "ipBlock" in peer:
        return "internet"
    labels = peer["podSelector"]["matchLabels"]  # no peer here is a whole namespace
    return labels.get("app.kubernetes.io/name") or labels["k8s-app"]


def config(rendered: list[Object]) -> dict[str, str]:
    return generated(rendered, "ConfigMap", "igrt-assistant-config")["data"]


def test_the_overlay_makes_every_part_in_the_clinics_namespace(rendered: list[Object]) -> None:
    kinds = {doc["kind"] for doc in rendered}
    assert kinds >= {
        "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CronJob",
        "NetworkPolicy", "Ingress", "ConfigMap", "Secret", "ServiceAccount",
    }  # fmt: skip
    assert set(of_kind(rendered, "Deployment")) == {"igrt-rasa", "igrt-actions"}
    assert {doc["metadata"]["namespace"] for doc in rendered} == {"igrt"}


def test_every_pod_runs_locked_down_within_limits(rendered: list[Object]) -> None:
    for name, spec in pod_specs(rendered):
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= container["resources"][bound].keys(), name


def test_every_image_is_the_release_pinned_by_its_digest(rendered: list[Object]) -> None:
    images = {c["image"] for _, spec in pod_specs(rendered) for c in spec["containers"]}
    (image,) = images  # one image for every role, with its model
    assert re.fullmatch(r"[\w.\-/]+/igrt-assistant:[\w.\-]+@sha256:[0-9a-f]{64}", image)


def test_rasa_is_ready_only_when_its_checks_pass_and_lives_by_its_process(
    rendered: list[Object],
) -> None:
    (rasa,) = of_kind(rendered, "Deployment")["igrt-rasa"]["spec"]["template"]["spec"]["containers"]
    assert rasa["readinessProbe"]["httpGet"]["path"] == "/ready"
    # Not /ready: a database outage would restart every pod at once.
    assert rasa["livenessProbe"]["httpGet"]["path"] == "/"
    assert rasa["startupProbe"]["httpGet"]["path"] == "/"


def test_action_servers_are_probed(rendered: list[Object]) -> None:
    spec = of_kind(rendered, "Deployment")["igrt-actions"]["spec"]["template"]["spec"]
    (actions,) = spec["containers"]
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"
    assert actions["livenessProbe"]["httpGet"]["path"] == "/health"


def test_rasa_memory_fits_the_measured_replica(rendered: list[Object]) -> None:
    (rasa,) = of_kind(rendered, "Deployment")["igrt-rasa"]["spec"]["template"]["spec"]["containers"]
    assert in_bytes(rasa["resources"]["requests"]["memory"]) >= MEASURED_RASA_BYTES
    # Room for loading the model and for long conversations, not a blank cheque.
    limit = in_bytes(rasa["resources"]["limits"]["memory"])
    assert 1.5 * MEASURED_RASA_BYTES <= limit <= 2.5 * MEASURED_RASA_BYTES


def test_autoscalers_keep_two_replicas_and_disruptions_leave_one(rendered: list[Object]) -> None:
    deployments = of_kind(rendered, "Deployment")
    budgets = of_kind(rendered, "PodDisruptionBudget")
    for name, hpa in of_kind(rendered, "HorizontalPodAutoscaler").items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] == name
        assert hpa["spec"]["minReplicas"] >= 2
        # The autoscaler owns the count: an apply must not reset it.
        assert "replicas" not in deployments[name]["spec"]
        budget = budgets[name]["spec"]
        assert selects(budget["selector"], pod_labels(rendered, name))
        assert 1 <= budget["minAvailable"] < hpa["spec"]["minReplicas"]
    assert set(of_kind(rendered, "HorizontalPodAutoscaler")) == set(deployments)


def test_references_resolve(rendered: list[Object]) -> None:
    configmaps, secrets = of_kind(rendered, "ConfigMap"), of_kind(rendered, "Secret")
    for name, spec in pod_specs(rendered):
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps, name
                else:
                    assert source["secretRef"]["name"] in secrets, name
            for variable in container.get("env", []):
                key = variable.get("valueFrom", {}).get("secretKeyRef")
                if key:
                    assert key["key"] in secrets[key["name"]]["data"], name
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, name
    for name, service in of_kind(rendered, "Service").items():
        assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(rendered, name))


def test_ingress_routes_only_the_webhooks_to_rasa_resends_only_rest_and_logs_nothing(
    rendered: list[Object],
) -> None:
    services = of_kind(rendered, "Service")
    resent = {}
    for ingress in of_kind(rendered, "Ingress").values():
        annotations = ingress["metadata"]["annotations"]
        # ingress-nginx's default access log has the query string and client addresses.
        assert annotations["nginx.ingress.kubernetes.io/enable-access-log"] == "false"
        assert not [key for key in annotations if key.endswith("-snippet")]
        retry = annotations["nginx.ingress.kubernetes.io/proxy-next-upstream"]
        for rule in ingress["spec"]["rules"]:
            assert rule["host"] == "assistant.example-clinic.org"
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] == "igrt-rasa" in services
                resent[path["path"]] = "non_idempotent" in retry
    # A messaging webhook resent by nginx could run its turn twice.
    assert resent == {"/webhooks/rest/webhook": True, "/webhooks/": False}


def test_rasa_pods_share_the_redelivery_state_and_take_the_clinics_origins(
    rendered: list[Object],
) -> None:
    (rasa,) = of_kind(rendered, "Deployment")["igrt-rasa"]["spec"]["template"]["spec"]["containers"]
    assert rasa["args"][-1] == CORS_FLAG  # the image's entrypoint adds CLINIC_ORIGINS
    settings = {**config(rendered), "REDIS_PASSWORD": "p@ss/word"}
    urls = derived_environment(settings)
    assert urls["CHANNELS_REDIS_URL"] == urls["REPLY_CACHE_REDIS_URL"]
    assert urls["CHANNELS_REDIS_URL"].startswith("redis://:p%40ss%2Fword@redis.igrt-data.")


def test_endpoints_resolve_with_rasas_reader_and_the_purges(
    rendered: list[Object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = config(rendered)
    for name, value in settings.items():
        if name.isupper():
            monkeypatch.setenv(name, value)
    for name in generated(rendered, "Secret", "igrt-assistant-secrets")["data"]:
        monkeypatch.setenv(name, f"secret-{name.lower()}")
    path = tmp_path / "endpoints.yml"
    path.write_text(settings["endpoints.yml"])
    assert "secret-" not in settings["endpoints.yml"]

    endpoints = AvailableEndpoints.read_endpoints(str(path))
    assert endpoints.tracker_store.type == "stores.sql.StrictSQLTrackerStore"
    assert endpoints.tracker_store.url == settings["POSTGRES_HOST"]
    assert endpoints.tracker_store.kwargs["password"] == "secret-postgres_password"
    assert endpoints.lock_store.type == "redis"
    assert endpoints.lock_store.url == settings["REDIS_HOST"]
    assert endpoints.action.url == "http://igrt-actions:5055/webhook"
    assert endpoints.action.headers["Authorization"] == "Bearer secret-action_server_token"
    assert endpoints.nlg.type == "clinic.nlg.ClinicResponses"  # clinic.yml's settings

    database = purge.tracker_store_settings(path)
    assert (database["dialect"], database["url"]) == ("postgresql", settings["POSTGRES_HOST"])


def test_the_purge_runs_daily_on_the_retention_setting(
    rendered: list[Object], monkeypatch: pytest.MonkeyPatch
) -> None:
    cronjob = of_kind(rendered, "CronJob")["igrt-purge"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    minute, hour, *every = cronjob["spec"]["schedule"].split()
    assert every == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"][-1] == "scripts/purge.py"
    (source,) = container["envFrom"]
    assert source["configMapRef"]["name"].startswith("igrt-assistant-config-")
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "config"]
    # What scripts/purge.py reads from that environment.
    settings = config(rendered)
    for name in ("RETENTION_DAYS", "ENDPOINTS"):
        monkeypatch.setenv(name, settings[name])
    arguments = purge.parse_arguments([])
    assert arguments.days == float(settings["RETENTION_DAYS"]) == 30
    assert arguments.endpoints == Path(mount["mountPath"]) / "endpoints.yml"
    assert arguments.then_sleep == 0  # once per Job, the CronJob repeats it


def test_network_policies_let_only_the_ingress_reach_rasa_and_only_rasa_the_actions(
    rendered: list[Object],
) -> None:
    policies = list(of_kind(rendered, "NetworkPolicy").values())
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}

    def peers(workload: str, direction: str) -> list[tuple[str, int]]:
        """(peer, port) pairs the policies allow to or from workload's pods."""
        found = []
        for policy in policies:
            if policy["spec"]["podSelector"] and selects(
                policy["spec"]["podSelector"], pod_labels(rendered, workload)
            ):
                for rule in policy["spec"].get(direction, []):
                    for peer in rule["to" if direction == "egress" else "from"]:
                        found += [(peer_name(peer), port["port"]) for port in rule["ports"]]
        return sorted(found)

    assert peers("igrt-rasa", "ingress") == [("ingress-nginx", 5005)]
    assert peers("igrt-actions", "ingress") == [("igrt-rasa", 5055)]
    assert peers("igrt-purge", "ingress") == []
    assert peers("igrt-actions", "egress") == []
    assert peers("igrt-purge", "egress") == [
        ("kube-dns", 53),
        ("kube-dns", 53),
        ("postgresql", 5432),
    ]
    assert peers("igrt-rasa", "egress") == [
        ("igrt-actions", 5055), ("internet", 443), ("kube-dns", 53), ("kube-dns", 53),
        ("postgresql", 5432), ("redis", 6379),
    ]  # fmt: skip


def test_no_secret_value_is_in_the_repository() -> None:
    deploy = deploy_check.PROJECT / "deploy"
    for path in [*deploy.rglob("*.yaml"), *deploy.rglob("*.yml")]:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict):
                assert doc.get("kind") != "Secret", path
                for generator in doc.get("secretGenerator", []):
                    assert set(generator) <= {"name", "envs", "behavior", "options"}, path
    overlay = deploy_check.OVERLAY
    (generator,) = yaml.safe_load((overlay / "kustomization.yaml").read_text())["secretGenerator"]
    assert generator["envs"] == ["secrets.env"]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(overlay / "secrets.env")],
        cwd=deploy_check.PROJECT, check=False,
    )  # fmt: skip
    assert ignored.returncode == 0
    # The example names the keys, never a value.
    example = (overlay / "secrets.env.example").read_text()
    assert all(line.endswith("=") for line in example.splitlines() if not line.startswith("#"))


def test_the_secret_has_the_keys_the_pods_use(rendered: list[Object]) -> None:
    secret = generated(rendered, "Secret", "igrt-assistant-secrets")
    assert set(secret["data"]) == {
        "ACTION_SERVER_TOKEN", "SENDER_ID_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD",
    }  # fmt: skip
    # Only Rasa gets every key; the others name the one they need.
    for name, spec in pod_specs(rendered):
        for container in spec["containers"]:
            whole = [s for s in container.get("envFrom", []) if "secretRef" in s]
            assert (name == "igrt-rasa") == bool(whole), name


def test_nothing_turns_on_debug_logging(rendered: list[Object]) -> None:
    for name, spec in pod_specs(rendered):
        for container in spec["containers"]:
            assert not {"--debug", "-vv", "--verbose", "-v"} & set(container["args"]), name
    assert "DEBUG" not in " ".join(config(rendered).values()).upper()
