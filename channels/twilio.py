"""Twilio channel for SMS and WhatsApp: /webhooks/twilio/webhook.

Unlike Rasa's built-in channel, every request must carry a valid
X-Twilio-Signature, the webhook is answered at once with empty TwiML and the
replies go out through Twilio's REST API when the turn is done (Twilio stops
waiting after 15 seconds), one turn is one message when it fits 1600 characters,
and buttons become numbered options that the patient answers with a number. A reply goes
out from the number the patient wrote to, so SMS and WhatsApp need no extra
settings. Settings: docs/messaging.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
from pydantic import Field, SecretStr, validator
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.messaging.http import PlatformApi
from channels.messaging.input import MessagingInput
from channels.messaging.output import MessagingOutput
from channels.messaging.pseudonyms import conversation_id, platform_id_valid
from channels.messaging.settings import ChannelSettings, checked_api_url
from channels.messaging.text import sms_text
from channels.messaging.webhooks import bad_request, forbidden, form_params, public_url

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.twilio.com"

MAX_TEXT = 1600  # per Twilio message, SMS and WhatsApp
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio answers these itself on SMS (opt-out and help); a reply from us would
# be refused after STOP, or be a second answer.
SMS_KEYWORDS = {
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    "START", "UNSTOP", "YES", "HELP", "INFO",
}  # fmt: skip


class TwilioSettings(ChannelSettings):
    account_sid: str = Field(..., env="TWILIO_ACCOUNT_SID")
    auth_token: SecretStr = Field(..., env="TWILIO_AUTH_TOKEN")
    api_url: str = Field(DEFAULT_API_URL, env="TWILIO_API_URL")

    _api_url = validator("api_url", allow_reuse=True)(checked_api_url)


def signature_valid(
    auth_token: str, url: str, params: dict[str, list[str]], signature: str | None
) -> bool:
    """X-Twilio-Signature, checked by twilio's own RequestValidator (the URL
    with and without its default port; every parameter, blank ones included)."""
    if not signature:
        return False
    try:
        return RequestValidator(auth_token).validate(url, FormFields(params), signature)
    except UnicodeEncodeError:  # a URL with lone surrogates: not what Twilio signed
        return False


class FormFields(dict[str, list[str]]):
    """Form fields with every value of a name, as RequestValidator reads them."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


class TwilioOutput(MessagingOutput):
    channel = "twilio"
    limit = MAX_TEXT
    buffered = True

    def __init__(
        self, api: PlatformApi, api_url: str, account_sid: str, auth_token: str, to: str, from_: str
    ) -> None:
        super().__init__()
        self._api = api
        self._url = f"{api_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self._to, self._from = to, from_

    def prepare(self, text: str) -> str:
        text = text.strip()
        return text if is_whatsapp(self._to) else sms_text(text)

    async def deliver(self, text: str, extra: Any | None) -> None:
        await self._api.post(
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


class SecureTwilioInput(MessagingInput[TwilioSettings]):
    channel = "twilio"
    settings_class: ClassVar[type[ChannelSettings]] = TwilioSettings

    def configure(self, settings: TwilioSettings) -> None:
        self.account_sid = settings.account_sid
        self.auth_token = settings.auth_token.get_secret_value()
        self.api_url = settings.api_url
        self.public_base_url = settings.public_base_url

    def pseudonym_secret(self) -> str:
        return self.auth_token

    async def handle(self, request: Request) -> HTTPResponse:
        params = form_params(request.body)
        url = public_url(request, self.public_base_url)
        if not signature_valid(
            self.auth_token, url, params, request.headers.get("X-Twilio-Signature")
        ):
            logger.warning("twilio: rejected a request without a valid signature")
            return forbidden()
        try:
            message = parse_message({name: values[0] for name, values in params.items()})
        except ValueError as error:
            return bad_request(str(error))
        if message is None or await self.deliveries.is_repeat(f"sid:{message.sid}"):
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
                self.api,
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
