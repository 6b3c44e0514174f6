"""What the messaging channels (Telegram, Twilio, Messenger, Slack) share.

- Settings come from environment variables only (docs/messaging.md); a channel
  whose variables are not all set is disabled: its webhook answers 404 and it
  calls no platform API.
- Signature checks for each platform, all with constant-time comparison.
- Reply formatting: plain text, long answers split at the platform's limit at
  paragraph, sentence or word boundaries, buttons as numbered options where the
  platform has none (a number typed back sends that button's payload).
- Each webhook is acknowledged as soon as it is authenticated and parsed; the
  turn runs in the background (platforms give up after a few seconds), one
  turn at a time per conversation.
- Retried webhooks are answered once (keyed hashes of recent delivery ids are
  remembered).
- Bodies over MAX_BODY_BYTES are refused before any parsing or signature work;
  JSON nested too deeply is refused (400) like any other malformed body.
- Platform user and chat ids must look like ids (platform_id_valid): anything
  else is ignored, so no odd id reaches a platform API or a log line.
- Unpaired surrogates are dropped from message text before it reaches Rasa.
- Conversation ids are keyed hashes of the platform's user id, so phone numbers
  and user ids are neither in the tracker store nor in Rasa's logs.
- Nothing here logs message text, phone numbers or user ids, at any level:
  errors are logged by exception type and code location, without tracebacks.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import action_server, replies
from channels.inbound import json_object, readable_text
from channels.rest import MAX_MESSAGE_CHARS
from channels.server import harden_server_on_start

logger = logging.getLogger(__name__)

# Remembered per process: enough for the retries of a day, bounded in memory.
SEEN_IDS_TTL_SECONDS = 24 * 3600
SEEN_IDS_MAX = 100_000
OPTIONS_TTL_SECONDS = 24 * 3600
OPTIONS_MAX = 50_000

API_TIMEOUT_SECONDS = 10
API_ATTEMPTS = 3
PUBLIC_BASE_URL_ENV = "PUBLIC_BASE_URL"

# Refused (413) before parsing or checking a signature: a patient's message is
# far smaller (Telegram 4096, Twilio 1600 characters), and parsing or hashing a
# huge unsigned body would hold up every conversation.
MAX_BODY_BYTES = 64 * 1024
# Twilio sends about 20 form fields (a few more per media item).
MAX_FORM_FIELDS = 200


# --- text --------------------------------------------------------------------


def text_length(text: str) -> int:
    """Length in UTF-16 code units: what the platforms count (>= len(text))."""
    return len(text.encode("utf-16-le")) // 2


_MARKDOWN = [
    (re.compile(r"!?\[([^\]\n]+)\]\((\S+?)\)"), r"\1 (\2)"),  # [text](url)
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE), ""),  # # heading
    (re.compile(r"^(\s*)[*+]\s+", re.MULTILINE), r"\1- "),  # * bullet
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL), r"\2"),  # **bold**
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL), r"\1"),  # ~~strike~~
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _em_
    (re.compile(r"```[^\n]*\n?(.*?)```", re.DOTALL), r"\1"),  # fenced code
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # `code`
]


def plain_text(text: str) -> str:
    """The text without Markdown markup, for channels that show it literally."""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text.strip()


_ASCII_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def sms_text(text: str) -> str:
    """Typographic punctuation as ASCII: one curly quote makes a whole SMS
    UCS-2, which cuts each segment from 160 to 70 characters."""
    return text.translate(_ASCII_PUNCTUATION)


def _fit(text: str, limit: int) -> int:
    """The longest prefix of text (in characters) that is at most limit units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


# Best boundaries first; group 1 is the whitespace cut out (a closing quote or
# bracket after a sentence end stays with its sentence). Paragraph, line and
# sentence breaks are used only in the second half of the window, so that no
# part is needlessly short.
_BOUNDARIES = [
    (re.compile(r"(\n[ \t]*\n\s*)"), True),
    (re.compile(r"(\n\s*)"), True),
    (re.compile(r"[.!?][\"')\]]*(\s+)"), True),
    (re.compile(r"(\s+)"), False),
]


def split_message(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` UTF-16 units, split at the best boundary.

    Only whitespace at the cuts is dropped; a word longer than the limit is cut.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    text = text.strip()
    parts: list[str] = []
    while text_length(text) > limit:
        fit = max(_fit(text, limit), 1)
        window = text[: fit + 1]  # a space just after the window is a boundary too
        cut: tuple[int, int] | None = None
        for pattern, second_half_only in _BOUNDARIES:
            cuts = [m.span(1) for m in pattern.finditer(window) if 0 < m.start(1) <= fit]
            if second_half_only:
                cuts = [span for span in cuts if span[0] >= fit // 2]
            if cuts:
                cut = cuts[-1]
                break
        if cut is None:
            cut = (fit, fit)
        parts.append(text[: cut[0]].rstrip())
        text = text[cut[1] :].lstrip()
    if text:
        parts.append(text)
    return parts


# --- buttons -----------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


def options_from_buttons(buttons: Iterable[Any] | None) -> list[Option]:
    """Rasa buttons ({"title", "payload"}) that can be offered."""
    options = []
    for button in buttons or []:
        if not isinstance(button, Mapping):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and title.strip() and isinstance(payload, str) and payload:
            options.append(Option(plain_text(title), payload))
    return options


def numbered_options(text: str, options: list[Option], start: int = 1) -> str:
    """The text followed by the options as a numbered list."""
    lines = [f"{start + index}. {option.title}" for index, option in enumerate(options)]
    body = "\n".join([replies.numbered_prompt(), *lines])
    return f"{text.strip()}\n\n{body}" if text.strip() else body


_NUMBER = re.compile(r"\s*#?\s*(\d{1,3})\s*[.)]?\s*")  # any script's digits


def chosen_number(text: str) -> int | None:
    """The number in a reply such as "2", " 2. " or "#2"; None for other text."""
    match = _NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


# --- memory ------------------------------------------------------------------


class ExpiringMap:
    """A small in-process map whose entries expire; oldest evicted first."""

    def __init__(
        self, ttl_seconds: float, max_items: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_items
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def _purge(self) -> None:
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now and len(self._items) <= self._max:
                break
            del self._items[key]

    def get(self, key: str) -> Any | None:
        self._purge()
        item = self._items.get(key)
        return item[1] if item else None

    def set(self, key: str, value: Any) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + self._ttl, value)
        self._purge()

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def keys(self) -> list[str]:
        self._purge()
        return list(self._items)

    def __len__(self) -> int:
        self._purge()
        return len(self._items)


class RecentDeliveries:
    """Ids of webhook deliveries already accepted, to answer retries once.

    Some ids contain a user id (Messenger's sender id, Slack's user id), so only
    a keyed hash of each is kept: HMAC-SHA256 with a random key of this process,
    which nothing else knows and which is gone when the process ends.
    """

    def __init__(self, ttl_seconds: float = SEEN_IDS_TTL_SECONDS, max_items: int = SEEN_IDS_MAX):
        self._seen = ExpiringMap(ttl_seconds, max_items)
        self._key = secrets.token_bytes(32)

    def _hash(self, key: str) -> str:
        data = key.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()[:32]

    def is_repeat(self, *keys: str | None) -> bool:
        """True if any key was seen before; remembers all of them."""
        hashes = [self._hash(key) for key in keys if key]
        repeat = any(self._seen.get(digest) for digest in hashes)
        for digest in hashes:
            self._seen.set(digest, True)
        return repeat

    def keys(self) -> list[str]:
        """What is kept (for tests): hashes only."""
        return self._seen.keys()


class OfferedOptions:
    """Payloads of the numbered options last offered in each conversation."""

    def __init__(self, ttl_seconds: float = OPTIONS_TTL_SECONDS, max_items: int = OPTIONS_MAX):
        self._options = ExpiringMap(ttl_seconds, max_items)

    def get(self, conversation_id: str) -> list[str]:
        return self._options.get(conversation_id) or []

    def remember(self, conversation_id: str, payloads: list[str]) -> None:
        if payloads:
            self._options.set(conversation_id, list(payloads))
        else:
            self._options.pop(conversation_id)


class ConversationLocks:
    """One lock per conversation with a turn running or waiting, so that the
    turns of a conversation run one after the other, in the order the messages
    arrived (a number typed in reply to a list then always reads that list)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, conversation: str) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(conversation, (asyncio.Lock(), 0))
        self._locks[conversation] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[conversation]
            if waiting > 1:
                self._locks[conversation] = (lock, waiting - 1)
            else:
                del self._locks[conversation]

    def __len__(self) -> int:
        return len(self._locks)


# Platform ids are short visible ASCII ("+15551234567", "whatsapp:+15551234567",
# Messenger's page-scoped ids, Slack's "U0123ABCD"); anything else did not come
# from the platform. (Telegram's chat ids are integers: channels/telegram.py.)
PLATFORM_ID = re.compile(r"[!-~]{1,128}")


def platform_id_valid(value: Any) -> bool:
    return isinstance(value, str) and PLATFORM_ID.fullmatch(value) is not None


def conversation_id(key: str, channel: str, *user_parts: str) -> str:
    """A stable pseudonym for a platform user: HMAC-SHA256 keyed by a secret of
    the channel, so the tracker store and logs never see phone numbers or ids."""
    message = "\x1f".join((channel, *user_parts)).encode("utf-8", "surrogatepass")
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:32]}"


# --- signatures --------------------------------------------------------------


def secret_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a secret or signature with a header value."""
    if not given:
        return False
    try:
        given_bytes = given.strip().encode("utf-8")
    except UnicodeEncodeError:  # undecodable header bytes (surrogate escapes)
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given_bytes)


def twilio_signed_params(params: Mapping[str, list[str]]) -> str:
    """The POST parameters as Twilio signs them: each name and value, sorted by
    name (as twilio's RequestValidator)."""
    return "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))


def twilio_signature(auth_token: str, url: str, params: Mapping[str, list[str]] | str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by the POST
    parameters (a mapping, or twilio_signed_params of one)."""
    signed = url + (params if isinstance(params, str) else twilio_signed_params(params))
    data = signed.encode("utf-8", "surrogatepass")
    digest = hmac.new(auth_token.encode("utf-8"), data, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _with_and_without_port(url: str) -> list[str]:
    """Twilio signs some URLs with the default port and some without."""
    parts = urlsplit(url)
    if not parts.hostname:
        return [url]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default_port = 443 if parts.scheme == "https" else 80
    without = urlunsplit(parts._replace(netloc=prefix + host))
    with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{parts.port or default_port}"))
    return [url, without, with_port]


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, list[str]], signature: str | None
) -> bool:
    if not signature:
        return False
    signed_params = twilio_signed_params(params)  # once for all URL variants
    return any(
        secret_matches(twilio_signature(auth_token, candidate, signed_params), signature)
        for candidate in _with_and_without_port(url)
    )


def facebook_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return secret_matches(f"sha256={digest}", header)


SLACK_MAX_AGE_SECONDS = 5 * 60


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def slack_signature_valid(
    signing_secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> bool:
    """X-Slack-Signature (v0) over "v0:<timestamp>:<body>", at most 5 minutes old."""
    if not timestamp or not re.fullmatch(r"[0-9]{1,12}", timestamp.strip()):
        return False
    timestamp = timestamp.strip()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SLACK_MAX_AGE_SECONDS:
        return False
    return secret_matches(slack_signature(signing_secret, timestamp, body), signature)


# --- request parsing -----------------------------------------------------------


def form_params(body: bytes) -> dict[str, list[str]]:
    """URL-encoded form fields, keeping blank ones (they are signed too; Sanic's
    request.form drops them); {} if not a form or more than MAX_FORM_FIELDS."""
    try:
        return parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return {}


def public_url(request: Request, public_base_url: str | None) -> str:
    """The URL the platform called: behind a proxy, PUBLIC_BASE_URL + path."""
    if not public_base_url:
        return request.url
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{public_base_url}{request.path}{query}"


# --- settings ------------------------------------------------------------------


def api_url_allowed(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine only (the tests' stand-ins)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def read_settings(
    channel: str,
    env: Mapping[str, str],
    required: tuple[str, ...],
    api_urls: Mapping[str, str],
    optional: Mapping[str, str] | None = None,
) -> dict[str, str] | None:
    """The channel's settings, or None (disabled) unless all required are set."""
    values = {name: env.get(name, "").strip() for name in required}
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(required):
        logger.info("%s channel not configured (set %s).", channel, ", ".join(required))
        return None
    if missing:
        logger.warning(
            "%s channel disabled: %s not set (docs/messaging.md).", channel, ", ".join(missing)
        )
        return None
    for name, default in api_urls.items():
        url = env.get(name, "").strip().rstrip("/") or default
        if not api_url_allowed(url):
            logger.warning("%s channel disabled: %s must be an https:// URL.", channel, name)
            return None
        values[name] = url
    for name, default in (optional or {}).items():
        values[name] = env.get(name, "").strip() or default
    public = env.get(PUBLIC_BASE_URL_ENV, "").strip().rstrip("/")
    if public and not public_base_url_allowed(public):
        logger.warning(
            "%s channel disabled: %s must be an https:// URL without query.",
            channel,
            PUBLIC_BASE_URL_ENV,
        )
        return None
    values[PUBLIC_BASE_URL_ENV] = public
    return values


def public_base_url_allowed(url: str) -> bool:
    """An https:// address (http:// to this machine only), path but no query."""
    return api_url_allowed(url) and bool(re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", url))


# --- logging -------------------------------------------------------------------------


def error_summary(error: BaseException) -> str:
    """The exception's type and where it was raised: never its message or a
    traceback, which could carry message text, phone numbers or tokens."""
    where = ""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is not None:
        code = traceback.tb_frame.f_code
        where = f" ({os.path.basename(code.co_filename)}:{traceback.tb_lineno} in {code.co_name})"
    return type(error).__name__ + where


# --- platform API calls -----------------------------------------------------------

_RETRY_STATUSES = {429, 503}


async def call_api(
    what: str,
    url: str,
    *,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
) -> dict[str, Any] | None:
    """POST to a platform API; the JSON answer, or None after logging a failure.

    Retries only when the request surely did not take effect (no connection,
    429, 503), so a reply is never sent twice. The URL is never logged: some
    platforms put the token in it.
    """
    timeout = aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS)
    for attempt in range(1, API_ATTEMPTS + 1):
        retry = attempt < API_ATTEMPTS
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(
                    url, json=json_body, data=form, headers=headers, params=params, auth=auth
                ) as reply,
            ):
                body = await reply.read()
                if reply.status in _RETRY_STATUSES and retry:
                    await asyncio.sleep(0.5 * attempt)
                    continue
                if reply.status >= 400:
                    logger.warning("%s failed: HTTP %s", what, reply.status)
                    return None
                return json_object(body) or {}
        except aiohttp.ClientConnectorError:
            if retry:
                await asyncio.sleep(0.5 * attempt)
                continue
            logger.warning("%s failed: cannot connect", what)
            return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("%s failed: %s", what, type(error).__name__)
            return None
    return None


# --- output --------------------------------------------------------------------


class MessagingOutput(OutputChannel):
    """Sends one turn's replies to one user of a platform.

    Bound to the real address of the user, so Rasa's recipient_id (a pseudonym)
    is not used. Subclasses set `limit` and implement `deliver`; they may offer
    native buttons (`native_buttons`) or decorate numbered ones
    (`numbered_extra`). Buffered channels send the whole turn as one message
    (split only at the limit), so SMS parts cannot arrive out of order.
    """

    channel: ClassVar[str] = "messaging"
    limit: ClassVar[int] = 1600
    buffered: ClassVar[bool] = False

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(self) -> None:
        self.replies = 0
        self.numbered_payloads: list[str] = []
        # Called with the numbered payloads before they are sent (run_turn
        # remembers them there), so a quick reply number finds its list.
        self.offering: Callable[[list[str]], None] = lambda payloads: None
        self._buffer: list[str] = []

    def prepare(self, text: str) -> str:
        return plain_text(text)

    def native_buttons(self, options: list[Option]) -> Any | None:
        """The platform's button markup, or None to number the options instead."""
        return None

    def numbered_extra(self, options: list[Option], start: int) -> Any | None:
        return None

    async def deliver(self, text: str, extra: Any | None) -> None:
        raise NotImplementedError

    async def say(self, text: str, extra: Any | None = None) -> None:
        self.replies += 1
        text = self.prepare(text or "")
        if self.buffered:
            if text:
                self._buffer.append(text)
            return
        if not text and extra is None:
            return
        parts = split_message(text or replies.choose_prompt(), self.limit)
        for index, part in enumerate(parts):
            await self._deliver_safely(part, extra if index == len(parts) - 1 else None)

    async def flush(self) -> None:
        text, self._buffer = "\n\n".join(self._buffer), []
        for part in split_message(text, self.limit) if text else []:
            await self._deliver_safely(part, None)

    async def _deliver_safely(self, text: str, extra: Any | None) -> None:
        try:
            await self.deliver(text, extra)
        except Exception as error:  # one failed part must not stop the turn
            logger.error("%s: sending a reply failed: %s", self.channel, error_summary(error))

    # Rasa's OutputChannel interface

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.say(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        options = options_from_buttons(buttons)
        if not options:
            await self.say(text)
            return
        native = None if self.buffered else self.native_buttons(options)
        if native is not None:
            await self.say(text, native)
            return
        start = len(self.numbered_payloads) + 1
        self.numbered_payloads.extend(option.payload for option in options)
        self.offering(list(self.numbered_payloads))
        await self.say(numbered_options(text, options, start), self.numbered_extra(options, start))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        logger.debug("%s: custom payloads are not sent", self.channel)


# --- one turn ------------------------------------------------------------------


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    channel: str,
    conversation: str,
    text: str | None,
    output: MessagingOutput,
    offered: OfferedOptions,
) -> None:
    """Answer one incoming message; text None means it was not text.

    The patient always gets a reply: a clear one for non-text, empty or
    over-long messages (which never reach the model) and a failure notice when
    the bot failed or produced nothing. Numbered options are remembered for the
    conversation before they are sent, and replaced at the end of the turn.
    """
    output.offering = lambda payloads: offered.remember(conversation, payloads)
    try:
        if text is None:
            await output.say(replies.non_text())
            return
        text = readable_text(text)
        if not text.strip():
            await output.say(replies.empty_message())
            return
        if len(text) > MAX_MESSAGE_CHARS:
            await output.say(replies.too_long())
            return
        payloads = offered.get(conversation)
        number = chosen_number(text) if payloads else None
        if number is not None:
            if not 1 <= number <= len(payloads):
                await output.say(replies.out_of_range(len(payloads)))
                return
            text = payloads[number - 1]
        failed = False
        try:
            with action_server.watching_actions() as failed_actions:
                await on_new_message(UserMessage(text, output, conversation, input_channel=channel))
            failed = bool(failed_actions)
        except Exception as error:  # the patient still gets an answer
            logger.error("Handling a %s message failed: %s", channel, error_summary(error))
            failed = True
        if failed or not output.replies:
            await output.say(replies.failure())
        offered.remember(conversation, output.numbered_payloads)
    finally:
        await output.flush()


# --- input ---------------------------------------------------------------------

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def forbidden() -> HTTPResponse:
    return response.text("forbidden", status=403)


def bad_request(reason: str) -> HTTPResponse:
    return response.text(reason, status=400)


def too_large() -> HTTPResponse:
    return response.text(f"the body must be at most {MAX_BODY_BYTES} bytes", status=413)


class MessagingInput(InputChannel):
    """Base of our messaging channels: settings from the environment only,
    disabled (404, no start-up calls) unless all required variables are set.

    A channel sets its variables, reads its settings in `configure` and answers
    its webhook (POST /webhook) in `handle`: check the signature, parse, call
    `start_turn` for each patient message and acknowledge at once. The shared
    wrapper refuses oversized bodies first and turns unexpected errors into a
    500 logged by type only.
    """

    channel: ClassVar[str] = "messaging"
    required_env: ClassVar[tuple[str, ...]] = ()
    api_url_env: ClassVar[dict[str, str]] = {}
    optional_env: ClassVar[dict[str, str]] = {}
    # Variables whose value must match a pattern: name -> (pattern, what it must be).
    env_patterns: ClassVar[dict[str, tuple[re.Pattern[str], str]]] = {}

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if credentials:
            logger.warning(
                "%s: settings in the credentials file are ignored; "
                "set environment variables instead (docs/messaging.md).",
                cls.channel,
            )
        settings = read_settings(
            cls.channel, os.environ, cls.required_env, cls.api_url_env, cls.optional_env
        )
        channel = cls(settings)
        if channel.enabled:
            logger.info("%s channel enabled.", cls.channel)
        return channel

    def __init__(self, settings: dict[str, str] | None) -> None:
        replies.channel_texts()  # a missing reply text stops the start, not a patient
        for name, (pattern, what) in self.env_patterns.items():
            if settings is not None and not pattern.fullmatch(settings.get(name, "")):
                logger.warning("%s channel disabled: %s must be %s.", self.channel, name, what)
                settings = None
        self.settings = settings
        self.deliveries = RecentDeliveries()
        self.offered = OfferedOptions()
        self.locks = ConversationLocks()
        self._background: set[asyncio.Task[Any]] = set()
        self._on_new_message: OnNewMessage | None = None
        if settings is not None:
            self.configure(settings)

    def configure(self, settings: dict[str, str]) -> None:
        """Reads the settings of an enabled channel (called once, from __init__)."""

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"secure_{self.channel}_webhook", __name__)
        harden_server_on_start(webhook)
        action_server.install()
        enabled = self.enabled

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not enabled:
                return response.json({"status": "not configured"}, status=404)
            return response.json({"status": "ok"})

        if not enabled:

            @webhook.route("/webhook", methods=["GET", "POST"])
            async def not_configured(_: Request) -> HTTPResponse:
                return response.text("not configured", status=404)

            return webhook

        self._on_new_message = on_new_message
        self.add_routes(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.guarded(request)

        return webhook

    def add_routes(self, webhook: Blueprint) -> None:
        """Routes and listeners besides POST /webhook (none by default)."""

    async def handle(self, request: Request) -> HTTPResponse:
        raise NotImplementedError

    async def guarded(self, request: Request) -> HTTPResponse:
        """Runs `handle`, after refusing an oversized body; an unexpected error
        is logged by type only (Sanic's own error log could include message text)."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            logger.warning("%s: refused a request body over %s bytes", self.channel, MAX_BODY_BYTES)
            return too_large()
        try:
            return await self.handle(request)
        except Exception as error:
            logger.error("%s webhook failed: %s", self.channel, error_summary(error))
            return response.text("error", status=500)

    # --- turns in the background

    def start_turn(self, conversation: str, text: str | None, output: MessagingOutput) -> None:
        """Answers one message in the background: the webhook is acknowledged at
        once, so a platform that stops waiting (Twilio after 15 s, Meta and
        Slack after a few) cannot cancel the turn half-way or lose the reply."""
        self.in_background(self._turn(conversation, text, output))

    async def _turn(self, conversation: str, text: str | None, output: MessagingOutput) -> None:
        assert self._on_new_message is not None, "start_turn before blueprint"
        async with self.locks.hold(conversation):
            await run_turn(
                self._on_new_message, self.channel, conversation, text, output, self.offered
            )

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs work as a task that is kept referenced until it ends; a failure
        is logged by exception type and location only."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("%s: background work failed: %s", self.channel, error_summary(error))

    @property
    def pending(self) -> int:
        """Background tasks not finished yet."""
        return len(self._background)
