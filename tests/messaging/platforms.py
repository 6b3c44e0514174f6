"""Local stand-ins of the messaging platforms, for the end-to-end tests.

Each stand-in is a small threaded HTTP server on 127.0.0.1 that plays the
platform's API (it answers like the platform and records every request), and
each client sends webhooks the way the platform does: its payload format,
signed with the platform's own algorithm (through the platform's official
library where one is installed: twilio's RequestValidator, slack_sdk's
SignatureVerifier), never with the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from assistant_server import free_port
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

# Test settings: the channels read them from the environment (docs/messaging.md).
PUBLIC_BASE_URL = "https://clinic.example.org"
TELEGRAM_TOKEN = "123456789:test-telegram-bot-token"
TELEGRAM_SECRET = "test_webhook-secret_0123456789"
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
TWILIO_SMS_NUMBER = "+15005550006"
TWILIO_WHATSAPP_NUMBER = "whatsapp:+14155238886"
FACEBOOK_PAGE_TOKEN = "test-facebook-page-token"
FACEBOOK_APP_SECRET = "test-facebook-app-secret"
FACEBOOK_VERIFY_TOKEN = "test-facebook-verify-token"
FACEBOOK_PAGE_ID = "100200300400500"
SLACK_BOT_TOKEN = "xoxb-test-slack-bot-token"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
SLACK_TEAM = "T0TESTTEAM"

REPLY_WAIT_SECONDS = 20
# How long the clients wait for the webhook's answer. The platforms wait much
# less (Slack 3 s, Meta a few seconds, Twilio 15 s): the channels acknowledge
# at once and answer in the background.
POST_TIMEOUT_SECONDS = 30
QUIET_SECONDS = 0.5


# --- stand-ins of the platform APIs -------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


# (status, JSON body) or (status, JSON body, headers)
Answer = Callable[[Recorded], tuple[Any, ...]]


@dataclass
class StandIn:
    """A platform API on 127.0.0.1 that records requests and answers them."""

    name: str
    answer: Answer
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    "POST",
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with stand_in._lock:
                    stand_in.requests.append(recorded)
                status, body, *headers = stand_in.answer(recorded)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def recorded(self, where: Callable[[Recorded], bool] = lambda _: True) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if where(r)]

    def wait_for(
        self,
        where: Callable[[Recorded], bool],
        until: Callable[[list[Recorded]], bool] = bool,
        timeout: float = REPLY_WAIT_SECONDS,
    ) -> list[Recorded]:
        """The matching requests, once `until` holds for them (else fails)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.recorded(where)
            if until(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no such request in {timeout}s: {found}")
            time.sleep(0.05)


def telegram_api(recorded: Recorded) -> tuple[int, dict[str, Any]]:
    if not recorded.path.startswith(f"/bot{TELEGRAM_TOKEN}/"):
        return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
    if recorded.path.endswith("/sendMessage"):
        return 200, {"ok": True, "result": {"message_id": 1, "chat": {"id": 1}, "date": 0}}
    return 200, {"ok": True, "result": True}


def twilio_api(recorded: Recorded) -> tuple[int, dict[str, Any]]:
    return 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}


def facebook_api(recorded: Recorded) -> tuple[int, dict[str, Any]]:
    return 200, {"recipient_id": "1", "message_id": "m_" + uuid.uuid4().hex}


def slack_api(recorded: Recorded) -> tuple[int, dict[str, Any]]:
    if recorded.headers.get("authorization") != f"Bearer {SLACK_BOT_TOKEN}":
        return 200, {"ok": False, "error": "invalid_auth"}
    return 200, {"ok": True, "channel": "D0", "ts": f"{time.time():.6f}"}


def start_stand_ins() -> dict[str, StandIn]:
    return {
        "telegram": StandIn("telegram", telegram_api).start(),
        "twilio": StandIn("twilio", twilio_api).start(),
        "facebook": StandIn("facebook", facebook_api).start(),
        "slack": StandIn("slack", slack_api).start(),
    }


def channel_env(stand_ins: dict[str, StandIn]) -> dict[str, str]:
    """All four channels enabled, their APIs pointed at the stand-ins."""
    return {
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": stand_ins["telegram"].url,
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_API_URL": stand_ins["twilio"].url,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FACEBOOK_PAGE_TOKEN,
        "FACEBOOK_APP_SECRET": FACEBOOK_APP_SECRET,
        "FACEBOOK_VERIFY_TOKEN": FACEBOOK_VERIFY_TOKEN,
        "FACEBOOK_GRAPH_API_URL": stand_ins["facebook"].url,
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": f"{stand_ins['slack'].url}/api",
    }


def quiet() -> None:
    """Time for a reply that should not come to arrive anyway."""
    time.sleep(QUIET_SECONDS)


_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def unique_id() -> int:
    return next(_ids)


# --- Telegram ----------------------------------------------------------------------


class Telegram:
    def __init__(self, rasa_url: str, api: StandIn) -> None:
        self.webhook = f"{rasa_url}/webhooks/telegram/webhook"
        self.api = api

    @staticmethod
    def message_update(chat_id: int, text: str | None = None, **fields: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": unique_id(),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": "en"},
            "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
            "date": int(time.time()),
            **fields,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": unique_id(), "message": message}

    @staticmethod
    def button_update(chat_id: int, data: str) -> dict[str, Any]:
        return {
            "update_id": unique_id(),
            "callback_query": {
                "id": str(unique_id()),
                "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
                "message": {
                    "message_id": unique_id(),
                    "from": {"id": 42, "is_bot": True, "first_name": "IGRT"},
                    "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
                    "date": int(time.time()),
                    "text": "Hello! What would you like to know about IGRT?",
                },
                "chat_instance": "-1234",
                "data": data,
            },
        }

    def post(
        self,
        update: Any,
        secret: str | None = TELEGRAM_SECRET,
        raw: bytes | None = None,
        timeout: float = POST_TIMEOUT_SECONDS,
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = raw if raw is not None else json.dumps(update).encode()
        return requests.post(self.webhook, data=data, headers=headers, timeout=timeout)

    def sent_to(self, chat_id: int) -> list[Recorded]:
        return self.api.recorded(
            lambda r: r.path.endswith("/sendMessage") and r.json().get("chat_id") == chat_id
        )

    def texts(self, chat_id: int) -> list[str]:
        return [r.json()["text"] for r in self.sent_to(chat_id)]

    def wait_for_text(self, chat_id: int, fragment: str, count: int = 1) -> list[Recorded]:
        return self.api.wait_for(
            lambda r: (
                r.path.endswith("/sendMessage")
                and r.json().get("chat_id") == chat_id
                and fragment in r.json()["text"]
            ),
            lambda found: len(found) >= count,
        )


# --- Twilio ------------------------------------------------------------------------


class Twilio:
    def __init__(self, rasa_url: str, api: StandIn) -> None:
        self.webhook = f"{rasa_url}/webhooks/twilio/webhook"
        self.signed_url = f"{PUBLIC_BASE_URL}/webhooks/twilio/webhook"
        self.api = api

    @staticmethod
    def message(sender: str, text: str | None, to: str = TWILIO_SMS_NUMBER, **fields: str):
        sid = "SM" + uuid.uuid4().hex
        form = {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "FromCountry": "US",
            "To": to,
            "MessagingServiceSid": "",
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
        if text is not None:
            form["Body"] = text
        if to.startswith("whatsapp:"):
            form.update(ProfileName="Pat", WaId=sender.removeprefix("whatsapp:+"))
        form.update(fields)
        return form

    def post(
        self,
        form: dict[str, str],
        signature: str | None = "sign",
        signed_url: str | None = None,
        token: str = TWILIO_AUTH_TOKEN,
        timeout: float = POST_TIMEOUT_SECONDS,
    ) -> requests.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            validator = RequestValidator(token)
            signature = validator.compute_signature(signed_url or self.signed_url, form)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.webhook, data=urlencode(form), headers=headers, timeout=timeout)

    def sent_to(self, address: str) -> list[Recorded]:
        return self.api.recorded(lambda r: r.form().get("To") == address)

    def bodies(self, address: str) -> list[str]:
        return [r.form()["Body"] for r in self.sent_to(address)]

    def wait_for_body(self, address: str, fragment: str, count: int = 1) -> list[Recorded]:
        return self.api.wait_for(
            lambda r: r.form().get("To") == address and fragment in r.form().get("Body", ""),
            lambda found: len(found) >= count,
        )


# --- Facebook Messenger ------------------------------------------------------------


class Messenger:
    def __init__(self, rasa_url: str, api: StandIn) -> None:
        self.webhook = f"{rasa_url}/webhooks/facebook/webhook"
        self.api = api

    @staticmethod
    def event(psid: str, message: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        event: dict[str, Any] = {
            "sender": {"id": psid},
            "recipient": {"id": FACEBOOK_PAGE_ID},
            "timestamp": int(time.time() * 1000),
            **fields,
        }
        if message is not None:
            event["message"] = {"mid": "m_" + uuid.uuid4().hex, **message}
        return event

    @staticmethod
    def delivery(*events: dict[str, Any]) -> dict[str, Any]:
        return {
            "object": "page",
            "entry": [
                {"id": FACEBOOK_PAGE_ID, "time": int(time.time() * 1000), "messaging": [event]}
                for event in events
            ],
        }

    def post(
        self,
        body: Any,
        signature: str | None = "sign",
        raw: bytes | None = None,
        timeout: float = POST_TIMEOUT_SECONDS,
    ) -> requests.Response:
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            digest = hmac.new(FACEBOOK_APP_SECRET.encode(), data, hashlib.sha256).hexdigest()
            signature = f"sha256={digest}"
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.webhook, data=data, headers=headers, timeout=timeout)

    def sent_to(self, psid: str) -> list[Recorded]:
        return self.api.recorded(lambda r: r.json().get("recipient", {}).get("id") == psid)

    def texts(self, psid: str) -> list[str]:
        return [r.json()["message"]["text"] for r in self.sent_to(psid)]

    def wait_for_text(self, psid: str, fragment: str, count: int = 1) -> list[Recorded]:
        return self.api.wait_for(
            lambda r: (
                r.json().get("recipient", {}).get("id") == psid
                and fragment in r.json()["message"]["text"]
            ),
            lambda found: len(found) >= count,
        )


# --- Slack ---------------------------------------------------------------------------


def slack_text(recorded: Recorded) -> str:
    """The text of a chat.postMessage, as shown: its section blocks."""
    blocks = recorded.json().get("blocks", [])
    return "\n".join(b["text"]["text"] for b in blocks if b.get("type") == "section")


class Slack:
    def __init__(self, rasa_url: str, api: StandIn) -> None:
        self.webhook = f"{rasa_url}/webhooks/slack/webhook"
        self.api = api

    @staticmethod
    def dm_event(user: str, channel: str, text: str, **fields: Any) -> dict[str, Any]:
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "client_msg_id": str(uuid.uuid4()),
            "team": SLACK_TEAM,
            **fields,
        }
        return Slack.callback(event)

    @staticmethod
    def callback(event: dict[str, Any]) -> dict[str, Any]:
        return {
            "token": "deprecated-verification-token",
            "team_id": SLACK_TEAM,
            "api_app_id": "A0TESTAPP",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": SLACK_TEAM, "user_id": "U0BOT", "is_bot": True}],
        }

    @staticmethod
    def click(user: str, channel: str, value: str) -> dict[str, Any]:
        return {
            "type": "block_actions",
            "user": {"id": user, "username": "pat", "team_id": SLACK_TEAM},
            "api_app_id": "A0TESTAPP",
            "token": "deprecated-verification-token",
            "container": {"type": "message", "message_ts": "1.000", "channel_id": channel},
            "trigger_id": f"{unique_id()}.{unique_id()}",
            "team": {"id": SLACK_TEAM, "domain": "clinic"},
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": "1.000", "text": "Hello!"},
            "response_url": "https://hooks.slack.com/actions/T0/1/x",
            "actions": [
                {
                    "action_id": "option-1",
                    "block_id": "b1",
                    "text": {"type": "plain_text", "text": "What is IGRT?"},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def post(
        self,
        body: Any = None,
        *,
        form: dict[str, str] | None = None,
        raw: bytes | None = None,
        sign: bool = True,
        signature: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = POST_TIMEOUT_SECONDS,
    ) -> requests.Response:
        if form is not None:
            data = urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = raw if raw is not None else json.dumps(body).encode()
            content_type = "application/json"
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if sign:
            verifier = SignatureVerifier(SLACK_SIGNING_SECRET)
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = signature or verifier.generate_signature(
                timestamp=stamp, body=data
            )
        return requests.post(self.webhook, data=data, headers=all_headers, timeout=timeout)

    def sent_to(self, channel: str) -> list[Recorded]:
        return self.api.recorded(lambda r: r.json().get("channel") == channel)

    def texts(self, channel: str) -> list[str]:
        return [slack_text(r) for r in self.sent_to(channel)]

    def wait_for_text(self, channel: str, fragment: str, count: int = 1) -> list[Recorded]:
        return self.api.wait_for(
            lambda r: r.json().get("channel") == channel and fragment in slack_text(r),
            lambda found: len(found) >= count,
        )
