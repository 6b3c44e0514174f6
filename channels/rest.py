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
- message text is never logged (the built-in channel logs it on errors);
- a retried message is not a second turn: the widget sends a random
  `message_id` with each message, and the same id again gets the same replies
  from stores/reply_cache.py (Redis in a cluster) without running the turn.
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
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.headers import parse_content_header
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import action_server, replies
from channels.inbound import MAX_JSON_DEPTH, json_object, readable_text
from channels.server import harden_server_on_start
from stores import reply_cache
from stores.reply_cache import Claim, ReplyCacheUnavailable, message_key

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
# The widget's message ids are UUIDs; any random visible-ASCII id will do.
MESSAGE_ID = re.compile(r"[!-~]{8,128}")
# How long a retry waits for the first attempt's replies: under the widget's
# 30 s timeout, so the patient gets "try again" rather than a timeout.
RETRY_WAIT_SECONDS = 25.0


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


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    text: str
    # None for clients that send none (curl, older widgets): no retry detection.
    message_id: str | None = None


def message_id_of(body: dict[str, Any]) -> str | None:
    message_id = body.get("message_id")
    if message_id is None:
        return None
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        raise BadRequest('"message_id" must be 8 to 128 printable ASCII characters')
    return message_id


def parse_message_request(request: Request) -> ChatRequest:
    """Sender, text and message id of a REST chat request (its Content-Type
    checked before)."""
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
    return ChatRequest(sender, readable_text(text), message_id_of(body))


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


def addressed(messages: list[dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    """The replies as the client sees them: to its own id, not the pseudonym."""
    return [{**message, "recipient_id": sender} for message in messages]


def unaddressed(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replies as cached: without any id (the cache holds no sender id)."""
    return [{k: v for k, v in message.items() if k != "recipient_id"} for message in messages]


def replies_after(events: list[Any], message_id: str) -> list[dict[str, Any]] | None:
    """The bot's replies to the user message with this id, read from a
    conversation's events; None when the conversation has no such message."""
    found = False
    messages: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            extras = {name: value for name, value in (event.data or {}).items() if value}
            messages.append({"text": event.text, **extras})
    return messages if found else None


class PatientRestInput(RestInput):
    # name() stays RestInput's "rest": the same /webhooks/rest/webhook URL.

    def __init__(self) -> None:
        super().__init__()
        replies.channel_texts()  # a missing reply text stops the start, not a patient
        self._sender_key = sender_id_key()
        self._reply_cache = reply_cache.from_environment()

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
                chat = parse_message_request(request)
            except BadRequest as bad:
                return error(str(bad))
            if not chat.text.strip():
                return text_reply(chat.sender, replies.empty_message())
            if len(chat.text) > MAX_MESSAGE_CHARS:
                return text_reply(chat.sender, replies.too_long())
            agent = getattr(request.app.ctx, "agent", None)
            messages = await self.answer_once(on_new_message, agent, chat)
            return response.json(addressed(messages, chat.sender))

        return webhook

    async def answer_once(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any, chat: ChatRequest
    ) -> list[dict[str, Any]]:
        """The replies to a message, the turn run at most once per message id."""
        if chat.message_id is None:
            messages, _ = await self.answer(on_new_message, chat.sender, chat.text)
            return messages
        key = message_key(self._sender_key, chat.sender, chat.message_id)
        try:
            outcome = await self._reply_cache.claim_or_wait(key, RETRY_WAIT_SECONDS)
        except ReplyCacheUnavailable:
            # Redis also holds the conversation locks: without it, turns of one
            # conversation could run out of order on two replicas.
            return [{"text": replies.unavailable()}]
        if outcome is None:  # the first attempt is still running: try again later
            return [{"text": replies.failure()}]
        if outcome.replies is not None:
            return outcome.replies
        assert outcome.claim is not None
        with outcome.claim as claim:
            if outcome.took_over:
                # The claim's holder died: its turn may have been stored already.
                earlier = await self.stored_replies(agent, chat.sender, key)
                if earlier is not None:
                    await self.keep(claim, earlier, True)
                    return earlier
            messages, ran = await self.answer(on_new_message, chat.sender, chat.text, key)
            await self.keep(claim, messages, ran)
        return messages

    async def keep(self, claim: Claim, messages: list[dict[str, Any]], ran: bool) -> None:
        """Stores the replies of a turn that ran; frees the id of one that did not."""
        try:
            if ran:
                await claim.store(unaddressed(messages))
            else:
                await claim.release()
        except ReplyCacheUnavailable:
            pass  # logged; the claim expires, and the patient has the replies

    async def stored_replies(
        self, agent: Any, sender: str, key: str
    ) -> list[dict[str, Any]] | None:
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        try:
            tracker = await store.retrieve(pseudonym(self._sender_key, sender))
        except Exception as exception:  # the turn runs, and reports the failure
            logger.error("Reading a conversation back failed: %s", type(exception).__name__)
            return None
        return None if tracker is None else replies_after(list(tracker.events), key)

    async def answer(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        message_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """The bot's replies, and a failure notice if it failed or said nothing;
        and whether the turn ran (it raised nothing).

        The conversation is stored under a keyed pseudonym of the sender id,
        the user message under message_id (the reply cache's key) when given.
        """
        collector = CollectingOutputChannel()
        failed = ran = False
        conversation = pseudonym(self._sender_key, sender)
        message = UserMessage(
            text, collector, conversation, input_channel=self.name(), message_id=message_id
        )
        try:
            with action_server.watching_actions() as failed_actions:
                await on_new_message(message)
            failed, ran = bool(failed_actions), True
        except Exception as exception:  # the patient still gets an answer
            logger.error("Handling a REST message failed: %s", type(exception).__name__)
            failed = True
        if failed or not collector.messages:
            await collector.send_text_message(sender, replies.failure())
        return unaddressed(collector.messages), ran
