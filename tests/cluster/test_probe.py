"""The image's HEALTHCHECK (scripts/probe.py): healthy on a 2xx answer only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.probe import healthy


class Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_healthy_only_when_the_server_answers_2xx(server: str) -> None:
    assert healthy(f"{server}/")
    assert not healthy(f"{server}/ready")  # 503: not ready


def test_unhealthy_when_nothing_listens() -> None:
    # A port bound but not listening refuses connections while we hold it.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        assert not healthy(f"http://127.0.0.1:{held.getsockname()[1]}/")
