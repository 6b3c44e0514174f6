"""Twilio channel for SMS and WhatsApp: /webhooks/twilio/webhook.

Unlike Rasa's built-in channel, every request must carry a valid
X-Twilio-Signature, the webhook is answered at once with empty TwiML and the
replies go out through Twilio's REST API when the turn is done (Twilio stops
waiting after 15 seconds), one turn is one message (split at 1600 characters),
and buttons become numbered options that the patient answers with a number. A reply goes
out from the number the patient wrote to, so SMS and WhatsApp need no extra
settings. Settings: docs/messaging.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import (
    PUBLIC_BASE_URL_ENV,
    MessagingInput,
    MessagingOutput,
    bad_request,
    call_api,
    conversation_id,
    forbidden,
    form_params,
    plain_text,
    platform_id_valid,
    public_url,
    sms_text,
    twilio_signature_valid,
)

logger = logging.getLogger(__name__)

ACCOUNT_SID_ENV = "TWILIO_ACCOUNT_SID"
AUTH_TOKEN_ENV = "TWILIO_AUTH_TOKEN"
API_URL_ENV = "TWILIO_API_URL"
DEFAULT_API_URL = "https://api.twilio.com"

MAX_TEXT = 1600  # per Twilio message, SMS and WhatsApp
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio answers these itself on SMS (opt-out and help); a reply from us would
# be refused after STOP, or be a second answer.
SMS_KEYWORDS = {
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    "START", "UNSTOP", "YES", "HELP", "INFO",
}  # fmt: skip


class TwilioOutput(MessagingOutput):
    channel = "twilio"
    limit = MAX_TEXT
    buffered = True

    def __init__(
        self, api_url: str, account_sid: str, auth_token: str, to: str, from_: str
    ) -> None:
        super().__init__()
        self._url = f"{api_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self._to, self._from = to, from_

    def prepare(self, text: str) -> str:
        text = plain_text(text)
        return text if is_whatsapp(self._to) else sms_text(text)

    async def deliver(self, text: str, extra: Any | None) -> None:
        await call_api(
            "Twilio send message",
            self._url,
            form={"To": self._to, "From": self._from, "Body": text},
            auth=self._auth,
        )


def is_whatsapp(address: str) -> bool:
    return address.startswith("whatsapp:")


@dataclass(frozen=True)
class TwilioMessage:
    sid: str
    sender: str  # "+1555..." or "whatsapp:+1555..."
    our_number: str
    text: str | None  # None: media or location without text


def parse_message(fields: dict[str, str]) -> TwilioMessage | None:
    """The incoming message; None if the request is not one (e.g. a status
    callback). Raises ValueError when a message lacks its required fields."""
    status = fields.get("SmsStatus") or fields.get("MessageStatus")
    if status and status != "received":
        return None
    sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or fields.get("SmsSid")
    sender, our_number = fields.get("From"), fields.get("To")
    if not all(platform_id_valid(value) for value in (sid, sender, our_number)):
        raise ValueError("expected MessageSid, From and To")
    body = fields.get("Body", "")
    has_media = fields.get("NumMedia", "0").strip() not in ("", "0")
    has_location = bool(fields.get("Latitude") and fields.get("Longitude"))
    text: str | None = body
    if not body.strip() and (has_media or has_location):
        text = None
    return TwilioMessage(sid, sender, our_number, text)


class SecureTwilioInput(MessagingInput):
    channel = "twilio"
    required_env: ClassVar[tuple[str, ...]] = (ACCOUNT_SID_ENV, AUTH_TOKEN_ENV)
    api_url_env: ClassVar[dict[str, str]] = {API_URL_ENV: DEFAULT_API_URL}

    def configure(self, settings: dict[str, str]) -> None:
        self.account_sid, self.auth_token = settings[ACCOUNT_SID_ENV], settings[AUTH_TOKEN_ENV]
        self.api_url = settings[API_URL_ENV]
        self.public_base_url = settings[PUBLIC_BASE_URL_ENV]

    async def handle(self, request: Request) -> HTTPResponse:
        params = form_params(request.body)
        url = public_url(request, self.public_base_url)
        if not twilio_signature_valid(
            self.auth_token, url, params, request.headers.get("X-Twilio-Signature")
        ):
            logger.warning("twilio: rejected a request without a valid signature")
            return forbidden()
        try:
            message = parse_message({name: values[0] for name, values in params.items()})
        except ValueError as error:
            return bad_request(str(error))
        if message is None or self.deliveries.is_repeat(f"sid:{message.sid}"):
            return twiml()
        if (
            not is_whatsapp(message.sender)
            and message.text is not None
            and message.text.strip().upper() in SMS_KEYWORDS
        ):
            return twiml()
        self.start_turn(
            conversation_id(self.auth_token, self.channel, message.sender),
            message.text,
            TwilioOutput(
                self.api_url,
                self.account_sid,
                self.auth_token,
                to=message.sender,
                from_=message.our_number,
            ),
        )
        return twiml()


def twiml() -> HTTPResponse:
    """An empty TwiML answer: the replies go out through the REST API."""
    return response.text(EMPTY_TWIML, content_type="text/xml")
