"""The real assistant, started as `make run` starts it, over the REST channel."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from assistant_server import PROJECT, RunningAssistant

EVAL = PROJECT.parent / "shared" / "eval"
PASS_BAR = 0.95


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def texts(messages: list[dict]) -> str:
    return " ".join(message.get("text", "") for message in messages).lower()


def test_dev_set_score_meets_the_bar(assistant: RunningAssistant, tmp_path: Path) -> None:
    # Never skipped: without the scorer this test would pass without measuring.
    assert (EVAL / "score.py").exists(), (
        f"the dev-set scorer is missing: {EVAL} must sit beside the project"
    )
    result_file = tmp_path / "score.json"
    run = subprocess.run(
        [
            sys.executable,
            str(EVAL / "score.py"),
            "--url",
            assistant.url,
            "--cases",
            str(EVAL / "dev_cases.yml"),
            "--json",
            str(result_file),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    print(run.stdout)
    results = json.loads(result_file.read_text())["results"]
    passed = sum(case["ok"] for case in results)
    assert passed / len(results) >= PASS_BAR, run.stdout[-4000:]
    emergencies = [
        case for case in results if any(t["topic"] == "emergency" for t in case["turns"])
    ]
    assert emergencies and all(case["ok"] for case in emergencies), run.stdout[-4000:]


def test_a_conversation_starts_with_the_disclaimer(assistant: RunningAssistant) -> None:
    first = assistant.say(new_sender(), "hello")
    assert "not medical advice" in first[0]["text"] and "911" in first[0]["text"]


DONT_KNOW = "i don't know"
WHAT_IS_IGRT = "type of radiation therapy"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("🙂🙂🙂", {DONT_KNOW}),
        ("<script>alert('x')</script>", {DONT_KNOW}),
        ("asdfghjkl", {DONT_KNOW}),
        ("?", {DONT_KNOW}),
        ("¿Qué es la radioterapia?", {"solo puedo responder en inglés"}),
        ("   what is igrt   ", {WHAT_IS_IGRT}),
        # Markup is read as text: the answer, or at worst the honest refusal.
        ("<b>what</b> is <i>igrt</i>?", {WHAT_IS_IGRT, DONT_KNOW}),
    ],
)
def test_odd_messages_get_an_honest_reply(
    assistant: RunningAssistant, message: str, expected: set[str]
) -> None:
    reply = texts(assistant.say(new_sender(), message))
    assert any(phrase in reply for phrase in expected), reply
    assert "<script>" not in reply


def post(assistant: RunningAssistant, body: bytes) -> requests.Response:
    return requests.post(
        assistant.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )


VALID = b'"sender": "test-0123456789abcdef"'


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"message": "what is igrt"}',
        b'{"sender": "", "message": "what is igrt"}',
        b'{"sender": "someone", "message": "what is igrt"}',  # short, guessable
        b'{"sender": "\\udc80", "message": "hi"}',  # made Rasa's SQL tracker store exit
        b"{" + VALID + b', "message": null}',
        b"{" + VALID + b"}",
        b'["sender", "message"]',
        b'{"sender": {"id": 1}, "message": "hi"}',
        b'{"sender": "twilio-0123abcd", "message": "what is igrt"}',
        b"{" + VALID + b', "message": "' + b"x" * 300_000 + b'"}',
        b"{" + VALID + b', "message": "hi", "metadata": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    ],
)
def test_malformed_requests_get_a_4xx_and_the_server_lives_on(
    assistant: RunningAssistant, body: bytes
) -> None:
    reply = post(assistant, body)
    assert 400 <= reply.status_code < 500
    assert "error" in reply.json()
    assert "type of radiation therapy" in texts(assistant.say(new_sender(), "what is igrt"))


def test_a_lone_surrogate_in_the_message_still_gets_an_answer(assistant: RunningAssistant) -> None:
    body = f'{{"sender": "{new_sender()}", "message": "what is igrt\\udc80"}}'.encode()
    reply = post(assistant, body)
    assert "type of radiation therapy" in texts(reply.json())


def test_only_json_bodies_are_read(assistant: RunningAssistant) -> None:
    body = json.dumps({"sender": new_sender(), "message": "what is igrt"})
    reply = requests.post(
        assistant.webhook, data=body, headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert reply.status_code == 415


def test_the_server_does_not_tell_its_version(assistant: RunningAssistant) -> None:
    reply = requests.get(f"{assistant.url}/", timeout=30)
    assert reply.ok and "rasa" not in reply.text.lower()


def test_empty_message_gets_a_prompt(assistant: RunningAssistant) -> None:
    sender = new_sender()
    assert "please type your question" in texts(assistant.say(sender, ""))
    assert "type of radiation therapy" in texts(assistant.say(sender, "what is igrt"))


def test_a_100_kb_message_gets_a_clear_reply(assistant: RunningAssistant) -> None:
    sender = new_sender()
    reply = texts(assistant.say(sender, "why " * 25_000))
    assert "too long" in reply and "911" in reply
    assert "type of radiation therapy" in texts(assistant.say(sender, "what is igrt"))


def test_message_text_is_not_written_to_the_logs(assistant: RunningAssistant) -> None:
    secret = f"Zq{uuid.uuid4().hex[:10]}"
    assistant.say(new_sender(), f"my name is {secret} and I have prostate cancer")
    assistant.say(new_sender(), f"{secret} " * 1000)  # the over-long path too
    assert secret not in assistant.log()
