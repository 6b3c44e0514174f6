"""Rasa's REST channel, hardened for a public chat widget.

Same URL and reply format as the built-in channel (/webhooks/rest/webhook), but:
- only JSON bodies (Content-Type application/json, else 415): a browser must
  then ask first (CORS preflight), so another website cannot post messages;
- a malformed request gets a 400 with a reason, never a 500;
- the sender id must be a long, printable, non-guessable id (the widget sends a
  random UUID): anyone who knows an id can read on in that conversation;
- unpaired surrogates are dropped from the message, and no metadata is passed
  on (the widget sends none, and Rasa stores whatever it gets);
- empty and over-long messages get a clear reply without reaching the model;
- every accepted message gets at least one reply, and a failure notice when the
  bot fails part-way;
- message text is never logged (the built-in channel logs it on errors).
The server-wide settings (request size limit, GET /, security headers) are in
channels/server.py.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.headers import parse_content_header
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import action_server, replies
from channels.inbound import MAX_JSON_DEPTH, json_object, readable_text
from channels.server import harden_server_on_start

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MIN_SENDER_CHARS = 12
MAX_SENDER_CHARS = 128
# Visible ASCII only: no spaces, control characters, lookalikes or surrogates
# (a lone surrogate in a sender id stops Rasa's SQL tracker store).
SENDER_CHARS = re.compile(r"[!-~]+")
# Ids such as "aaaaaaaaaaaa" or "123412341234" are long enough but guessable;
# a random UUID has 16 different characters, the scorer's "eval-1a2b3c4d-d001" 13.
MIN_DISTINCT_SENDER_CHARS = 8
# Refused before parsing: a chat message is far smaller, and parsing a huge
# body would hold up every conversation.
MAX_BODY_BYTES = 256 * 1024
# Conversation ids of the messaging channels (channels/messaging/pseudonyms.py): the REST
# channel must not be a way into a messaging patient's conversation.
MESSAGING_SENDER = re.compile(r"^(telegram|twilio|facebook|slack)-", re.IGNORECASE)


class BadRequest(ValueError):
    """The request cannot be a chat message; the reason is safe to show."""


def sender_problem(sender: Any) -> str | None:
    """Why this cannot be a sender id, or None if it can."""
    if not isinstance(sender, str):
        return '"sender" must be a string'
    if not MIN_SENDER_CHARS <= len(sender) <= MAX_SENDER_CHARS:
        return f'"sender" must be {MIN_SENDER_CHARS} to {MAX_SENDER_CHARS} characters'
    if not SENDER_CHARS.fullmatch(sender):
        return '"sender" must be printable ASCII without spaces'
    if len(set(sender)) < MIN_DISTINCT_SENDER_CHARS:
        return '"sender" must be a random id (the widget sends a UUID)'
    if MESSAGING_SENDER.match(sender):
        return 'this "sender" is reserved for the messaging apps'
    return None


def is_json(request: Request) -> bool:
    media_type, _ = parse_content_header(request.headers.get("content-type", ""))
    return media_type.strip().lower() == "application/json"


def parse_message_request(request: Request) -> tuple[str, str]:
    """Sender and text of a REST chat request (its Content-Type checked before)."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise BadRequest(f"the body must be at most {MAX_BODY_BYTES} bytes")
    body = json_object(request.body or b"")
    if body is None:
        raise BadRequest(
            'the body must be a JSON object, {"sender": ..., "message": ...}, '
            f"nested at most {MAX_JSON_DEPTH} levels"
        )
    sender, text = body.get("sender"), body.get("message")
    problem = sender_problem(sender)
    if problem:
        raise BadRequest(problem)
    if not isinstance(text, str):
        raise BadRequest('"message" must be a string')
    # "metadata" is not passed on: the widget sends none (widget/igrt-chat.js).
    return sender, readable_text(text)


def text_reply(sender: str, text: str) -> HTTPResponse:
    return response.json([{"recipient_id": sender, "text": text}])


def error(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def sender_id_key() -> str:
    """The key of the senders' pseudonyms (SENDER_ID_KEY, kept by scripts/run.sh).

    Without it (a test, a bare `rasa run`) a key for this process only: ids
    are still never stored in clear, but a conversation ends with the process.
    """
    key = os.environ.get("SENDER_ID_KEY")
    if not key:
        logger.warning("SENDER_ID_KEY is not set: conversations will not survive a restart")
        key = secrets.token_hex(32)
    return key


def pseudonym(key: str, sender: str) -> str:
    """What the tracker store keeps instead of the id the browser chose."""
    digest = hmac.new(key.encode("utf-8"), sender.encode("utf-8"), hashlib.sha256)
    return f"web-{digest.hexdigest()[:32]}"


class PatientRestInput(RestInput):
    # name() stays RestInput's "rest": the same /webhooks/rest/webhook URL.

    def __init__(self) -> None:
        super().__init__()
        replies.channel_texts()  # a missing reply text stops the start, not a patient
        self._sender_key = sender_id_key()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("patient_rest_webhook", __name__)
        harden_server_on_start(webhook)
        action_server.install()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not is_json(request):
                return error("the body must be sent as Content-Type: application/json", 415)
            try:
                sender, text = parse_message_request(request)
            except BadRequest as bad:
                return error(str(bad))
            if not text.strip():
                return text_reply(sender, replies.empty_message())
            if len(text) > MAX_MESSAGE_CHARS:
                return text_reply(sender, replies.too_long())
            return await self.answer(on_new_message, sender, text)

        return webhook

    async def answer(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str, text: str
    ) -> HTTPResponse:
        """The bot's replies, and a failure notice if it failed or said nothing.

        The conversation is stored under a keyed pseudonym of the sender id;
        the client sees its own id back.
        """
        collector = CollectingOutputChannel()
        failed = False
        conversation = pseudonym(self._sender_key, sender)
        try:
            with action_server.watching_actions() as failed_actions:
                await on_new_message(
                    UserMessage(text, collector, conversation, input_channel=self.name())
                )
            failed = bool(failed_actions)
        except Exception as exception:  # the patient still gets an answer
            logger.error("Handling a REST message failed: %s", type(exception).__name__)
            failed = True
        if failed or not collector.messages:
            await collector.send_text_message(sender, replies.failure())
        return response.json(
            [{**message, "recipient_id": sender} for message in collector.messages]
        )
