"""Rasa's REST channel, hardened for a public chat widget.

Same URL and reply format as the built-in channel (/webhooks/rest/webhook), but:
- a malformed request gets a 400 with a reason, never a 500;
- empty and over-long messages get a clear reply without reaching the model;
- every accepted message gets at least one reply, even when the bot fails;
- message text is never logged (the built-in channel logs it on errors).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# Refused before parsing: a chat message is far smaller, and parsing a huge
# body would hold up every conversation.
MAX_BODY_BYTES = 256 * 1024
# Conversation ids of the messaging channels (channels/messaging.py): the REST
# channel must not be a way into a messaging patient's conversation.
MESSAGING_SENDER = re.compile(r"^(telegram|twilio|facebook|slack)-", re.IGNORECASE)

EMPTY_MESSAGE_REPLY = "Please type your question about IGRT."
TOO_LONG_REPLY = (
    f"That message is too long for me (over {MAX_MESSAGE_CHARS} characters). "
    "Please ask one short question. In an emergency, call 911."
)
FAILURE_REPLY = (
    "Sorry, something went wrong on our side. Please try again in a moment. "
    "In an emergency, call 911."
)


class BadRequest(ValueError):
    """The request cannot be a chat message; the reason is safe to show."""


def parse_message_request(request: Request) -> tuple[str, str, dict[str, Any] | None]:
    """Sender, text and metadata of a REST chat request."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise BadRequest(f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = request.json
    except Exception as error:  # Sanic raises its own InvalidUsage on bad JSON
        raise BadRequest("the body must be JSON") from error
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"sender": ..., "message": ...}')
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest('"sender" must be a non-empty string')
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f'"sender" must be at most {MAX_SENDER_CHARS} characters')
    if MESSAGING_SENDER.match(sender):
        raise BadRequest('this "sender" is reserved for the messaging apps')
    if not isinstance(text, str):
        raise BadRequest('"message" must be a string')
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest('"metadata" must be a JSON object')
    return sender, text, metadata


def text_reply(sender: str, text: str) -> HTTPResponse:
    return response.json([{"recipient_id": sender, "text": text}])


class PatientRestInput(RestInput):
    # name() stays RestInput's "rest": the same /webhooks/rest/webhook URL.

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("patient_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_message_request(request)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            if not text.strip():
                return text_reply(sender, EMPTY_MESSAGE_REPLY)
            if len(text) > MAX_MESSAGE_CHARS:
                return text_reply(sender, TOO_LONG_REPLY)

            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except Exception as error:  # the patient still gets an answer
                logger.error("Handling a REST message failed: %s", type(error).__name__)
            if not collector.messages:
                return text_reply(sender, FAILURE_REPLY)
            return response.json(collector.messages)

        return webhook
