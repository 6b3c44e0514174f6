"""The channels on an in-process Sanic server, mounted by Rasa's own `register`
(as `rasa run` does) without loading a model: a small function plays the bot
where Rasa's agent would be."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from assistant_server import free_port
from rasa.core.channels.channel import register
from sanic import Sanic


@contextmanager
def serving(channels: list[Any], on_new_message: Any) -> Iterator[str]:
    """The channels on a real Sanic server in a thread; yields its base URL."""
    Sanic.test_mode = True  # lets several apps start in one process (as sanic-testing does)
    app = Sanic(f"channels_{uuid.uuid4().hex}")
    app.ctx.agent = SimpleNamespace(handle_message=on_new_message)  # where Rasa's agent goes
    register(channels, app, route="/webhooks/")
    port = free_port()
    loop = asyncio.new_event_loop()
    ready, stopped = threading.Event(), asyncio.Event()

    async def main() -> None:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()
        await server.after_start()
        ready.set()
        await stopped.wait()
        await server.before_stop()
        await server.close()
        await server.after_stop()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert ready.wait(20), "the Sanic server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(stopped.set)
        thread.join(20)
