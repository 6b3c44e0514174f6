"""The REST channel (channels/rest.py) and the server settings every channel
brings (channels/server.py), on an in-process server built by Rasa's own
`configure_app` (tests/messaging/in_process.py). The bot stores each message in
Rasa's real SQL tracker store, so what would break the real server breaks it."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import rasa
import requests
from messaging.in_process import StoringBot, serving
from rasa.core.channels.channel import UserMessage

from channels import replies
from channels.rest import PatientRestInput, pseudonym

CLINIC = "https://clinic.example.org"
QUESTION = "what is igrt"


@dataclass
class Rest:
    url: str
    bot: StoringBot

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def post(self, body: bytes, content_type: str = "application/json") -> requests.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return requests.post(self.webhook, data=body, headers=headers, timeout=10)

    def say(self, sender: str, text: str) -> requests.Response:
        return requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=10)

    def still_answers(self) -> None:
        assert self.bot.failures == [], "a message reached the tracker store and broke it"
        reply = self.say(new_sender(), QUESTION)
        assert reply.status_code == 200
        assert reply.json()[-1]["text"] == f"answer: {QUESTION}"


def new_sender() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rest]:
    bot = StoringBot(tmp_path_factory.mktemp("rest") / "trackers.db")
    with serving([PatientRestInput()], bot, cors=[CLINIC]) as url:
        yield Rest(url, bot)


# --- 1. sender ids ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender_json",
    [
        r'"\udc80"',  # a lone surrogate, as the probe sent it
        r'"\udc80\udc80\udc80\udc80-1a2b3c4d-d001"',
        '"short-id"',
        '"aaaaaaaaaaaaaaaa"',  # long enough, guessable
        '"123412341234"',
        '"has spaces 1a2b3c4d"',
        r'"tab\t1a2b3c4d5e6f"',
        r'"nul\u00001a2b3c4d5e6f"',
        r'"caf\u00e9-1a2b3c4d-d001"',
        '"' + "0123456789abcdef" * 9 + '"',  # 144 characters
        "123456789012345",
        "null",
        '"twilio-0123abcdef456"',
    ],
)
def test_a_bad_sender_id_is_refused_with_a_reason(rest: Rest, sender_json: str) -> None:
    received = len(rest.bot.received)
    reply = rest.post(f'{{"sender": {sender_json}, "message": "hi"}}'.encode())
    assert reply.status_code == 400
    assert '"sender"' in reply.json()["error"]
    assert len(rest.bot.received) == received
    rest.still_answers()


@pytest.mark.parametrize(
    "sender",
    [str(uuid.uuid4()), "eval-1a2b3c4d-d001", uuid.uuid4().hex],
    ids=["widget uuid", "scorer id", "uuid hex"],
)
def test_the_widgets_and_the_scorers_ids_are_accepted(rest: Rest, sender: str) -> None:
    reply = rest.say(sender, QUESTION)
    assert reply.status_code == 200
    assert reply.json() == [{"recipient_id": sender, "text": f"answer: {QUESTION}"}]


# --- 2. message text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message_json", "passed_on"),
    [
        (r'"what is igrt\udc80"', QUESTION),
        (r'"\ud800what is igrt"', QUESTION),
        (r'"what is igrt \ud83d\ude00"', "what is igrt \U0001f600"),  # a pair is a character
    ],
)
def test_lone_surrogates_are_dropped_before_the_message_reaches_rasa(
    rest: Rest, message_json: str, passed_on: str
) -> None:
    sender = new_sender()
    reply = rest.post(f'{{"sender": "{sender}", "message": {message_json}}}'.encode())
    assert reply.status_code == 200
    assert reply.json() == [{"recipient_id": sender, "text": f"answer: {passed_on}"}]
    assert rest.bot.texts()[-1] == passed_on


def test_a_message_of_surrogates_only_gets_the_empty_message_prompt(rest: Rest) -> None:
    sender = new_sender()
    reply = rest.post(f'{{"sender": "{sender}", "message": "\\udc80\\ud800"}}'.encode())
    assert reply.json() == [{"recipient_id": sender, "text": replies.empty_message()}]


def test_a_100_kb_message_gets_the_too_long_reply(rest: Rest) -> None:
    reply = rest.say(new_sender(), "why " * 25_000)
    assert reply.status_code == 200
    assert reply.json()[0]["text"] == replies.too_long()
    assert "too long" in replies.too_long() and "2000 characters" in replies.too_long()


def test_a_bot_failing_part_way_still_sends_the_failure_notice() -> None:
    async def disclaimer_then_crash(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Disclaimer.")
        raise RuntimeError("the model broke")

    with serving([PatientRestInput()], disclaimer_then_crash) as url:
        reply = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": new_sender(), "message": QUESTION},
            timeout=10,
        )
    assert [message["text"] for message in reply.json()] == ["Disclaimer.", replies.failure()]


# --- 3. deep nesting -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 900, 20_000])
def test_a_deeply_nested_body_is_refused(rest: Rest, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = f'{{"sender": "{new_sender()}", "message": "hi", "metadata": {nested}}}'
    reply = rest.post(body.encode())
    assert reply.status_code == 400
    assert "nested" in reply.json()["error"]
    rest.still_answers()


# --- 4. metadata ------------------------------------------------------------------------------


def test_metadata_is_not_passed_on(rest: Rest) -> None:
    # The widget sends none (widget/igrt-chat.js); Rasa would store all of it.
    metadata = {"note": "x" * 100_000, "nested": {"a": [1, 2, {"b": "c"}]}}
    body = {"sender": new_sender(), "message": QUESTION, "metadata": metadata}
    assert rest.post(json.dumps(body).encode()).status_code == 200
    assert rest.bot.received[-1].metadata is None


# --- 5. JSON only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/jsonp", ""],
)  # fmt: skip
def test_only_json_bodies_are_read(rest: Rest, content_type: str) -> None:
    received = len(rest.bot.received)
    body = json.dumps({"sender": new_sender(), "message": QUESTION}).encode()
    reply = rest.post(body, content_type=content_type)
    assert reply.status_code == 415
    assert "application/json" in reply.json()["error"]
    assert len(rest.bot.received) == received


def test_json_with_a_charset_is_read(rest: Rest) -> None:
    body = json.dumps({"sender": new_sender(), "message": QUESTION}).encode()
    assert rest.post(body, content_type="Application/JSON; charset=utf-8").status_code == 200


def test_a_post_from_another_website_is_not_processed(rest: Rest) -> None:
    """What a page elsewhere can send without a CORS preflight: a text/plain form."""
    received = len(rest.bot.received)
    body = json.dumps({"sender": new_sender(), "message": QUESTION}).encode()
    reply = requests.post(
        rest.webhook,
        data=body,
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
        timeout=10,
    )
    assert reply.status_code == 415
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert len(rest.bot.received) == received


def test_the_clinic_page_may_send_json(rest: Rest) -> None:
    preflight = requests.options(
        rest.webhook,
        headers={
            "Origin": CLINIC,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == CLINIC


# --- 6. what the server tells about itself -----------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_root_does_not_tell_the_rasa_version(rest: Rest, method: str) -> None:
    reply = requests.request(method, f"{rest.url}/", timeout=10)
    assert reply.status_code == 200
    said = (reply.text + json.dumps(dict(reply.headers))).lower()
    assert "rasa" not in said and rasa.__version__ not in said and "sanic" not in said


def test_rest_responses_carry_security_headers(rest: Rest) -> None:
    sender = new_sender()
    answers = [
        rest.say(sender, QUESTION),  # 200
        rest.say(sender, ""),  # 200, the channel's own reply
        rest.post(b"{not json"),  # 400
        rest.post(b"{}", content_type="text/plain"),  # 415
        requests.get(f"{rest.url}/webhooks/rest/", timeout=10),  # health
        requests.get(f"{rest.url}/", timeout=10),
    ]
    for reply in answers:
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        csp = reply.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


# --- 7. request size ----------------------------------------------------------------------------


def test_a_99_mb_body_is_refused_before_it_is_sent(rest: Rest) -> None:
    """Sanic's default limit is 100 MB, read into memory; ours answers 413 from
    the Content-Length alone, without waiting for a byte of the body."""
    address = urlsplit(rest.url)
    head = (
        "POST /webhooks/rest/webhook HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {99_000_000}\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(head.encode())
        status_line = connection.recv(1024).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413 ")
    rest.still_answers()


def test_a_body_over_the_channels_limit_gets_a_reason(rest: Rest) -> None:
    body = json.dumps({"sender": new_sender(), "message": "x" * 300_000}).encode()
    reply = rest.post(body)
    assert reply.status_code == 400
    assert "at most" in reply.json()["error"]


# --- the sender id is stored as a keyed pseudonym ------------------------------------------


def test_the_stored_conversation_id_is_a_pseudonym_of_the_sender(rest: Rest) -> None:
    sender = f"patient-chosen-{uuid.uuid4()}"
    for _ in range(2):
        assert rest.say(sender, QUESTION).json()[-1]["recipient_id"] == sender
    stored = [m.sender_id for m in rest.bot.received[-2:]]
    assert stored[0] == stored[1], "the same sender keeps one conversation"
    assert stored[0].startswith("web-") and sender not in stored[0]
    rows = rest.bot.store.engine.execute("SELECT DISTINCT sender_id FROM events").fetchall()
    assert all(sender not in row[0] for row in rows)


def test_pseudonyms_depend_on_the_key() -> None:
    assert pseudonym("key-a", "same-sender-id") != pseudonym("key-b", "same-sender-id")
    assert pseudonym("key-a", "same-sender-id") == pseudonym("key-a", "same-sender-id")
