"""Telegram bot channel: /webhooks/telegram/webhook.

Unlike Rasa's built-in channel, every update must carry the secret token that
we give Telegram with setWebhook (header X-Telegram-Bot-Api-Secret-Token), the
update is acknowledged at once and answered in the background, and replies are
plain text with an inline keyboard for buttons. Only private chats are
answered. Settings: docs/messaging.md.
"""

from __future__ import annotations

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
from channels.messaging.pseudonyms import conversation_id
from channels.messaging.settings import PUBLIC_BASE_URL_ENV, ChannelSettings, checked_api_url
from channels.messaging.signatures import secret_matches
from channels.messaging.webhooks import bad_request, forbidden

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
WEBHOOK_PATH = "/webhooks/telegram/webhook"

MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
# Chat ids are integers that fit in 64 bits (Bot API); a private chat's is the user's.
MAX_CHAT_ID = 2**63
# Telegram's rule for setWebhook's secret_token.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")

# Commands every Telegram bot gets, as the intents that answer them.
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities"}


class TelegramSettings(ChannelSettings):
    bot_token: SecretStr = Field(..., env="TELEGRAM_BOT_TOKEN")
    webhook_secret: SecretStr = Field(..., env="TELEGRAM_WEBHOOK_SECRET")
    api_url: str = Field(DEFAULT_API_URL, env="TELEGRAM_API_URL")

    _api_url = validator("api_url", allow_reuse=True)(checked_api_url)

    @validator("webhook_secret")
    def secret_telegram_accepts(cls, value: SecretStr) -> SecretStr:
        if not SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters A-Z, a-z, 0-9, _ or -")
        return value


class TelegramApi:
    def __init__(self, api: PlatformApi, base_url: str, token: str) -> None:
        self._api = api
        self._base = f"{base_url}/bot{token}"

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        return await self._api.post(
            f"Telegram {method}", f"{self._base}/{method}", json_body=payload
        )


class TelegramOutput(MessagingOutput):
    channel = "telegram"
    limit = MAX_TEXT

    def __init__(self, api: TelegramApi, chat_id: int | str) -> None:
        super().__init__()
        self._api = api
        self._chat_id = chat_id

    def native_buttons(self, options: list[Option]) -> Any | None:
        if len(options) > MAX_BUTTONS or any(
            len(option.payload.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES for option in options
        ):
            return None  # numbered options instead
        return {
            "inline_keyboard": [
                [{"text": option.title, "callback_data": option.payload}] for option in options
            ]
        }

    async def deliver(self, text: str, extra: Any | None) -> None:
        payload: dict[str, Any] = {"chat_id": self._chat_id, "text": text}
        if extra is not None:
            payload["reply_markup"] = extra
        await self._api.call("sendMessage", payload)


@dataclass(frozen=True)
class TelegramMessage:
    chat_id: int | str
    text: str | None  # None: not text (sticker, photo, voice, location, ...)
    callback_query_id: str | None = None


def parse_update(update: dict[str, Any]) -> TelegramMessage | None:
    """The patient's message in an update; None for updates to ignore
    (other update types, groups and channels, bots, malformed parts)."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message = callback.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        data = callback.get("data")
        if not _private_chat(chat) or not isinstance(callback.get("id"), str):
            return None
        text = data if isinstance(data, str) else None
        return TelegramMessage(chat["id"], text, callback["id"])

    message = update.get("message")
    if not isinstance(message, dict):
        return None  # edited messages, channel posts, member updates, ...
    chat, sender = message.get("chat"), message.get("from")
    if not _private_chat(chat) or (isinstance(sender, dict) and sender.get("is_bot")):
        return None
    text = message.get("text")
    if not isinstance(text, str):
        return TelegramMessage(chat["id"], None)
    command = text.strip().split(" ", 1)[0].split("@", 1)[0].lower()
    return TelegramMessage(chat["id"], COMMANDS.get(command, text))


def _private_chat(chat: Any) -> bool:
    return (
        isinstance(chat, dict)
        and chat.get("type") == "private"
        and isinstance(chat.get("id"), int)
        and not isinstance(chat.get("id"), bool)
        and abs(chat["id"]) < MAX_CHAT_ID
    )


class SecureTelegramInput(MessagingInput[TelegramSettings]):
    channel = "telegram"
    settings_class: ClassVar[type[ChannelSettings]] = TelegramSettings

    def configure(self, settings: TelegramSettings) -> None:
        self.token = settings.bot_token.get_secret_value()
        self.secret = settings.webhook_secret.get_secret_value()
        self.public_base_url = settings.public_base_url
        self.telegram = TelegramApi(self.api, settings.api_url, self.token)

    def pseudonym_secret(self) -> str:
        return self.token

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.listener("after_server_start")
        async def register_webhook(*_: Any) -> None:
            if not self.public_base_url:
                logger.info(
                    "telegram: %s not set; register the webhook yourself (docs/messaging.md).",
                    PUBLIC_BASE_URL_ENV,
                )
                return
            url = f"{self.public_base_url}{WEBHOOK_PATH}"
            self.in_background(set_webhook(self.telegram, url, self.secret))

    async def handle(self, request: Request) -> HTTPResponse:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if not secret_matches(self.secret, given):
            logger.warning("telegram: rejected a request without the right secret token")
            return forbidden()
        update = json_object(request.body)
        update_id = update.get("update_id") if update is not None else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return bad_request("expected a Telegram update")
        if await self.deliveries.is_repeat(f"update:{update_id}"):
            return response.text("ok")
        message = parse_update(update)
        if message is None:
            return response.text("ok")
        if message.callback_query_id:
            # Stops the spinner on the button the patient tapped.
            answer = {"callback_query_id": message.callback_query_id}
            self.in_background(self.telegram.call("answerCallbackQuery", answer))
        self.start_turn(
            conversation_id(self.token, self.channel, str(message.chat_id)),
            message.text,
            TelegramOutput(self.telegram, message.chat_id),
        )
        return response.text("ok")


async def set_webhook(api: TelegramApi, url: str, secret: str) -> bool:
    """Points Telegram at our webhook, with the secret it must send back."""
    result = await api.call(
        "setWebhook",
        {
            "url": url,
            "secret_token": secret,
            "allowed_updates": ["message", "callback_query"],
        },
    )
    if result and result.get("ok"):
        logger.info("telegram: webhook registered")
        return True
    logger.error("telegram: setWebhook failed; the bot will get no messages (docs/messaging.md)")
    return False
