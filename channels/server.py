"""What our channels set on the whole Sanic server that `rasa run` builds.

Rasa creates the app; a channel only hands it a blueprint, mounted under
/webhooks/<channel>/. So each of our blueprints carries a before_server_start
listener that, once per app:
- lowers Sanic's request size limit (100 MB by default), so that a larger body
  is refused (413) from its Content-Length, before it is read;
- answers GET / itself: Rasa's route there says "Hello from Rasa: <version>",
  which tells a prober which known vulnerabilities to try;
- adds security headers to every response: never cached, never sniffed as
  another type, never rendered or framed by a browser;
- before any request is handled, makes the agent's tracker store raise its
  errors instead of silently keeping conversations in memory (stores/);
- answers GET /ready (readiness, unlike GET / and GET /webhooks/rest/, which
  say the process is up): 200 when the model is loaded, the conversation
  database can be written and the action server's /health answers; else 503,
  naming the failed checks. Causes go to the log, not to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from stores.failsafe import primary_store, raise_store_errors
from stores.sql import StrictSQLTrackerStore
from stores.status import TrackerStoreUnavailable

logger = logging.getLogger(__name__)

# Above every channel's own limit (REST 256 KB, messaging 64 KB), which refuses
# with a clearer answer; beyond this Sanic refuses before reading the body.
MAX_REQUEST_BYTES = 1024 * 1024
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
READY_PATH = "/ready"
CHECK_TIMEOUT_SECONDS = 5.0
# GET /ready is open to anyone who reaches the server: requests within this
# time share one round of checks, so probing it cannot load the database.
READY_REUSE_SECONDS = 1.0


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
    app.ctx.readiness = Readiness()
    app.register_middleware(strict_tracker_store, "request")
    app.register_middleware(neutral_root, "request")
    app.register_middleware(ready, "request")
    app.register_middleware(add_security_headers, "response")


async def strict_tracker_store(request: Request) -> None:
    """Runs before every request, so before any message reaches the agent
    (loaded after the channels' start-up listeners): no fallback to memory."""
    raise_store_errors(getattr(request.app.ctx, "agent", None))


async def neutral_root(request: Request) -> HTTPResponse | None:
    """GET / answered before Rasa's route: up, and nothing else."""
    if request.path == "/" and request.method in ("GET", "HEAD"):
        return response.json({"status": "ok"})
    return None


async def add_security_headers(_: Request, reply: BaseHTTPResponse) -> None:
    reply.headers.update(SECURITY_HEADERS)


# --- readiness -----------------------------------------------------------------


async def ready(request: Request) -> HTTPResponse | None:
    """GET /ready: 200 or 503 with each check's outcome and the failed ones."""
    if request.path != READY_PATH or request.method != "GET":
        return None
    agent = getattr(request.app.ctx, "agent", None)
    checks = await request.app.ctx.readiness.run(agent)
    failed = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "unavailable" if failed else "ready",
        "failed": failed,
        "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
    }
    return response.json(body, status=503 if failed else 200)


class Readiness:
    """The checks of GET /ready, one round at a time, reused briefly."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._checked_at = float("-inf")
        self._checks: dict[str, bool] = {}

    async def run(self, agent: Any) -> dict[str, bool]:
        async with self._lock:
            if time.monotonic() - self._checked_at >= READY_REUSE_SECONDS:
                database, action_server = await asyncio.gather(
                    database_ready(agent), action_server_ready(agent)
                )
                self._checks = {
                    "model": model_ready(agent),
                    "database": database,
                    "action_server": action_server,
                }
                self._checked_at = time.monotonic()
            return dict(self._checks)


def model_ready(agent: Any) -> bool:
    """A model failed to load leaves Rasa running with an agent not ready."""
    is_ready = getattr(agent, "is_ready", None)
    return bool(is_ready and is_ready())


async def database_ready(agent: Any) -> bool:
    """Writes a row and rolls it back (a read-only database reads fine), in a
    thread: a database that hangs must not hold up the conversations."""
    store = primary_store(agent)
    if not isinstance(store, StrictSQLTrackerStore):
        logger.error(
            "Not ready: the tracker store is %s, not the checked "
            "stores.sql.StrictSQLTrackerStore (endpoints.yml).",
            type(store).__name__,
        )
        return False
    try:
        await asyncio.wait_for(asyncio.to_thread(store.check_writable), CHECK_TIMEOUT_SECONDS)
    except TrackerStoreUnavailable:
        return False  # logged by the store
    except asyncio.TimeoutError:
        logger.error(
            "Not ready: the conversation database did not answer in %s s.", CHECK_TIMEOUT_SECONDS
        )
        return False
    return True


def health_url(action_url: str) -> str:
    """The action server's /health beside its webhook (…/webhook -> …/health)."""
    parts = urlsplit(action_url)
    base = parts.path.rstrip("/").rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/health", "", ""))


async def action_server_ready(agent: Any) -> bool:
    """The action server's /health answers 200 (with the headers Rasa sends it)."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        logger.error("Not ready: no action server is configured (endpoints.yml).")
        return False
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(health_url(endpoint.url), headers=endpoint.headers) as reply,
        ):
            if reply.status == 200:
                return True
            logger.warning("Not ready: the action server's /health answered %s.", reply.status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("Not ready: the action server's /health failed: %s.", type(error).__name__)
    return False
