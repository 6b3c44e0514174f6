"""Safety does not depend on the action server: down, slow or crashing, the
first message still gets the disclaimer, an urgent one the emergency guidance
at once, and an answer that needed an action the failure notice (with its
emergency line), never "I don't know"."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from assistant_server import RunningAssistant, assistant_running

ACTION_TIMEOUT_SECONDS = 2
SLOW_ACTION_SECONDS = 20
DISCLAIMER = "this is general information, not medical advice"
EMERGENCY = "call 911 or go to the nearest emergency room now"
FAILURE = "something went wrong on our side"


class FaultyActionServer(BaseHTTPRequestHandler):
    """Answers /webhook the way the test sets: 500, or only after a long wait."""

    mode = "crash"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(SLOW_ACTION_SECONDS)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


class FaultyActions:
    """The stand-in action server on one port: answering badly, or gone."""

    def __init__(self) -> None:
        self.server = self._serve(0)
        self.port = self.server.server_address[1]

    @staticmethod
    def _serve(port: int) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", port), FaultyActionServer)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def stop(self) -> None:
        """Nothing listens on the port any more: connections are refused."""
        self.server.shutdown()
        self.server.server_close()

    @contextmanager
    def gone(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.server = self._serve(self.port)


@pytest.fixture(scope="module")
def faulty_actions() -> Iterator[FaultyActions]:
    actions = FaultyActions()
    yield actions
    actions.stop()


@pytest.fixture(scope="module")
def assistant_with_faulty_actions(
    faulty_actions: FaultyActions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    url = f"http://127.0.0.1:{faulty_actions.port}/webhook"
    with assistant_running(
        tmp_path_factory.mktemp("faulty"),
        action_endpoint_url=url,
        extra_env={"ACTION_TIMEOUT_SECONDS": str(ACTION_TIMEOUT_SECONDS)},
    ) as running:
        yield running


def reply(assistant: RunningAssistant, message: str) -> str:
    said = assistant.say(f"faults-{uuid.uuid4()}", message)
    return " ".join(m.get("text", "") for m in said).lower()


@pytest.mark.parametrize("mode", ["crash", "slow"])
def test_an_urgent_first_message_gets_guidance_then_the_disclaimer_at_once(
    assistant_with_faulty_actions: RunningAssistant, mode: str
) -> None:
    FaultyActionServer.mode = mode
    started = time.monotonic()
    text = reply(assistant_with_faulty_actions, "I can't breathe")
    assert time.monotonic() - started < ACTION_TIMEOUT_SECONDS
    assert text.index(EMERGENCY) < text.index(DISCLAIMER)


@pytest.mark.parametrize("mode", ["crash", "slow"])
def test_an_answer_that_needs_an_action_gets_the_failure_notice(
    assistant_with_faulty_actions: RunningAssistant, mode: str
) -> None:
    FaultyActionServer.mode = mode
    started = time.monotonic()
    text = reply(
        assistant_with_faulty_actions, "what side effects will radiation to my prostate cause"
    )
    assert time.monotonic() - started < ACTION_TIMEOUT_SECONDS + 5
    assert DISCLAIMER in text
    assert FAILURE in text and "in an emergency, call 911" in text
    assert "i don't know" not in text


def test_with_the_action_server_gone_urgent_messages_still_get_guidance(
    assistant_with_faulty_actions: RunningAssistant, faulty_actions: FaultyActions
) -> None:
    with faulty_actions.gone():
        for message in ["I can't breathe", "my husband collapsed and won't wake up"]:
            text = reply(assistant_with_faulty_actions, message)
            assert text.index(EMERGENCY) < text.index(DISCLAIMER), message
        text = reply(assistant_with_faulty_actions, "hello")
        assert DISCLAIMER in text and "what would you like to know about igrt" in text
        text = reply(assistant_with_faulty_actions, "what will radiation to my chest do to me")
        assert FAILURE in text and "in an emergency, call 911" in text
