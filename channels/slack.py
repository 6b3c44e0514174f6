"""Slack app channel: /webhooks/slack/webhook (Events API and interactivity).

Every request must carry a valid v0 signature of the app's signing secret, at
most 5 minutes old. Slack wants an answer within 3 seconds, so the webhook
acknowledges at once and the assistant answers in the background (as on every
messaging channel). Retried
events (X-Slack-Retry-Num) are recognised by their event_id. Answers are plain
text blocks; buttons are Block Kit buttons. The app answers direct messages and
mentions (in the mention's thread). Settings: docs/messaging.md.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field, SecretStr, validator
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import Clock, SignatureVerifier

from channels.inbound import json_object
from channels.messaging.http import PlatformApi
from channels.messaging.input import MessagingInput
from channels.messaging.options import Option
from channels.messaging.output import MessagingOutput
from channels.messaging.pseudonyms import conversation_id, platform_id_valid
from channels.messaging.settings import ChannelSettings, checked_api_url
from channels.messaging.webhooks import bad_request, forbidden, form_params

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api"

MAX_TEXT = 3000  # per section block
MAX_BUTTONS = 25  # per actions block
MAX_BUTTON_TITLE = 75
MAX_BUTTON_VALUE = 2000
# Message subtypes that are still a person writing to us.
USER_SUBTYPES = {None, "file_share", "thread_broadcast"}
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")


class SlackSettings(ChannelSettings):
    bot_token: SecretStr = Field(..., env="SLACK_BOT_TOKEN")
    signing_secret: SecretStr = Field(..., env="SLACK_SIGNING_SECRET")
    api_url: str = Field(DEFAULT_API_URL, env="SLACK_API_URL")

    _api_url = validator("api_url", allow_reuse=True)(checked_api_url)


def signature_valid(
    verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None
) -> bool:
    """X-Slack-Signature (v0) over "v0:<timestamp>:<body>", at most 5 minutes
    old, checked by slack_sdk's SignatureVerifier (constant-time compare)."""
    if not timestamp or not re.fullmatch(r"[0-9]{1,12}", timestamp.strip()):
        return False
    try:
        return verifier.is_valid(body, timestamp.strip(), (signature or "").strip())
    except (UnicodeError, TypeError):  # a body not UTF-8, a signature not ASCII
        return False


class SlackOutput(MessagingOutput):
    channel = "slack"
    limit = MAX_TEXT

    def __init__(
        self,
        api: PlatformApi,
        api_url: str,
        bot_token: str,
        channel_id: str,
        thread_ts: str | None,
    ) -> None:
        super().__init__()
        self._api = api
        self._url = f"{api_url}/chat.postMessage"
        self._headers = {"Authorization": f"Bearer {bot_token}"}
        self._channel_id = channel_id
        self._thread_ts = thread_ts

    def native_buttons(self, options: list[Option]) -> Any | None:
        if len(options) > MAX_BUTTONS or any(
            len(option.title) > MAX_BUTTON_TITLE or len(option.payload) > MAX_BUTTON_VALUE
            for option in options
        ):
            return None  # numbered options instead
        return [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": option.title},
                "value": option.payload,
                "action_id": f"option-{index}",
            }
            for index, option in enumerate(options, start=1)
        ]

    async def deliver(self, text: str, extra: Any | None) -> None:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "plain_text", "text": text}}
        ]
        if extra is not None:
            blocks.append({"type": "actions", "elements": extra})
        message: dict[str, Any] = {
            "channel": self._channel_id,
            "text": escape(text),  # notifications and clients without blocks
            "blocks": blocks,
            "unfurl_links": False,
        }
        if self._thread_ts:
            message["thread_ts"] = self._thread_ts
        result = await self._api.post(
            "Slack chat.postMessage", self._url, json_body=message, headers=self._headers
        )
        if result is not None and not result.get("ok"):
            error = str(result.get("error", "unknown"))
            logger.warning(
                "Slack chat.postMessage failed: %s",
                error if re.fullmatch(r"[a-z_]{1,64}", error) else "unknown",
            )


def escape(text: str) -> str:
    """Slack's escaping of &, < and > in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str) -> str:
    """A user's message as typed: without mentions, links as written, and
    Slack's escapes undone."""
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return html.unescape(text).strip()


@dataclass(frozen=True)
class SlackMessage:
    team: str
    user: str
    channel_id: str
    thread_ts: str | None
    text: str | None  # None: files without text
    delivery_ids: tuple[str, ...]


def parse_event(body: dict[str, Any]) -> SlackMessage | None:
    """A person's direct message or mention in an event_callback; None for
    everything to ignore (bots, edits, joins, other channels)."""
    event = body.get("event")
    if not isinstance(event, dict):
        return None
    kind, subtype = event.get("type"), event.get("subtype")
    if kind not in ("message", "app_mention") or event.get("bot_id"):
        return None
    if not isinstance(subtype, str | None) or subtype not in USER_SUBTYPES:
        return None  # a list or object would not even hash
    if kind == "message" and event.get("channel_type") != "im":
        return None  # in channels, the app answers mentions only
    user, channel_id = event.get("user"), event.get("channel")
    team = body.get("team_id") or event.get("team") or ""
    if not (platform_id_valid(user) and platform_id_valid(channel_id)):
        return None
    if team and not platform_id_valid(team):
        return None
    thread_ts = event.get("thread_ts")
    if kind == "app_mention" and not channel_id.startswith("D"):
        thread_ts = thread_ts or event.get("ts")
    text = event.get("text") if isinstance(event.get("text"), str) else ""
    text = user_text(text)
    if not text and event.get("files"):
        text = None
    ids = [f"event:{body.get('event_id')}"] if body.get("event_id") else []
    if isinstance(event.get("client_msg_id"), str):  # the same message as DM and mention
        ids.append(f"client:{event['client_msg_id']}")
    if not ids:
        ids.append(f"ts:{channel_id}:{event.get('ts')}")
    return SlackMessage(
        str(team), user, channel_id, thread_ts if isinstance(thread_ts, str) else None,
        text, tuple(ids),
    )  # fmt: skip


def parse_interaction(payload: dict[str, Any]) -> SlackMessage | None:
    """A click on one of our buttons (block_actions); None for anything else."""
    if payload.get("type") != "block_actions":
        return None
    actions, user = payload.get("actions"), payload.get("user")
    channel = payload.get("channel") or {}
    if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
        return None
    action = actions[0]
    if action.get("type") != "button" or not isinstance(action.get("value"), str):
        return None
    user_id = user.get("id") if isinstance(user, dict) else None
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    if not (platform_id_valid(user_id) and platform_id_valid(channel_id)):
        return None
    team = payload.get("team") or {}
    team_id = team.get("id", "") if isinstance(team, dict) else ""
    if team_id and not platform_id_valid(team_id):
        return None
    message = payload.get("message") or {}
    thread_ts = message.get("thread_ts") if isinstance(message, dict) else None
    delivery = f"action:{user_id}:{action.get('action_ts') or payload.get('trigger_id')}"
    return SlackMessage(
        str(team_id), user_id, channel_id, thread_ts if isinstance(thread_ts, str) else None,
        action["value"], (delivery,),
    )  # fmt: skip


class SecureSlackInput(MessagingInput[SlackSettings]):
    channel = "slack"
    settings_class: ClassVar[type[ChannelSettings]] = SlackSettings
    clock: ClassVar[Clock] = Clock()

    def configure(self, settings: SlackSettings) -> None:
        self.bot_token = settings.bot_token.get_secret_value()
        self.signing_secret = settings.signing_secret.get_secret_value()
        self.api_url = settings.api_url
        self.verifier = SignatureVerifier(self.signing_secret, clock=self.clock)

    def pseudonym_secret(self) -> str:
        return self.signing_secret

    async def handle(self, request: Request) -> HTTPResponse:
        if not signature_valid(
            self.verifier,
            request.body,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        ):
            logger.warning("slack: rejected a request without a valid signature")
            return forbidden()
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        if content_type == "application/x-www-form-urlencoded":
            payload = _interaction_payload(request.body)
            if payload is None:
                return bad_request("expected an interaction payload")
            message = parse_interaction(payload)
        else:
            body = json_object(request.body)
            if body is None:
                return bad_request("expected a Slack event")
            if body.get("type") == "url_verification":
                return response.json({"challenge": str(body.get("challenge", ""))})
            message = parse_event(body) if body.get("type") == "event_callback" else None
        if message is None or await self.deliveries.is_repeat(*message.delivery_ids):
            return response.text("")
        user = (message.team, message.user, message.channel_id)
        self.start_turn(
            conversation_id(self.signing_secret, self.channel, *user),
            message.text,
            SlackOutput(
                self.api, self.api_url, self.bot_token, message.channel_id, message.thread_ts
            ),
        )
        return response.text("")


def _interaction_payload(body: bytes) -> dict[str, Any] | None:
    values = form_params(body).get("payload")
    return json_object(values[0]) if values else None
