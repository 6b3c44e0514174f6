"""Active readiness checks for nginx open source (make run-cluster).

nginx open source only notices a replica that refuses or drops connections
(passive `max_fails`). A replica that still accepts connections but whose
GET /ready fails (its model, database or action server check, channels/
server.py) would keep getting patients. Every INTERVAL seconds this polls each
replica's /ready and, when the set of ready replicas changes, rewrites nginx's
upstream file with the unready ones marked `down` and tells nginx to reload
(SIGHUP: a graceful reload, requests in flight finish).

When no replica is ready (the shared database is down, say) every replica
stays in: each answers the patient that the chat is temporarily unavailable,
with the emergency line, which is better than nginx's error page.

    python scripts/readiness_gate.py RUN_DIR   # RASA_PORTS, CLUSTER_INTERNAL_HOST
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.cluster_config import ports, upstream_servers

logger = logging.getLogger("readiness_gate")

INTERVAL_SECONDS = float(os.environ.get("READINESS_INTERVAL_SECONDS", "2"))
TIMEOUT_SECONDS = 3.0


def is_ready(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/ready", timeout=TIMEOUT_SECONDS) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def unready_to_mark(readiness: dict[int, bool]) -> set[int]:
    """The replicas to take out: the unready ones, unless none is ready."""
    unready = {port for port, ready in readiness.items() if not ready}
    return set() if len(unready) == len(readiness) else unready


def reload_nginx(run_dir: Path) -> bool:
    try:
        pid = int((run_dir / "nginx" / "nginx.pid").read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as error:
        logger.warning("Could not reload nginx: %s", type(error).__name__)
        return False
    return True


def write_atomically(path: Path, text: str) -> None:
    """nginx may reload at any moment: it must never read a half-written file."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


def main(run_dir: Path) -> None:
    logging.basicConfig(level=logging.INFO, format="readiness_gate: %(message)s")
    host = os.environ.get("CLUSTER_INTERNAL_HOST", "127.0.0.1")
    replica_ports = ports("RASA_PORTS")
    upstream = run_dir / "nginx" / "rasa_upstream.conf"
    marked: set[int] = set()
    while True:
        readiness = {port: is_ready(host, port) for port in replica_ports}
        down = unready_to_mark(readiness)
        if down != marked:
            logger.info("replicas taken out: %s", sorted(down) or "none")
            write_atomically(upstream, upstream_servers(host, replica_ports, down))
            # Marked only once nginx took it: a failed reload is tried again.
            if reload_nginx(run_dir):
                marked = down
        time.sleep(INTERVAL_SECONDS)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).resolve())
