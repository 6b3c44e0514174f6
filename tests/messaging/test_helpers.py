"""Unit tests of the pure helpers in channels/messaging/ and the platform
modules: text, numbered options, memory, signatures, settings, parsers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from slack_sdk.signature import Clock, SignatureVerifier
from twilio.request_validator import RequestValidator

from channels import facebook, slack, telegram, twilio
from channels.messaging.deliveries import ExpiringSet, MemoryDeliveryLog
from channels.messaging.logs import error_summary
from channels.messaging.options import (
    Option,
    chosen_number,
    numbered_options,
    offered_payloads,
    options_from_buttons,
)
from channels.messaging.pseudonyms import conversation_id, derived_key
from channels.messaging.settings import api_url_allowed, load_settings
from channels.messaging.signatures import secret_matches
from channels.messaging.text import packed, sms_text, text_length
from channels.messaging.turn import ConversationLocks
from channels.messaging.webhooks import MAX_FORM_FIELDS, form_params

# --- text -----------------------------------------------------------------------------


def test_limits_count_utf16_units_like_the_platforms() -> None:
    assert text_length("IGRT") == 4
    assert text_length("😀é") == 3


def test_a_turn_is_packed_into_as_few_messages_as_fit() -> None:
    assert packed([], 20) == []
    assert packed(["Disclaimer.", "Answer."], 1600) == ["Disclaimer.\n\nAnswer."]
    assert packed(["a" * 10, "b" * 10, "c" * 3], 21) == ["a" * 10, "b" * 10 + "\n\n" + "c" * 3]
    assert packed(["😀" * 6, "x"], 15) == ["😀" * 6 + "\n\nx"]
    assert packed(["😀" * 6, "xy"], 15) == ["😀" * 6, "xy"]


# --- formatting -------------------------------------------------------------------------


def test_sms_text_uses_ascii_punctuation() -> None:
    assert sms_text("It\u2019s \u201cfine\u201d \u2013 really\u2026") == 'It\'s "fine" - really...'


def test_numbered_options() -> None:
    options = [Option("What is IGRT?", "/what_is_igrt"), Option("Chest", "/x")]
    assert numbered_options("Hello!", options) == (
        "Hello!\n\nReply with a number:\n1. What is IGRT?\n2. Chest"
    )
    assert numbered_options("", options, start=5).endswith("5. What is IGRT?\n6. Chest")


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 2. ", 2), ("#3", 3), ("4)", 4), ("\uff11", 1), ("12", 12),
     ("2 please", None), ("two", None), ("", None), ("1234", None), ("1.5", None)],
)  # fmt: skip
def test_chosen_number(text: str, number: int | None) -> None:
    assert chosen_number(text) == number


def test_options_from_rasa_buttons_skip_unusable_ones() -> None:
    buttons = [
        {"title": "Chest", "payload": '/inform_body_site{"body_site": "chest"}'},
        {"title": "", "payload": "/x"},
        {"title": "No payload"},
        "not a button",
        {"title": " Padded ", "payload": "/y"},
    ]
    assert options_from_buttons(buttons) == [
        Option("Chest", '/inform_body_site{"body_site": "chest"}'),
        Option("Padded", "/y"),
    ]
    assert options_from_buttons(None) == []


# --- memory -----------------------------------------------------------------------------


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expiring_set_forgets_old_members_and_keeps_its_size() -> None:
    clock = ManualClock()
    seen = ExpiringSet(ttl_seconds=60, max_items=3, clock=clock)
    assert seen.add("a")
    clock.now += 30
    assert seen.add("b")
    assert not seen.add("a")  # seen; its time starts again
    clock.now += 61
    assert seen.members() == []
    for key in "cdef":
        seen.add(key)
    assert seen.members() == ["d", "e", "f"]


def test_recent_deliveries_recognise_repeats_by_any_key() -> None:
    seen = MemoryDeliveryLog(derived_key("secret", "delivery-ids"))

    async def check() -> list[bool]:
        return [
            await seen.is_repeat("event:1", "client:a"),
            await seen.is_repeat("event:1"),
            await seen.is_repeat("event:2", "client:a"),  # same message, other event id
            await seen.is_repeat("event:3", None),
        ]

    assert asyncio.run(check()) == [False, True, True, False]


def test_recent_deliveries_keep_no_user_id_and_share_the_channels_key() -> None:
    seen = MemoryDeliveryLog(derived_key("secret", "delivery-ids"))
    ids = ("t:7000123456789:1700000000", "action:U0PATIENT:1.2", "x:\udcff")
    assert not asyncio.run(seen.is_repeat(*ids))
    kept = seen.kept()
    assert len(kept) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in kept)
    assert not any("7000123456789" in key or "U0PATIENT" in key for key in kept)
    # Another process with the same channel secret keeps the same hashes.
    other = MemoryDeliveryLog(derived_key("secret", "delivery-ids"))
    asyncio.run(other.is_repeat(*ids))
    assert other.kept() == kept


def test_conversation_locks_run_turns_in_order_and_are_released() -> None:
    locks, log = ConversationLocks(), []

    async def turn(conversation: str, name: str, seconds: float) -> None:
        async with locks.hold(conversation):
            log.append(f"{name} start")
            await asyncio.sleep(seconds)
            log.append(f"{name} end")

    async def main() -> None:
        await asyncio.gather(turn("c1", "a", 0.05), turn("c1", "b", 0), turn("c2", "x", 0.01))

    asyncio.run(main())
    assert log.index("a end") < log.index("b start")  # one conversation: one at a time
    assert log.index("x start") < log.index("a end")  # others do not wait
    assert len(locks) == 0


def test_the_options_offered_are_those_numbered_since_the_patients_last_message() -> None:
    greet = [{"title": "What is IGRT?", "payload": "/what_is_igrt"}]
    sites = [{"title": "Chest", "payload": "/chest"}, {"title": "Pelvis", "payload": "/pelvis"}]
    events = [
        UserUttered("/greet"),
        BotUttered("Hello!", {"buttons": greet}),
        UserUttered("side effects"),
        ActionExecuted("utter_ask_body_site"),
        BotUttered("Disclaimer.", {}),
        BotUttered("Which part?", {"buttons": sites}),
        BotUttered("Or:", {"quick_replies": greet}),
    ]
    assert offered_payloads(events, lambda options: True) == ["/chest", "/pelvis", "/what_is_igrt"]
    # Buttons the platform showed as its own buttons were not numbered.
    only_long = offered_payloads(events, lambda options: len(options) == 1)
    assert only_long == ["/what_is_igrt"]
    assert offered_payloads([*events, UserUttered("thanks")], lambda options: True) == []
    assert offered_payloads([], lambda options: True) == []


def test_conversation_ids_are_stable_pseudonyms() -> None:
    one = conversation_id("secret", "twilio", "+15551234567")
    assert one == conversation_id("secret", "twilio", "+15551234567")
    assert one.startswith("twilio-") and "5551234567" not in one
    assert one != conversation_id("other", "twilio", "+15551234567")
    assert one != conversation_id("secret", "twilio", "whatsapp:+15551234567")
    assert conversation_id("s", "slack", "T1", "U1") != conversation_id("s", "slack", "T1U", "1")


# --- signatures: the platforms' own libraries sign, our checks verify ----------------

TWILIO_URL = "https://clinic.example.org/webhooks/twilio/webhook"


def test_twilio_signature_is_checked_with_blank_fields_and_either_port() -> None:
    params = {"Body": "what is igrt", "From": "+15551234567", "MessagingServiceSid": "",
              "NumMedia": "0", "ToCity": ""}  # fmt: skip
    official = RequestValidator("token").compute_signature(TWILIO_URL, params)
    as_form = form_params(
        b"Body=what+is+igrt&From=%2B15551234567&MessagingServiceSid=&NumMedia=0&ToCity="
    )
    assert twilio.signature_valid("token", TWILIO_URL, as_form, official)
    # Twilio signs some URLs with the default port: both forms are accepted.
    with_port = RequestValidator("token").compute_signature(
        TWILIO_URL.replace(".org/", ".org:443/"), params
    )
    assert twilio.signature_valid("token", TWILIO_URL, as_form, with_port)


def test_twilio_signature_rejections() -> None:
    params = form_params(b"Body=hi&From=%2B1555")
    good = RequestValidator("token").compute_signature(TWILIO_URL, {"Body": "hi", "From": "+1555"})
    assert twilio.signature_valid("token", TWILIO_URL, params, good)
    assert not twilio.signature_valid("token", TWILIO_URL, params, None)
    assert not twilio.signature_valid("token", TWILIO_URL, params, "")
    assert not twilio.signature_valid("other", TWILIO_URL, params, good)
    assert not twilio.signature_valid("token", TWILIO_URL + "?x=1", params, good)
    tampered = form_params(b"Body=ho&From=%2B1555")
    assert not twilio.signature_valid("token", TWILIO_URL, tampered, good)
    assert not twilio.signature_valid("token", TWILIO_URL + "\udcff", params, good)


def test_facebook_signature() -> None:
    """Meta's algorithm, written out (Meta publishes no Python library for it)."""
    body = b'{"object": "page", "entry": []}'
    digest = hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert facebook.signature_valid("app-secret", body, f"sha256={digest}")
    assert not facebook.signature_valid("app-secret", body + b" ", f"sha256={digest}")
    assert not facebook.signature_valid("other", body, f"sha256={digest}")
    assert not facebook.signature_valid("app-secret", body, digest)  # no "sha256="
    sha1 = hmac.new(b"app-secret", body, hashlib.sha1).hexdigest()
    assert not facebook.signature_valid("app-secret", body, f"sha1={sha1}")
    assert not facebook.signature_valid("app-secret", body, None)
    assert not facebook.signature_valid("app-secret", body, "sha256=\udcc3\udcbc")


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def test_slack_signature_as_slack_computes_it() -> None:
    body = b'{"type": "event_callback"}'
    now = time.time()
    stamp = str(int(now))
    signature = SignatureVerifier("signing").generate_signature(timestamp=stamp, body=body)

    def valid(secret: str = "signing", at: float = now, **request: object) -> bool:
        given = {"body": body, "timestamp": stamp, "signature": signature, **request}
        verifier = SignatureVerifier(secret, clock=FixedClock(at))
        return slack.signature_valid(verifier, **given)  # type: ignore[arg-type]

    assert valid()
    assert not valid(body=body + b"x")
    assert not valid(secret="other")
    assert not valid(at=now + 301) and not valid(at=now - 301)
    assert not valid(signature=None) and not valid(timestamp=None)
    assert not valid(timestamp="12e3") and not valid(timestamp="-1")
    assert not valid(signature="v0=\u00fc") and not valid(body=b"\xff")


def test_secret_matches() -> None:
    assert secret_matches("s3cret_token", "s3cret_token")
    assert not secret_matches("s3cret_token", "s3cret_tokeN")
    assert not secret_matches("s3cret_token", None)
    assert not secret_matches("s3cret_token", "")
    assert not secret_matches("s3cret_token", "\udcff")


def test_form_params_keep_blank_and_repeated_fields() -> None:
    assert form_params(b"a=&b=1&b=2&c=%F0%9F%98%80") == {"a": [""], "b": ["1", "2"], "c": ["😀"]}
    assert form_params(b"\xff\xfe") == {}


def test_form_params_refuse_too_many_fields() -> None:
    assert len(form_params(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS)))) == 200
    assert form_params(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS + 1))) == {}


def test_errors_are_summarised_without_their_message() -> None:
    def fail() -> None:
        raise RuntimeError("patient +15551234567 said: my secret question")

    try:
        fail()
    except RuntimeError as error:
        summary = error_summary(error)
    assert re.fullmatch(r"RuntimeError \(test_helpers\.py:\d+ in fail\)", summary)
    assert error_summary(ValueError("x")) == "ValueError"  # never raised: no location


# --- settings ---------------------------------------------------------------------------


def test_api_urls_must_be_https_except_on_this_machine() -> None:
    assert api_url_allowed("https://api.telegram.org")
    assert api_url_allowed("http://127.0.0.1:8081")
    assert api_url_allowed("http://localhost:8081")
    assert not api_url_allowed("http://api.telegram.org")
    assert not api_url_allowed("ftp://127.0.0.1")
    assert not api_url_allowed("api.telegram.org")


TELEGRAM = {"TELEGRAM_BOT_TOKEN": "1:t", "TELEGRAM_WEBHOOK_SECRET": "s"}


def load_telegram(env: dict[str, str]) -> telegram.TelegramSettings | None:
    return load_settings("telegram", telegram.TelegramSettings, env)


def test_settings_need_every_required_variable(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert load_telegram({}) is None
    assert "telegram channel not configured" in caplog.text
    assert (
        load_telegram({"TELEGRAM_BOT_TOKEN": "tok-value", "TELEGRAM_WEBHOOK_SECRET": " "}) is None
    )
    assert "TELEGRAM_WEBHOOK_SECRET not set" in caplog.text
    assert "tok-value" not in caplog.text
    settings = load_telegram({**TELEGRAM, "PUBLIC_BASE_URL": "https://h.example/"})
    assert settings is not None
    assert settings.bot_token.get_secret_value() == "1:t"
    assert "1:t" not in repr(settings)  # secrets never show
    assert (settings.api_url, settings.public_base_url) == (
        "https://api.telegram.org", "https://h.example",
    )  # fmt: skip
    assert settings.redis_url is None


def test_settings_refuse_an_insecure_api_url() -> None:
    assert load_telegram({**TELEGRAM, "TELEGRAM_API_URL": "http://evil.example"}) is None
    local = load_telegram({**TELEGRAM, "TELEGRAM_API_URL": "http://127.0.0.1:9000/"})
    assert local is not None and local.api_url == "http://127.0.0.1:9000"


def test_public_base_url_is_an_address_without_query() -> None:
    for good in ("https://clinic.example.org/", "https://clinic.example.org/assistant"):
        settings = load_telegram({**TELEGRAM, "PUBLIC_BASE_URL": good})
        assert settings is not None and settings.public_base_url == good.rstrip("/")
    for bad in ("clinic.example.org", "https://clinic.example.org/?a=1", "ftp://x",
                "http://clinic.example.org", "https://"):  # fmt: skip
        assert load_telegram({**TELEGRAM, "PUBLIC_BASE_URL": bad}) is None
    local = load_telegram({**TELEGRAM, "PUBLIC_BASE_URL": "http://127.0.0.1:5005"})
    assert local is not None and local.public_base_url == "http://127.0.0.1:5005"


def test_telegram_secret_must_be_one_telegram_accepts() -> None:
    secret = "TELEGRAM_WEBHOOK_SECRET"
    assert load_telegram({**TELEGRAM, secret: "ok_Secret-1"}) is not None
    assert load_telegram({**TELEGRAM, secret: "no spaces"}) is None
    assert load_telegram({**TELEGRAM, secret: "x" * 257}) is None


def test_a_redis_url_shares_the_deliveries() -> None:
    settings = load_telegram({**TELEGRAM, "CHANNELS_REDIS_URL": "redis://:pw@127.0.0.1:6379/0"})
    assert settings is not None and "pw" not in repr(settings)
    assert settings.redis_prefix == "igrt:channels:"
    assert load_telegram({**TELEGRAM, "CHANNELS_REDIS_PREFIX": "has space"}) is None


# --- platform parsers -------------------------------------------------------------------


def tg_message(**fields: object) -> dict:
    message = {"message_id": 1, "date": 0, "from": {"id": 5, "is_bot": False},
               "chat": {"id": 5, "type": "private"}, **fields}  # fmt: skip
    return {"update_id": 1, "message": message}


def test_telegram_updates() -> None:
    parse = telegram.parse_update
    assert parse(tg_message(text="what is igrt")) == telegram.TelegramMessage(5, "what is igrt")
    assert parse(tg_message(text="/start")).text == "/greet"
    assert parse(tg_message(text="/help@IgrtBot")).text == "/ask_capabilities"
    assert parse(tg_message(sticker={"file_id": "x"})).text is None
    assert parse(tg_message(text="hi", chat={"id": -9, "type": "group"})) is None
    assert parse(tg_message(text="hi", **{"from": {"id": 7, "is_bot": True}})) is None
    assert parse(tg_message(text="hi", chat={"id": True, "type": "private"})) is None
    assert parse({"update_id": 2, "edited_message": {"text": "x"}}) is None
    chat = {"chat": {"id": 5, "type": "private"}}
    callback = {"update_id": 3, "callback_query": {"id": "cb1", "data": "/what_is_igrt",
                                                   "message": chat}}  # fmt: skip
    assert parse(callback) == telegram.TelegramMessage(5, "/what_is_igrt", "cb1")


def test_twilio_messages() -> None:
    parse = twilio.parse_message
    base = {"MessageSid": "SM1", "From": "+1555", "To": "+1666", "SmsStatus": "received"}
    assert parse({**base, "Body": "hi"}) == twilio.TwilioMessage("SM1", "+1555", "+1666", "hi")
    assert parse({**base, "Body": "", "NumMedia": "1"}).text is None
    assert parse({**base, "Latitude": "1.0", "Longitude": "2.0"}).text is None
    assert parse({**base, "Body": "see photo", "NumMedia": "1"}).text == "see photo"
    assert parse({**base}).text == ""
    assert parse({**base, "SmsStatus": "delivered", "MessageStatus": "delivered"}) is None
    with pytest.raises(ValueError):
        parse({"Body": "hi", "From": "+1555"})


def test_messenger_events() -> None:
    parse = facebook.parse_event
    sender = {"sender": {"id": "P1"}, "timestamp": 5}
    assert parse({**sender, "message": {"mid": "m1", "text": "hi"}}) == facebook.MessengerEvent(
        "P1", "hi", "mid:m1"
    )
    quick = {"mid": "m2", "text": "Chest", "quick_reply": {"payload": "/chest"}}
    assert parse({**sender, "message": quick}).text == "/chest"
    image = {"mid": "m3", "attachments": [{"type": "image", "payload": {"url": "u"}}]}
    assert parse({**sender, "message": image}).text is None
    assert parse({**sender, "message": {"mid": "m4", "text": "x", "is_echo": True}}) is None
    assert parse({**sender, "postback": {"payload": "/greet", "title": "Start"}}).text == "/greet"
    assert parse({**sender, "read": {"watermark": 1}}) is None
    assert parse({"message": {"mid": "m5", "text": "hi"}}) is None
    assert parse("nonsense") is None


def test_slack_events_and_clicks() -> None:
    def body(**event: object) -> dict:
        base = {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1",
                "ts": "1.0"}  # fmt: skip
        return {"team_id": "T1", "event_id": "Ev1", "event": {**base, **event}}

    message = slack.parse_event(body(text="what is &lt;IGRT&gt; &amp; why <@U0BOT>"))
    assert message.text == "what is <IGRT> & why"
    assert message.thread_ts is None and message.delivery_ids == ("event:Ev1",)
    assert slack.parse_event(body(text="", files=[{"id": "F1"}])).text is None
    assert slack.parse_event(body(text="x", bot_id="B1")) is None
    assert slack.parse_event(body(text="x", subtype="message_changed")) is None
    assert slack.parse_event(body(text="x", subtype=[])) is None  # found by test_fuzz.py
    assert slack.parse_event(body(type="app_mention", channel=5, text="hi")) is None
    assert slack.parse_event(body(text="x", channel_type="channel", channel="C1")) is None
    mention = slack.parse_event(body(type="app_mention", channel="C1", text="<@U0BOT> hi"))
    assert (mention.text, mention.thread_ts) == ("hi", "1.0")
    assert slack.user_text("see <https://x.example/a|the page>") == "see the page"

    click = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "D1"},
             "team": {"id": "T1"}, "actions": [{"type": "button", "value": "/greet",
                                                "action_ts": "9.9"}]}  # fmt: skip
    assert slack.parse_interaction(click).text == "/greet"
    assert slack.parse_interaction({**click, "type": "view_submission"}) is None
    assert slack.parse_interaction({**click, "actions": []}) is None


def test_slack_escapes_notification_text() -> None:
    assert slack.escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
