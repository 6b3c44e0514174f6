"""The channels' reply formatting, sent over HTTP to the platform stand-ins:
long answers split at each platform's limit, buttons as each platform shows
them, and the turn logic (numbers picked, failures answered). A small function
plays the bot where Rasa would be."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator

import pytest
from rasa.core.channels.channel import UserMessage

from channels import replies
from channels.facebook import MessengerOutput
from channels.messaging import OfferedOptions, run_turn
from channels.slack import SlackOutput
from channels.telegram import TelegramApi, TelegramOutput
from channels.twilio import TwilioOutput
from messaging.platforms import (
    SLACK_BOT_TOKEN,
    TELEGRAM_TOKEN,
    StandIn,
    slack_text,
    start_stand_ins,
)

SENTENCE = "IGRT uses images taken before each session to aim the radiation precisely. "
LONG = SENTENCE * 100  # about 7,600 characters
GREETING_BUTTONS = [
    {"title": "What is IGRT?", "payload": "/what_is_igrt"},
    {"title": "How do I prepare?", "payload": "/prepare"},
    {"title": "What happens at each session?", "payload": "/during_session"},
]
SITE_BUTTONS = [
    {"title": "Chest", "payload": '/inform_body_site{"body_site": "chest"}'},
    {"title": "Pelvis", "payload": '/inform_body_site{"body_site": "pelvis"}'},
]


@pytest.fixture(scope="module")
def apis() -> Iterator[dict[str, StandIn]]:
    stand_ins = start_stand_ins()
    yield stand_ins
    for stand_in in stand_ins.values():
        stand_in.stop()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def twilio_output(apis: dict[str, StandIn], to: str = "+15550001111") -> TwilioOutput:
    return TwilioOutput(apis["twilio"].url, "AC1", "token", to=to, from_="+15559990000")


def telegram_output(apis: dict[str, StandIn], chat: int) -> TelegramOutput:
    return TelegramOutput(TelegramApi(apis["telegram"].url, TELEGRAM_TOKEN), chat)


def messenger_output(apis: dict[str, StandIn], psid: str) -> MessengerOutput:
    url = f"{apis['facebook'].url}/v21.0/me/messages"
    return MessengerOutput(url, {"access_token": "page-token"}, psid)


def slack_output(apis: dict[str, StandIn], channel: str) -> SlackOutput:
    return SlackOutput(f"{apis['slack'].url}/api", SLACK_BOT_TOKEN, channel, None)


# --- Twilio -------------------------------------------------------------------------------


def test_sms_turn_is_one_message_split_at_1600(apis: dict[str, StandIn]) -> None:
    output = twilio_output(apis, to="+15550000001")

    async def turn() -> None:
        await output.send_text_message("id", "Hi, I\u2019m the clinic\u2019s assistant.")
        await output.send_text_message("id", LONG)
        await output.flush()

    asyncio.run(turn())
    sent = apis["twilio"].recorded(lambda r: r.form()["To"] == "+15550000001")
    bodies = [r.form()["Body"] for r in sent]
    assert len(bodies) == 5 and all(len(body) <= 1600 for body in bodies)
    assert bodies[0].startswith("Hi, I'm the clinic's assistant.\n\nIGRT uses")  # ASCII for SMS
    assert squeeze("".join(bodies)) == squeeze("Hi, I'm the clinic's assistant." + LONG)


def test_whatsapp_keeps_typography(apis: dict[str, StandIn]) -> None:
    output = twilio_output(apis, to="whatsapp:+15550000002")

    async def turn() -> None:
        await output.send_text_message("id", "It\u2019s **fine**.")
        await output.flush()

    asyncio.run(turn())
    [sent] = apis["twilio"].recorded(lambda r: "0000002" in r.form()["To"])
    assert sent.form()["Body"] == "It\u2019s fine."


def test_sms_buttons_are_numbered_across_the_turn(apis: dict[str, StandIn]) -> None:
    output = twilio_output(apis, to="+15550000003")

    async def turn() -> None:
        await output.send_text_with_buttons("id", "Hello!", GREETING_BUTTONS)
        await output.send_text_with_buttons("id", "Or a part of the body:", SITE_BUTTONS)
        await output.flush()

    asyncio.run(turn())
    [sent] = apis["twilio"].recorded(lambda r: "0000003" in r.form()["To"])
    assert sent.form()["Body"] == (
        "Hello!\n\nReply with a number:\n1. What is IGRT?\n2. How do I prepare?\n"
        "3. What happens at each session?\n\nOr a part of the body:\n\n"
        "Reply with a number:\n4. Chest\n5. Pelvis"
    )
    assert output.numbered_payloads == [b["payload"] for b in GREETING_BUTTONS + SITE_BUTTONS]


# --- Telegram -----------------------------------------------------------------------------


def test_telegram_splits_at_4096_with_the_keyboard_on_the_last_part(apis) -> None:
    output = telegram_output(apis, 9001)
    asyncio.run(output.send_text_with_buttons("id", LONG, SITE_BUTTONS))
    sent = [r.json() for r in apis["telegram"].recorded(lambda r: r.json()["chat_id"] == 9001)]
    assert len(sent) == 2 and all(len(m["text"]) <= 4096 for m in sent)
    assert "reply_markup" not in sent[0]
    assert sent[1]["reply_markup"] == {"inline_keyboard": [
        [{"text": "Chest", "callback_data": '/inform_body_site{"body_site": "chest"}'}],
        [{"text": "Pelvis", "callback_data": '/inform_body_site{"body_site": "pelvis"}'}],
    ]}  # fmt: skip
    assert squeeze("".join(m["text"] for m in sent)) == squeeze(LONG)


def test_telegram_numbers_buttons_whose_payload_is_too_long_for_callback_data(apis) -> None:
    output = telegram_output(apis, 9002)
    payload = '/inform_body_site{"body_site": "' + "x" * 60 + '"}'
    asyncio.run(output.send_text_with_buttons("id", "Which?", [{"title": "X", "payload": payload}]))
    [sent] = [r.json() for r in apis["telegram"].recorded(lambda r: r.json()["chat_id"] == 9002)]
    assert sent == {"chat_id": 9002, "text": "Which?\n\nReply with a number:\n1. X"}
    assert output.numbered_payloads == [payload]


# --- Messenger ----------------------------------------------------------------------------


def test_messenger_splits_at_2000_and_uses_quick_replies(apis) -> None:
    output = messenger_output(apis, "P1")
    asyncio.run(output.send_text_with_buttons("id", LONG, SITE_BUTTONS))
    sent = [r.json()["message"] for r in apis["facebook"].recorded(
        lambda r: r.json()["recipient"]["id"] == "P1")]  # fmt: skip
    assert len(sent) == 4 and all(len(m["text"]) <= 2000 for m in sent)
    assert all("quick_replies" not in m for m in sent[:-1])
    assert sent[-1]["quick_replies"] == [
        {"content_type": "text", "title": "Chest", "payload": SITE_BUTTONS[0]["payload"]},
        {"content_type": "text", "title": "Pelvis", "payload": SITE_BUTTONS[1]["payload"]},
    ]
    assert squeeze("".join(m["text"] for m in sent)) == squeeze(LONG)


def test_messenger_numbers_long_titles_and_too_many_buttons(apis) -> None:
    output = messenger_output(apis, "P2")
    many = [{"title": f"Option {n}", "payload": f"/o{n}"} for n in range(14)]

    async def turn() -> None:
        await output.send_text_with_buttons("id", "Hello!", GREETING_BUTTONS)
        await output.send_text_with_buttons("id", "More:", many)

    asyncio.run(turn())
    first, second = [r.json()["message"] for r in apis["facebook"].recorded(
        lambda r: r.json()["recipient"]["id"] == "P2")]  # fmt: skip
    assert "3. What happens at each session?" in first["text"]
    assert [(q["title"], q["payload"]) for q in first["quick_replies"]] == [
        ("1", "/what_is_igrt"), ("2", "/prepare"), ("3", "/during_session"),
    ]  # fmt: skip
    assert "17. Option 13" in second["text"] and "quick_replies" not in second


# --- Slack --------------------------------------------------------------------------------


def test_slack_splits_at_3000_with_buttons_on_the_last_part(apis) -> None:
    output = slack_output(apis, "D9001")
    asyncio.run(output.send_text_with_buttons("id", "**" + LONG.strip() + "**", SITE_BUTTONS))
    sent = apis["slack"].recorded(lambda r: r.json()["channel"] == "D9001")
    texts = [slack_text(r) for r in sent]
    assert len(texts) == 3 and all(len(text) <= 3000 for text in texts)
    assert "**" not in "".join(texts)
    assert [b["type"] for b in sent[-1].json()["blocks"]] == ["section", "actions"]
    buttons = sent[-1].json()["blocks"][1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Chest", SITE_BUTTONS[0]["payload"]), ("Pelvis", SITE_BUTTONS[1]["payload"]),
    ]  # fmt: skip
    assert squeeze("".join(texts)) == squeeze(LONG)


def test_a_failing_platform_api_is_logged_without_secrets(apis, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="channels")
    output = SlackOutput(f"{apis['slack'].url}/api", "xoxb-wrong-token", "D9002", None)
    asyncio.run(output.send_text_message("id", "hello"))  # the stand-in says invalid_auth
    assert "Slack chat.postMessage failed: invalid_auth" in caplog.text
    unreachable = TelegramOutput(TelegramApi("http://127.0.0.1:9", "123:secret-token"), 1)
    asyncio.run(unreachable.send_text_message("id", "hello"))
    assert "Telegram sendMessage failed" in caplog.text
    assert "secret-token" not in caplog.text and "xoxb-wrong-token" not in caplog.text


# --- one turn -----------------------------------------------------------------------------


class Bot:
    """Plays Rasa: answers each message through the channel's output."""

    def __init__(self, fail: bool = False, silent: bool = False) -> None:
        self.received: list[str] = []
        self.fail, self.silent = fail, silent

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text)
        if self.fail:
            raise RuntimeError("the model broke")
        if self.silent:
            return
        if message.text == "/greet":
            await message.output_channel.send_text_with_buttons(
                message.sender_id, "Hello!", GREETING_BUTTONS
            )
        else:
            await message.output_channel.send_text_message(message.sender_id, f"re {message.text}")


def test_a_number_sends_the_payload_of_the_option_offered(apis) -> None:
    bot, offered, number = Bot(), OfferedOptions(), "+15550000010"

    def say(text: str | None) -> list[str]:
        asyncio.run(run_turn(bot, "twilio", "c1", text, twilio_output(apis, number), offered))
        sent = apis["twilio"].recorded(lambda r: r.form()["To"] == number)
        return [r.form()["Body"] for r in sent]

    assert "1. What is IGRT?" in say("/greet")[-1]
    assert say("4")[-1] == "Please reply with a number from 1 to 3, or type your question."
    assert say("2")[-1] == "re /prepare"
    assert say("2")[-1] == "re 2"  # nothing offered any more: the number is just text
    assert say(None)[-1] == replies.non_text()
    assert "type your question" in say("  ")[-1]
    assert "too long" in say("x" * 2001)[-1]
    assert bot.received == ["/greet", "/prepare", "2"]


def test_the_patient_is_told_when_the_bot_fails_or_says_nothing(apis, caplog) -> None:
    for number, bot in (("+15550000011", Bot(fail=True)), ("+15550000012", Bot(silent=True))):
        output = twilio_output(apis, number)
        asyncio.run(run_turn(bot, "twilio", "c2", "secret question", output, OfferedOptions()))
        [sent] = apis["twilio"].recorded(lambda r, n=number: r.form()["To"] == n)
        assert "something went wrong" in sent.form()["Body"]
    assert "Handling a twilio message failed: RuntimeError" in caplog.text
    assert "secret question" not in caplog.text and "the model broke" not in caplog.text


def test_the_patient_is_told_when_the_bot_fails_after_its_first_reply(apis) -> None:
    async def disclaimer_then_crash(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Disclaimer.")
        raise RuntimeError("the model broke")

    output = telegram_output(apis, 9004)
    asyncio.run(run_turn(disclaimer_then_crash, "telegram", "c4", "hi", output, OfferedOptions()))
    sent = apis["telegram"].recorded(lambda r: r.json().get("chat_id") == 9004)
    assert [r.json()["text"] for r in sent] == ["Disclaimer.", replies.failure()]


def test_numbered_options_are_remembered_before_they_are_sent(apis) -> None:
    offered, seen_during_turn = OfferedOptions(), []

    async def bot(message: UserMessage) -> None:
        await message.output_channel.send_text_with_buttons("id", "Which?", GREETING_BUTTONS)
        seen_during_turn.append(offered.get("c3"))  # the patient already has the list

    output = telegram_output(apis, 9003)
    output.native_buttons = lambda options: None  # numbered, as for long payloads
    asyncio.run(run_turn(bot, "telegram", "c3", "/greet", output, offered))
    payloads = [b["payload"] for b in GREETING_BUTTONS]
    assert seen_during_turn == [payloads]
    assert offered.get("c3") == payloads
