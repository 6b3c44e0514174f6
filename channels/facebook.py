"""Facebook Messenger channel: /webhooks/facebook/webhook.

Unlike Rasa's built-in channel, requests are checked with X-Hub-Signature-256
(HMAC-SHA256, constant-time compare) instead of SHA-1 with `==`, the delivery
is acknowledged at once and answered in the background, every event of a
batched delivery is handled (not only the first), attachments get a clear
reply instead of their URL being sent to the model, and buttons become quick
replies (numbered, when their titles are too long for Messenger).
Settings: docs/messaging.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field, SecretStr, validator
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.inbound import json_object
from channels.messaging.http import PlatformApi
from channels.messaging.input import MessagingInput
from channels.messaging.options import Option
from channels.messaging.output import MessagingOutput
from channels.messaging.pseudonyms import conversation_id, platform_id_valid
from channels.messaging.settings import ChannelSettings, checked_api_url
from channels.messaging.signatures import secret_matches
from channels.messaging.webhooks import bad_request, forbidden

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
API_VERSION_PATTERN = re.compile(r"v\d+\.\d+")

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_QUICK_REPLY_PAYLOAD = 1000


class FacebookSettings(ChannelSettings):
    page_access_token: SecretStr = Field(..., env="FACEBOOK_PAGE_ACCESS_TOKEN")
    app_secret: SecretStr = Field(..., env="FACEBOOK_APP_SECRET")
    verify_token: SecretStr = Field(..., env="FACEBOOK_VERIFY_TOKEN")
    graph_api_url: str = Field(DEFAULT_API_URL, env="FACEBOOK_GRAPH_API_URL")
    graph_api_version: str = Field(DEFAULT_API_VERSION, env="FACEBOOK_GRAPH_API_VERSION")

    _api_url = validator("graph_api_url", allow_reuse=True)(checked_api_url)

    @validator("graph_api_version")
    def version_like_v21(cls, value: str) -> str:
        if not API_VERSION_PATTERN.fullmatch(value):
            raise ValueError("must be a Graph API version such as v21.0")
        return value


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return secret_matches(f"sha256={digest}", header)


def quick_replies(titles_and_payloads: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"content_type": "text", "title": title, "payload": payload}
        for title, payload in titles_and_payloads
    ]


class MessengerOutput(MessagingOutput):
    channel = "facebook"
    limit = MAX_TEXT

    def __init__(
        self, api: PlatformApi, send_url: str, auth_params: dict[str, str], psid: str
    ) -> None:
        super().__init__()
        self._api = api
        self._url = send_url
        self._auth_params = auth_params
        self._psid = psid

    def native_buttons(self, options: list[Option]) -> Any | None:
        if len(options) > MAX_QUICK_REPLIES or any(
            len(option.title) > MAX_QUICK_REPLY_TITLE
            or len(option.payload) > MAX_QUICK_REPLY_PAYLOAD
            for option in options
        ):
            return None  # numbered options instead
        return quick_replies([(option.title, option.payload) for option in options])

    def numbered_extra(self, options: list[Option], start: int) -> Any | None:
        """Quick replies labelled with the numbers of the numbered list."""
        if len(options) > MAX_QUICK_REPLIES or any(
            len(option.payload) > MAX_QUICK_REPLY_PAYLOAD for option in options
        ):
            return None
        return quick_replies(
            [(str(start + index), option.payload) for index, option in enumerate(options)]
        )

    async def deliver(self, text: str, extra: Any | None) -> None:
        message: dict[str, Any] = {"text": text}
        if extra is not None:
            message["quick_replies"] = extra
        await self._api.post(
            "Messenger send message",
            self._url,
            json_body={
                "recipient": {"id": self._psid},
                "messaging_type": "RESPONSE",
                "message": message,
            },
            params=self._auth_params,
        )


@dataclass(frozen=True)
class MessengerEvent:
    psid: str
    text: str | None  # None: an attachment (image, sticker, audio, location, ...)
    delivery_id: str


def parse_event(event: Any) -> MessengerEvent | None:
    """The patient's message in one `messaging` event; None for events to
    ignore (echoes of our own messages, delivery and read receipts, ...)."""
    if not isinstance(event, dict):
        return None
    sender = event.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    if not platform_id_valid(psid):
        return None
    timestamp = str(event.get("timestamp", ""))

    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        mid = message.get("mid")
        delivery_id = f"mid:{mid}" if isinstance(mid, str) and mid else f"t:{psid}:{timestamp}"
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
            return MessengerEvent(psid, quick_reply["payload"], delivery_id)
        text = message.get("text")
        if isinstance(text, str):
            return MessengerEvent(psid, text, delivery_id)
        if message.get("attachments") or message.get("sticker_id"):
            return MessengerEvent(psid, None, delivery_id)
        return MessengerEvent(psid, "", delivery_id)

    postback = event.get("postback")
    if isinstance(postback, dict):
        mid = postback.get("mid")
        delivery_id = f"mid:{mid}" if isinstance(mid, str) and mid else f"p:{psid}:{timestamp}"
        payload = postback.get("payload")
        return MessengerEvent(psid, payload if isinstance(payload, str) else "", delivery_id)
    return None


class SecureFacebookInput(MessagingInput[FacebookSettings]):
    channel = "facebook"
    settings_class: ClassVar[type[ChannelSettings]] = FacebookSettings

    def configure(self, settings: FacebookSettings) -> None:
        page_token = settings.page_access_token.get_secret_value()
        self.app_secret = settings.app_secret.get_secret_value()
        self.verify_token = settings.verify_token.get_secret_value()
        self.send_url = f"{settings.graph_api_url}/{settings.graph_api_version}/me/messages"
        # appsecret_proof: Meta can then refuse the page token without the app secret.
        self.auth_params = {
            "access_token": page_token,
            "appsecret_proof": hmac.new(
                self.app_secret.encode("utf-8"), page_token.encode("utf-8"), hashlib.sha256
            ).hexdigest(),
        }

    def pseudonym_secret(self) -> str:
        return self.app_secret

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/webhook", methods=["GET"])
        async def subscribe(request: Request) -> HTTPResponse:
            """Meta's one-time check when the webhook is registered."""
            given = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            if request.args.get("hub.mode") == "subscribe" and secret_matches(
                self.verify_token, given
            ):
                return response.text(challenge)
            logger.warning("facebook: rejected a webhook verification with a wrong token")
            return forbidden()

    async def handle(self, request: Request) -> HTTPResponse:
        if not signature_valid(
            self.app_secret, request.body, request.headers.get("X-Hub-Signature-256")
        ):
            logger.warning("facebook: rejected a request without a valid signature")
            return forbidden()
        body = json_object(request.body)
        if body is None or not isinstance(body.get("entry"), list):
            return bad_request("expected a Messenger webhook event")
        if body.get("object") != "page":
            return response.text("EVENT_RECEIVED")
        for entry in body["entry"]:
            events = entry.get("messaging") if isinstance(entry, dict) else None
            for raw_event in events if isinstance(events, list) else []:
                event = parse_event(raw_event)
                if event is None or await self.deliveries.is_repeat(event.delivery_id):
                    continue
                self.start_turn(
                    conversation_id(self.app_secret, self.channel, event.psid),
                    event.text,
                    MessengerOutput(self.api, self.send_url, self.auth_params, event.psid),
                )
        return response.text("EVENT_RECEIVED")
