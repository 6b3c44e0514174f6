"""What our channels set on the whole Sanic server that `rasa run` builds.

Rasa creates the app; a channel only hands it a blueprint, mounted under
/webhooks/<channel>/. So each of our blueprints carries a before_server_start
listener that, once per app:
- lowers Sanic's request size limit (100 MB by default), so that a larger body
  is refused (413) from its Content-Length, before it is read;
- answers GET / itself: Rasa's route there says "Hello from Rasa: <version>",
  which tells a prober which known vulnerabilities to try;
- adds security headers to every response: never cached, never sniffed as
  another type, never rendered or framed by a browser.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

# Above every channel's own limit (REST 256 KB, messaging 64 KB), which refuses
# with a clearer answer; beyond this Sanic refuses before reading the body.
MAX_REQUEST_BYTES = 1024 * 1024
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def harden_server_on_start(blueprint: Blueprint) -> None:
    """Makes the server that mounts this blueprint harden itself at start-up."""

    @blueprint.listener("before_server_start")
    async def harden_on_start(app: Sanic, _loop: Any) -> None:
        harden(app)


def harden(app: Sanic) -> None:
    """The settings above, once per app (every channel asks)."""
    if getattr(app.ctx, "hardened_by_channels", False):
        return
    app.ctx.hardened_by_channels = True
    app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)
    app.register_middleware(neutral_root, "request")
    app.register_middleware(add_security_headers, "response")


async def neutral_root(request: Request) -> HTTPResponse | None:
    """GET / answered before Rasa's route: up, and nothing else."""
    if request.path == "/" and request.method in ("GET", "HEAD"):
        return response.json({"status": "ok"})
    return None


async def add_security_headers(_: Request, reply: BaseHTTPResponse) -> None:
    reply.headers.update(SECURITY_HEADERS)
