"""No message text, query string, header or client address reaches an nginx log.

Message text travels in request bodies (the REST channel's JSON, the messaging
apps' webhooks); Messenger's verification request carries its verify token in
the query string; headers carry Telegram's webhook secret. Each nginx
configuration we ship logs only the variables in ALLOWED, every access log
names such a format (nginx's default, `combined`, has the query string and the
client address), and nothing names the request body. The cluster's
ingress-nginx keeps no access log for our routes (test_k8s_manifests.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CONFIGS = [
    PROJECT / "deploy" / "nginx" / "nginx.conf.template",  # make run-cluster
    PROJECT / "deploy" / "compose" / "nginx.conf",  # one VM
]
ALLOWED = {
    "time_iso8601", "time_local", "msec", "request_method", "uri", "status",
    "request_time", "request_length", "bytes_sent", "body_bytes_sent",
    "upstream_addr", "upstream_status", "upstream_response_time",
}  # fmt: skip
LOG_FORMAT = re.compile(r"\blog_format\s+(\w+)\s+((?:'[^']*'\s*)+);")
ACCESS_LOG = re.compile(r"\baccess_log\s+([^;]+);")
VARIABLE = re.compile(r"\$\{?(\w+)")


def without_comments(path: Path) -> str:
    return re.sub(r"#[^\n]*", "", path.read_text())


def log_formats(text: str) -> dict[str, set[str]]:
    """Each log_format's name and the variables it logs."""
    return {name: set(VARIABLE.findall(body)) for name, body in LOG_FORMAT.findall(text)}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.parent.name)
def test_log_formats_name_no_body_query_header_or_address(path: Path) -> None:
    formats = log_formats(without_comments(path))
    assert formats, "no log_format: nginx would log its `combined` format"
    for name, variables in formats.items():
        assert variables <= ALLOWED, f"{name} logs {variables - ALLOWED}"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.parent.name)
def test_every_access_log_uses_such_a_format(path: Path) -> None:
    text = without_comments(path)
    formats = log_formats(text)
    access_logs = [line.split() for line in ACCESS_LOG.findall(text)]
    assert access_logs, "no access_log: nginx would log its `combined` format"
    for words in access_logs:
        assert words == ["off"] or (len(words) == 2 and words[1] in formats), words


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.parent.name)
def test_request_bodies_are_never_logged_or_written(path: Path) -> None:
    text = without_comments(path)
    assert "$request_body" not in text
    assert not re.search(r"client_body_in_file_only\s+(on|clean)", text)
    # Bodies stay in memory: nginx never writes them to a temporary file.
    assert re.search(r"client_body_buffer_size\s+1m;", text)
    assert re.search(r"client_max_body_size\s+1m;", text)


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A throwaway self-signed certificate, as the clinic's TLS_DIR holds."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(tmp_path / "privkey.pem"),
         "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return tmp_path


def test_the_compose_nginx_accepts_its_configuration(certificate: Path, tmp_path: Path) -> None:
    # Never skipped: `make test` installs Debian's nginx as it installs chromium.
    assert Path("/usr/sbin/nginx").exists(), "nginx is missing: run `make test`"
    text = (PROJECT / "deploy" / "compose" / "nginx.conf").read_text()
    # The container's paths, moved under tmp_path.
    text = text.replace(" /tmp/", f" {tmp_path}/").replace("/etc/nginx/tls/", f"{certificate}/")
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    done = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
