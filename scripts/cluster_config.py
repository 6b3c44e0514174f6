"""Write the configuration of `make run-cluster` (scripts/run_cluster.sh) into a run folder.

From environment variables (their defaults in scripts/run_cluster.sh and the
README's "Production" section) and the templates in deploy/:

- endpoints.yml for the Rasa replicas: PostgreSQL tracker store (the strict SQL
  store, stores/sql.py), Redis lock store, the action servers behind nginx.
  Secrets stay ${...} placeholders that Rasa fills in from its environment:
  they are never written to disk.
- nginx.conf (deploy/nginx/nginx.conf.template): the load balancer and static
  server, with the widget's security headers (the same as
  scripts/serve_widget.py sends) and the clear "temporarily unavailable" reply
  when no replica can answer.
- rasa_upstream.conf: the replicas, rewritten by scripts/readiness_gate.py.

    python scripts/cluster_config.py RUN_DIR
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from channels import replies  # noqa: E402
from scripts.serve_widget import RASA_URL_PLACEHOLDER, security_headers  # noqa: E402

NGINX_TEMPLATE = PROJECT / "deploy" / "nginx" / "nginx.conf.template"
# Passive health: one failed connection takes a replica out for this long
# (nginx open source has no active checks; scripts/readiness_gate.py adds them).
FAIL_TIMEOUT_SECONDS = 5


def env(name: str) -> str:
    """A variable scripts/run_cluster.sh always sets (with its default)."""
    value = os.environ.get(name)
    if value is None:
        raise SystemExit(f"cluster_config: {name} is not set (scripts/run_cluster.sh sets it)")
    return value


def ports(name: str) -> list[int]:
    return [int(port) for port in env(name).replace(",", " ").split()]


def endpoints() -> dict[str, Any]:
    tracker_store: dict[str, Any] = {
        "type": "stores.sql.StrictSQLTrackerStore",
        "dialect": "postgresql",
        "url": env("POSTGRES_HOST"),
        "port": int(env("POSTGRES_PORT")),
        "db": env("POSTGRES_DB"),
        "username": env("POSTGRES_USER"),
    }
    lock_store: dict[str, Any] = {
        "type": "redis",
        "url": env("REDIS_HOST"),
        "port": int(env("REDIS_PORT")),
        "db": int(env("REDIS_DB")),
        # Alphanumeric only (Rasa drops any other prefix).
        "key_prefix": "igrt",
    }
    if os.environ.get("POSTGRES_PASSWORD"):
        tracker_store["password"] = "${POSTGRES_PASSWORD}"
    if os.environ.get("REDIS_PASSWORD"):
        lock_store["password"] = "${REDIS_PASSWORD}"
    return {
        "action_endpoint": {
            "url": f"http://{env('CLUSTER_INTERNAL_HOST')}:{env('ACTIONS_LB_PORT')}/webhook",
            "headers": {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"},
            # The actions read no domain: Rasa then leaves it out of every call.
            "enable_selective_domain": True,
        },
        # Replies with the clinic's settings filled in (clinic/nlg.py).
        "nlg": {"type": "clinic.nlg.ClinicResponses"},
        "tracker_store": tracker_store,
        "lock_store": lock_store,
    }


def upstream_servers(host: str, server_ports: list[int], down: set[int] | None = None) -> str:
    """nginx `server` lines of an upstream; ports in `down` are marked down."""
    lines = []
    for port in server_ports:
        state = " down" if port in (down or set()) else ""
        lines.append(
            f"server {host}:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s{state};"
        )
    return "\n".join(lines) + "\n"


def nginx_string(text: str) -> str:
    """A single-quoted nginx string; nginx has no escape for `$` (a variable)."""
    if "$" in text:
        raise ValueError("nginx strings cannot hold a literal $")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def widget_headers(public_url: str) -> str:
    """The demo page's headers, as scripts/serve_widget.py sends them."""
    return "\n".join(
        f"add_header {name} {nginx_string(value)} always;"
        for name, value in security_headers(public_url).items()
    )


def unavailable_body() -> str:
    """The REST reply nginx gives when no replica answers: the channel's own
    "temporarily unavailable" notice with the emergency line."""
    return json.dumps([{"text": replies.unavailable()}], ensure_ascii=True)


def nginx_conf(run_dir: Path) -> str:
    public_url = env("CLUSTER_PUBLIC_URL")
    values = {
        "RUN_DIR": str(run_dir),
        "USER_LINE": "user nobody nogroup;" if os.geteuid() == 0 else "",
        "LISTEN": f"{env('CLUSTER_HOST')}:{env('CLUSTER_PORT')}",
        "ACTIONS_LISTEN": f"{env('CLUSTER_INTERNAL_HOST')}:{env('ACTIONS_LB_PORT')}",
        "ACTION_SERVERS": upstream_servers(env("CLUSTER_INTERNAL_HOST"), ports("ACTION_PORTS")),
        "WIDGET_ROOT": str(PROJECT / "widget"),
        "WIDGET_HEADERS": widget_headers(public_url),
        "RASA_URL_PLACEHOLDER": nginx_string(RASA_URL_PLACEHOLDER),
        "PUBLIC_URL": nginx_string(public_url),
        "UNAVAILABLE_BODY": nginx_string(unavailable_body()),
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise SystemExit("cluster_config: a placeholder of the nginx template is unknown")
    return text


def main(run_dir: Path) -> None:
    (run_dir / "nginx").mkdir(parents=True, exist_ok=True)
    (run_dir / "endpoints.yml").write_text(yaml.safe_dump(endpoints(), sort_keys=False))
    (run_dir / "nginx" / "nginx.conf").write_text(nginx_conf(run_dir))
    (run_dir / "nginx" / "rasa_upstream.conf").write_text(
        upstream_servers(env("CLUSTER_INTERNAL_HOST"), ports("RASA_PORTS"))
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).resolve())
