"""Calls to a platform's API: one HTTP session per channel, and a reply never
sent twice.

A send is not idempotent, so it is retried only when the platform surely did
not take it: the connection could not be made (nothing was sent), or the
platform said to come back later (429, or 503 with Retry-After), after the
time it asked for. Any other answer, a 500 or 502 above all (the message may
have gone out), and any error after the request was sent, end the call.
Attempts and waits are bounded. The URL is never logged: some platforms put
the token in it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from aiohttp_retry import RetryClient, RetryOptionsBase

from channels.inbound import json_object

logger = logging.getLogger(__name__)

API_TIMEOUT_SECONDS = 10
API_ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A platform asking for a longer wait is not waited for: the reply is dropped
# (and logged) rather than holding the turn.
MAX_RETRY_AFTER_SECONDS = 5.0


def retry_after(response: aiohttp.ClientResponse | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), or None."""
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def asks_to_retry(response: aiohttp.ClientResponse) -> bool:
    """429, or 503 with Retry-After: the platform did not take the request."""
    wait = retry_after(response)
    if wait is not None and wait > MAX_RETRY_AFTER_SECONDS:
        return False
    return response.status == 429 or (response.status == 503 and wait is not None)


class SendRetry(RetryOptionsBase):
    """aiohttp_retry's policy for sends (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(
            attempts=API_ATTEMPTS,
            statuses=set(),
            exceptions={aiohttp.ClientConnectorError},  # before anything was sent
            retry_all_server_errors=False,
            evaluate_response_callback=self._keep,
        )

    @staticmethod
    async def _keep(response: aiohttp.ClientResponse) -> bool:
        """True: this response is the answer (no retry)."""
        if asks_to_retry(response):
            response.release()
            return False
        return True

    def get_timeout(self, attempt: int, response: aiohttp.ClientResponse | None = None) -> float:
        wait = retry_after(response)
        return wait if wait is not None else BACKOFF_SECONDS * attempt


class PlatformApi:
    """One channel's HTTP client: its session opens on first use (inside the
    server's event loop) and closes when the server stops."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._client: RetryClient | None = None

    def _retrying_client(self) -> RetryClient:
        if self._client is None:
            session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS)
            )
            self._client = RetryClient(client_session=session, retry_options=SendRetry())
        return self._client

    async def post(
        self,
        what: str,
        url: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> dict[str, Any] | None:
        """POST to the platform; the JSON answer, or None after logging a failure."""
        try:
            async with self._retrying_client().post(
                url, json=json_body, data=form, headers=headers, params=params, auth=auth
            ) as reply:
                body = await reply.read()
                if reply.status >= 400:
                    logger.warning("%s failed: HTTP %s", what, reply.status)
                    return None
                return json_object(body) or {}
        except aiohttp.ClientConnectorError:
            logger.warning("%s failed: cannot connect", what)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("%s failed: %s", what, type(error).__name__)
        return None

    @property
    def is_open(self) -> bool:
        return self._client is not None

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
