"""Unit tests of the pure helpers in channels/messaging.py and the platform
parsers: formatting, splitting, numbered options, memory, signatures, settings."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import re
import time

import pytest
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

from channels import facebook, slack, telegram, twilio
from channels.messaging import (
    MAX_FORM_FIELDS,
    ConversationLocks,
    ExpiringMap,
    OfferedOptions,
    Option,
    RecentDeliveries,
    api_url_allowed,
    chosen_number,
    conversation_id,
    error_summary,
    facebook_signature_valid,
    form_params,
    numbered_options,
    options_from_buttons,
    plain_text,
    read_settings,
    secret_matches,
    slack_signature_valid,
    sms_text,
    split_message,
    text_length,
    twilio_signature,
    twilio_signature_valid,
)

# --- splitting ------------------------------------------------------------------------


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_part() -> None:
    assert split_message("  What is IGRT?  ", 1600) == ["What is IGRT?"]
    assert split_message("", 1600) == []


def test_long_text_is_split_at_sentence_ends_within_the_limit() -> None:
    sentence = "Radiation therapy uses powerful energy beams to kill cancer. "
    text = sentence * 100  # about 6,100 characters
    parts = split_message(text, 1600)
    assert len(parts) == 4
    assert all(len(part) <= 1600 for part in parts)
    assert all(part.endswith("cancer.") for part in parts)
    assert " ".join(parts).split() == text.split()


def test_paragraphs_are_preferred_over_sentences() -> None:
    first = "A" * 50 + ". " + "B" * 40 + "."
    text = f"{first}\n\n{'C' * 30}. {'D' * 30}."
    assert split_message(text, 100) == [first, f"{'C' * 30}. {'D' * 30}."]


def test_words_are_kept_whole_when_there_is_no_sentence_end() -> None:
    text = " ".join(["radiation"] * 50)
    parts = split_message(text, 64)
    assert all(len(part) <= 64 for part in parts)
    assert all(set(part.split()) == {"radiation"} for part in parts)
    assert " ".join(parts).split() == text.split()


def test_a_word_longer_than_the_limit_is_cut_and_nothing_is_lost() -> None:
    text = "see https://example.org/" + "x" * 300 + " then"
    parts = split_message(text, 100)
    assert all(len(part) <= 100 for part in parts)
    assert squeeze("".join(parts)) == squeeze(text)


def test_limits_count_utf16_units_like_the_platforms() -> None:
    text = "😀" * 3000  # 2 units each
    parts = split_message(text, 4096)
    assert [text_length(part) for part in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = ("She said \"Stop.\" (An aside.) [See 2.] It's 'fine!' Really? " * 40).strip()
    for limit in (20, 45, 160, 1600):
        parts = split_message(text, limit)
        assert all(text_length(part) <= limit for part in parts)
        assert squeeze("".join(parts)) == squeeze(text)
        assert not any(part[0] in "\"')]" for part in parts)
    assert split_message('One "Stop." Two.', 12) == ['One "Stop."', "Two."]
    assert split_message("One (aside.) Two.", 13) == ["One (aside.)", "Two."]


@pytest.mark.parametrize("limit", [20, 160, 1600, 2000, 3000, 4096])
def test_random_texts_split_within_the_limit_and_keep_everything(limit: int) -> None:
    rng = random.Random(limit)
    words = ["IGRT", "radiation", "therapy.", "images,", "x" * 40, "😀", "\n", "\n\n", "é",
             '"Stop."', "(aside.)", "[note!]", "'why?'", '."\')', "?)"]  # fmt: skip
    for _ in range(30):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 2000)))
        parts = split_message(text, limit)
        assert all(0 < text_length(part) <= limit for part in parts)
        assert squeeze("".join(parts)) == squeeze(text)


def test_split_refuses_a_useless_limit() -> None:
    with pytest.raises(ValueError):
        split_message("abc", 1)


# --- formatting -------------------------------------------------------------------------


def test_plain_text_drops_markdown() -> None:
    markdown = (
        "# Preparing\n**Before** IGRT, see *your* _care team_.\n* item one\n"
        "Read [our page](https://clinic.example/igrt) or `call us`. ~~old~~"
    )
    assert plain_text(markdown) == (
        "Preparing\nBefore IGRT, see your care team.\n- item one\n"
        "Read our page (https://clinic.example/igrt) or call us. old"
    )


def test_plain_text_leaves_ordinary_text_alone() -> None:
    text = "I'm here: 2*3*4 = 24, side_effects_table, 1. What is IGRT?\n2. Chest"
    assert plain_text(text) == text


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
        {"title": "**Bold**", "payload": "/y"},
    ]
    assert options_from_buttons(buttons) == [
        Option("Chest", '/inform_body_site{"body_site": "chest"}'),
        Option("Bold", "/y"),
    ]
    assert options_from_buttons(None) == []


# --- memory -----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expiring_map_forgets_old_entries_and_keeps_its_size() -> None:
    clock = Clock()
    items = ExpiringMap(ttl_seconds=60, max_items=3, clock=clock)
    items.set("a", 1)
    clock.now += 30
    items.set("b", 2)
    assert items.get("a") == 1
    clock.now += 31
    assert items.get("a") is None and items.get("b") == 2
    for key in "cdef":
        items.set(key, key)
    assert len(items) == 3 and items.get("b") is None and items.get("f") == "f"


def test_recent_deliveries_recognise_repeats_by_any_key() -> None:
    seen = RecentDeliveries()
    assert not seen.is_repeat("event:1", "client:a")
    assert seen.is_repeat("event:1")
    assert seen.is_repeat("event:2", "client:a")  # same message, other event id
    assert not seen.is_repeat("event:3", None)


def test_recent_deliveries_keep_no_user_id() -> None:
    seen = RecentDeliveries()
    assert not seen.is_repeat("t:7000123456789:1700000000", "action:U0PATIENT:1.2", "x:\udcff")
    kept = seen.keys()
    assert len(kept) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in kept)
    assert not any("7000123456789" in key or "U0PATIENT" in key for key in kept)
    assert RecentDeliveries().keys() == [] and not RecentDeliveries().is_repeat("event:1")


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


def test_offered_options_are_replaced_each_turn() -> None:
    offered = OfferedOptions()
    offered.remember("c1", ["/a", "/b"])
    assert offered.get("c1") == ["/a", "/b"] and offered.get("c2") == []
    offered.remember("c1", [])
    assert offered.get("c1") == []


def test_conversation_ids_are_stable_pseudonyms() -> None:
    one = conversation_id("secret", "twilio", "+15551234567")
    assert one == conversation_id("secret", "twilio", "+15551234567")
    assert one.startswith("twilio-") and "5551234567" not in one
    assert one != conversation_id("other", "twilio", "+15551234567")
    assert one != conversation_id("secret", "twilio", "whatsapp:+15551234567")
    assert conversation_id("s", "slack", "T1", "U1") != conversation_id("s", "slack", "T1U", "1")


# --- signatures -------------------------------------------------------------------------

TWILIO_URL = "https://clinic.example.org/webhooks/twilio/webhook"


def test_twilio_signature_matches_twilios_own_library_blank_fields_included() -> None:
    params = {"Body": "what is igrt", "From": "+15551234567", "MessagingServiceSid": "",
              "NumMedia": "0", "ToCity": ""}  # fmt: skip
    official = RequestValidator("token").compute_signature(TWILIO_URL, params)
    as_form = form_params(
        b"Body=what+is+igrt&From=%2B15551234567&MessagingServiceSid=&NumMedia=0&ToCity="
    )
    assert twilio_signature("token", TWILIO_URL, as_form) == official
    assert twilio_signature_valid("token", TWILIO_URL, as_form, official)


def test_twilio_signature_rejections() -> None:
    params = form_params(b"Body=hi&From=%2B1555")
    good = twilio_signature("token", TWILIO_URL, params)
    assert not twilio_signature_valid("token", TWILIO_URL, params, None)
    assert not twilio_signature_valid("token", TWILIO_URL, params, "")
    assert not twilio_signature_valid("other", TWILIO_URL, params, good)
    assert not twilio_signature_valid("token", TWILIO_URL + "?x=1", params, good)
    tampered = form_params(b"Body=ho&From=%2B1555")
    assert not twilio_signature_valid("token", TWILIO_URL, tampered, good)
    # Twilio signs some URLs with the default port: both forms are accepted.
    with_port = twilio_signature("token", TWILIO_URL.replace(".org/", ".org:443/"), params)
    assert twilio_signature_valid("token", TWILIO_URL, params, with_port)


def test_facebook_signature() -> None:
    body = b'{"object": "page", "entry": []}'
    digest = hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert facebook_signature_valid("app-secret", body, f"sha256={digest}")
    assert not facebook_signature_valid("app-secret", body + b" ", f"sha256={digest}")
    assert not facebook_signature_valid("other", body, f"sha256={digest}")
    assert not facebook_signature_valid("app-secret", body, digest)  # no "sha256="
    sha1 = hmac.new(b"app-secret", body, hashlib.sha1).hexdigest()
    assert not facebook_signature_valid("app-secret", body, f"sha1={sha1}")
    assert not facebook_signature_valid("app-secret", body, None)
    assert not facebook_signature_valid("app-secret", body, "sha256=\udcc3\udcbc")


def test_slack_signature_as_slack_computes_it() -> None:
    body = b'{"type": "event_callback"}'
    now = time.time()
    stamp = str(int(now))
    signature = SignatureVerifier("signing").generate_signature(timestamp=stamp, body=body)
    assert slack_signature_valid("signing", body, stamp, signature, now=now)
    assert not slack_signature_valid("signing", body + b"x", stamp, signature, now=now)
    assert not slack_signature_valid("other", body, stamp, signature, now=now)
    assert not slack_signature_valid("signing", body, stamp, signature, now=now + 301)
    assert not slack_signature_valid("signing", body, stamp, signature, now=now - 301)
    assert not slack_signature_valid("signing", body, stamp, None, now=now)
    assert not slack_signature_valid("signing", body, None, signature, now=now)
    assert not slack_signature_valid("signing", body, "12e3", signature, now=now)
    assert not slack_signature_valid("signing", body, "-1", signature, now=now)


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


REQUIRED = ("X_TOKEN", "X_SECRET")
URLS = {"X_API_URL": "https://api.example"}


def test_settings_need_every_required_variable(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert read_settings("x", {}, REQUIRED, URLS) is None
    assert read_settings("x", {"X_TOKEN": "tok-value", "X_SECRET": "  "}, REQUIRED, URLS) is None
    assert "X_SECRET not set" in caplog.text
    assert "tok-value" not in caplog.text
    settings = read_settings(
        "x", {"X_TOKEN": "t", "X_SECRET": "s", "PUBLIC_BASE_URL": "https://h.example/"},
        REQUIRED, URLS, {"X_VERSION": "v1"},
    )  # fmt: skip
    assert settings == {
        "X_TOKEN": "t", "X_SECRET": "s", "X_API_URL": "https://api.example",
        "X_VERSION": "v1", "PUBLIC_BASE_URL": "https://h.example",
    }  # fmt: skip


def test_settings_refuse_an_insecure_api_url() -> None:
    env = {"X_TOKEN": "t", "X_SECRET": "s", "X_API_URL": "http://evil.example"}
    assert read_settings("x", env, REQUIRED, URLS) is None
    env["X_API_URL"] = "http://127.0.0.1:9000/"
    assert read_settings("x", env, REQUIRED, URLS)["X_API_URL"] == "http://127.0.0.1:9000"


def test_public_base_url_is_an_address_without_query() -> None:
    env = {"X_TOKEN": "t", "X_SECRET": "s"}
    for good in ("https://clinic.example.org/", "https://clinic.example.org/assistant"):
        settings = read_settings("x", {**env, "PUBLIC_BASE_URL": good}, REQUIRED, URLS)
        assert settings["PUBLIC_BASE_URL"] == good.rstrip("/")
    for bad in ("clinic.example.org", "https://clinic.example.org/?a=1", "ftp://x",
                "http://clinic.example.org", "https://"):  # fmt: skip
        assert read_settings("x", {**env, "PUBLIC_BASE_URL": bad}, REQUIRED, URLS) is None
    local = read_settings("x", {**env, "PUBLIC_BASE_URL": "http://127.0.0.1:5005"}, REQUIRED, URLS)
    assert local["PUBLIC_BASE_URL"] == "http://127.0.0.1:5005"


def test_telegram_secret_must_be_one_telegram_accepts() -> None:
    base = {
        "TELEGRAM_BOT_TOKEN": "1:t", "TELEGRAM_API_URL": "https://api.telegram.org",
        "PUBLIC_BASE_URL": "",
    }  # fmt: skip
    secret = "TELEGRAM_WEBHOOK_SECRET"
    assert telegram.SecureTelegramInput({**base, secret: "ok_Secret-1"}).enabled
    assert not telegram.SecureTelegramInput({**base, secret: "no spaces"}).enabled
    assert not telegram.SecureTelegramInput({**base, secret: "x" * 257}).enabled


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


def test_twilio_signature_is_base64_sha1() -> None:
    expected = base64.b64encode(hmac.new(b"t", b"https://x/yBodyhi", hashlib.sha1).digest())
    assert twilio_signature("t", "https://x/y", {"Body": ["hi"]}) == expected.decode()
