"""`make deploy-check`: the deployment files, checked without a cluster or Docker.

1. kustomize (kubectl's, v5) renders the example overlay into
   var/deploy/example-clinic.yaml. Its secrets.env is git-ignored: the render
   happens in a copy of deploy/k8s with throwaway values for the keys of
   secrets.env.example, so a real secrets.env is never read.
2. kubernetes-validate checks every rendered object against the schemas of
   Kubernetes KUBERNETES_VERSION, strictly (an unknown field fails).
3. checkov scans the rendered manifests and the Dockerfile, then deploy/ and
   the Dockerfile for committed secrets. Any failed check fails, unless a
   reviewed skip gives its reason: a `checkov.io/skipN: ID=reason` annotation
   (kept through kustomize) or a `# checkov:skip=ID:reason` comment.
4. check-jsonschema checks the compose files against the Compose
   Specification's schema (vendored in check-jsonschema).
5. compose-lint scans compose.yaml and fails at any severity unless
   deploy/compose/.compose-lint.yml excludes the finding with a reason.

The tools come from the deploy venv (.venv-deploy, deploy/requirements-check.txt),
run as `.venv-deploy/bin/python scripts/deploy_check.py`. `render_overlay` is
also what tests/cluster/test_k8s_manifests.py checks.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
K8S = PROJECT / "deploy" / "k8s"
OVERLAY = K8S / "overlays" / "example-clinic"
COMPOSE = PROJECT / "deploy" / "compose"
DOCKERFILE = PROJECT / "Dockerfile"
RENDERED = PROJECT / "var" / "deploy" / "example-clinic.yaml"
# The Kubernetes release the manifests are validated against (kubernetes-validate
# ships its schemas, so this needs no network).
KUBERNETES_VERSION = "1.33.0"
# kubectl carries kustomize v5; a standalone `kustomize build` works the same.
KUSTOMIZE = shlex.split(os.environ.get("KUSTOMIZE", "kubectl kustomize"))
TOOLS = Path(sys.executable).parent
SECRET_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)=\s*$")
# A reason shorter than this is not one.
MIN_REASON_LENGTH = 20


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str
    where: str
    reason: str = ""


def placeholder_secrets(example: Path) -> str:
    """An env file with a throwaway value for each key of example (its
    uncommented `KEY=` lines), so that the overlay renders in CI."""
    keys = [
        m.group(1) for line in example.read_text().splitlines() if (m := SECRET_KEY.match(line))
    ]
    return "".join(f"{key}=not-a-secret-{key.lower()}\n" for key in keys)


def render_overlay(overlay: Path = OVERLAY) -> str:
    """The overlay rendered by kustomize, with placeholder secrets."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "k8s"
        shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets.env"))
        target = copy / overlay.relative_to(K8S)
        secrets = placeholder_secrets(overlay / "secrets.env.example")
        (target / "secrets.env").write_text(secrets)
        try:
            done = subprocess.run(
                [*KUSTOMIZE, str(target)], capture_output=True, text=True, timeout=120, check=False
            )
        except FileNotFoundError as missing:
            # kubectl comes with the machine image (Debian's kubernetes-client
            # 1.20 is too old); KUSTOMIZE="kustomize build" uses a standalone one.
            raise RuntimeError(f"{KUSTOMIZE[0]} is missing: set KUSTOMIZE") from missing
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(KUSTOMIZE)} failed:\n{done.stderr}")
    return done.stdout


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        raise SystemExit(f"deploy-check: {path} is missing (make deploy-check installs it)")
    return str(path)


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=PROJECT
    )


def checkov_findings(report: Any) -> tuple[list[Finding], list[Finding]]:
    """(failed, skipped) of checkov's JSON report (one framework: a dict; more: a list)."""
    failed: list[Finding] = []
    skipped: list[Finding] = []
    for section in report if isinstance(report, list) else [report]:
        results = section.get("results", {})
        for check in results.get("failed_checks", []):
            where = f"{check['file_path']}:{check['file_line_range'][0]}"
            failed.append(Finding(check["check_id"], check["resource"], where))
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result", {}).get("suppress_comment") or "").strip()
            skipped.append(Finding(check["check_id"], check["resource"], "", reason))
    return failed, skipped


def checkov(arguments: list[str]) -> tuple[list[str], list[str]]:
    """(problems, reviewed skips) of one checkov run; a skip without a reason
    is a problem."""
    done = run([tool("checkov"), *arguments, "--output", "json", "--skip-download"])
    if done.returncode not in (0, 1) or not done.stdout.strip():
        return [f"checkov did not run: {done.stderr.strip()[-2000:]}"], []
    report = json.loads(done.stdout)
    if report == [] or (isinstance(report, dict) and "results" not in report):
        return [], []  # nothing to scan (checkov's empty report)
    failed, skipped = checkov_findings(report)
    problems = [f"{f.check} {f.resource} ({f.where})" for f in failed]
    reviewed = []
    for skip in skipped:
        if len(skip.reason) < MIN_REASON_LENGTH:
            problems.append(f"{skip.check} {skip.resource}: skipped without a reason")
        else:
            reviewed.append(f"reviewed skip {skip.check} {skip.resource}: {skip.reason}")
    return problems, reviewed


def output_problems(done: subprocess.CompletedProcess[str], name: str) -> list[str]:
    if done.returncode == 0:
        return []
    return [f"{name}:\n{(done.stdout + done.stderr).strip()}"]


Result = tuple[list[str], list[str]]  # (problems, notes)


def rendered_overlay() -> Result:
    RENDERED.parent.mkdir(parents=True, exist_ok=True)
    RENDERED.write_text(render_overlay())
    return [], []


def kubernetes_schemas() -> Result:
    validate = [tool("kubernetes-validate"), "-k", KUBERNETES_VERSION, "--strict", "--quiet"]
    return output_problems(run([*validate, str(RENDERED)]), "schema"), []


def checkov_scans() -> Result:
    scan = ["-f", str(RENDERED), "-f", str(DOCKERFILE), "--framework", "kubernetes", "dockerfile"]
    problems, reviewed = checkov(scan)
    secrets, reviewed_secrets = checkov(
        ["-d", "deploy", "-f", str(DOCKERFILE), "--framework", "secrets"]
    )
    return problems + secrets, reviewed + reviewed_secrets


def compose_checks() -> Result:
    files = [str(COMPOSE / "compose.yaml"), str(COMPOSE / "compose.messaging.example.yaml")]
    schema = [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files]
    problems = output_problems(run(schema), "compose schema")
    lint = [tool("compose-lint"), "check", files[0], "--fail-on", "low", "--quiet"]
    lint += ["--config", str(COMPOSE / ".compose-lint.yml"), "--strict-config", "--skip-suppressed"]
    return problems + output_problems(run(lint), "compose-lint"), []


STEPS = [
    ("kustomize: overlays/example-clinic rendered", rendered_overlay),
    (f"kubernetes-validate {KUBERNETES_VERSION} --strict", kubernetes_schemas),
    ("checkov: manifests, Dockerfile, secrets", checkov_scans),
    ("compose: schema and compose-lint", compose_checks),
]


def main() -> int:
    ok = True
    for title, check in STEPS:
        started = time.monotonic()
        problems, notes = check()
        print(f"{title}: {'FAILED' if problems else 'ok'} ({time.monotonic() - started:.1f} s)")
        for line in [*notes, *problems]:
            print(f"  {line}")
        ok = ok and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
