"""Serve the chat widget and the demo clinic page (widget/) for `make run` and the tests.

Python's HTTP server. Serves the files of widget/ and nothing else: no
directory listings, no paths outside the folder, GET and HEAD only. Every reply
carries security headers; the Content-Security-Policy lets the page talk to the
Rasa server and to nothing else. The demo page (index.html) gets the Rasa URL
filled in, so the tests can run the servers on any port, and the clinic's name,
phone, hours and emergency number from clinic.yml (clinic/settings.py), read
again at the first request after the file changed.

    python scripts/serve_widget.py --port 8000 --rasa-url http://localhost:5005
"""

from __future__ import annotations

import argparse
import html
import mimetypes
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # run as a script: the project's packages

from clinic.settings import ClinicSettings, current, tel_uri  # noqa: E402

WIDGET_DIR = PROJECT / "widget"
# Placeholder in widget/*.html for the Rasa server's URL.
RASA_URL_PLACEHOLDER = "{{RASA_URL}}"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise ValueError(f"not an http(s) server URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(rasa_url: str) -> dict[str, str]:
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {origin_of(rasa_url)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


def clinic_values(settings: ClinicSettings) -> dict[str, str]:
    return {
        "{{CLINIC_NAME}}": settings.name,
        "{{CLINIC_PHONE}}": settings.phone,
        "{{CLINIC_PHONE_TEL}}": tel_uri(settings.phone),
        "{{CLINIC_HOURS}}": settings.hours,
        "{{EMERGENCY_NUMBER}}": settings.emergency_number,
    }


def filled_page(body: bytes, rasa_url: str, settings: ClinicSettings) -> bytes:
    """An HTML page with its placeholders filled in, escaped; a line with a
    placeholder whose value is empty (no phone number) is left out."""
    values = {RASA_URL_PLACEHOLDER: rasa_url, **clinic_values(settings)}
    lines = []
    for line in body.decode("utf-8").splitlines(keepends=True):
        used = [name for name in values if name in line]
        if any(not values[name] for name in used):
            continue
        for name in used:
            line = line.replace(name, html.escape(values[name], quote=True))
        lines.append(line)
    return "".join(lines).encode("utf-8")


def make_handler(root: Path, rasa_url: str) -> type[BaseHTTPRequestHandler]:
    root = root.resolve()
    headers = security_headers(rasa_url)

    class WidgetHandler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "widget"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            path = self._file_for(self.path)
            if path is None:
                not_found = b"Not found\n"
                self._send(HTTPStatus.NOT_FOUND, not_found, "text/plain; charset=utf-8", send_body)
                return
            body = path.read_bytes()
            if path.suffix == ".html":
                body = filled_page(body, rasa_url, current())
            content_type = CONTENT_TYPES.get(path.suffix) or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            self._send(HTTPStatus.OK, body, content_type, send_body)

        def _file_for(self, url_path: str) -> Path | None:
            """The file under root for a request path, or None (never outside root)."""
            relative = unquote(urlsplit(url_path).path).lstrip("/") or "index.html"
            if "\x00" in relative or any(part.startswith(".") for part in relative.split("/")):
                return None
            candidate = (root / relative).resolve()
            if candidate != root and root not in candidate.parents:
                return None
            return candidate if candidate.is_file() else None

        def _send(
            self, status: HTTPStatus, body: bytes, content_type: str, send_body: bool
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return WidgetHandler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rasa-url", default="http://localhost:5005")
    parser.add_argument("--root", type=Path, default=WIDGET_DIR)
    args = parser.parse_args()
    origin_of(args.rasa_url)  # fail early on a bad URL
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.root, args.rasa_url))
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
