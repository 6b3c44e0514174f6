"""The Rasa server's CORS and the widget's static server (scripts/serve_widget.py)."""

from __future__ import annotations

import http.client
import uuid

import pytest
import requests

from browser.browser_env import WidgetServers

EVIL = (
    "http://evil.example",
    "http://localhost:8000.evil.example",
    "https://localhost:8000",
    "null",
)


def post(servers: WidgetServers, origin_header: str) -> requests.Response:
    return requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"cors-test-{uuid.uuid4()}", "message": "hello"},
        headers={"Origin": origin_header},
        timeout=30,
    )


def preflight(servers: WidgetServers, origin_header: str) -> requests.Response:
    return requests.options(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        headers={
            "Origin": origin_header,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )


@pytest.mark.parametrize("which", [0, 1], ids=["localhost-8000", "demo-page"])
def test_cors_allows_the_clinic_pages(servers: WidgetServers, which: int) -> None:
    clinic = servers.clinic_origins[which]
    assert preflight(servers, clinic).headers.get("Access-Control-Allow-Origin") == clinic
    reply = post(servers, clinic)
    assert reply.ok
    assert reply.headers.get("Access-Control-Allow-Origin") == clinic


@pytest.mark.parametrize("other", EVIL)
def test_cors_refuses_other_origins(servers: WidgetServers, other: str) -> None:
    assert "Access-Control-Allow-Origin" not in preflight(servers, other).headers
    assert "Access-Control-Allow-Origin" not in post(servers, other).headers


def test_static_server_sends_security_headers(servers: WidgetServers) -> None:
    page = requests.get(servers.page_url, timeout=10)
    assert page.ok
    assert f'data-server="{servers.rasa_url}"' in page.text
    csp = page.headers["Content-Security-Policy"]
    assert f"connect-src {servers.rasa_url};" in csp
    assert "default-src 'none'" in csp
    assert "script-src 'self';" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    script = requests.get(servers.page_url + "igrt-chat.js", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path",
    ["/../Makefile", "/%2e%2e/Makefile", "/..%2fscripts/run.sh", "//etc/passwd", "/.git", "/x.js"],
)
def test_static_server_serves_only_the_widget_folder(servers: WidgetServers, path: str) -> None:
    # http.client sends the path as it is (requests would tidy up the dots).
    connection = http.client.HTTPConnection("localhost", servers.ports["widget_port"], timeout=10)
    try:
        connection.request("GET", path)
        assert connection.getresponse().status == 404
    finally:
        connection.close()
