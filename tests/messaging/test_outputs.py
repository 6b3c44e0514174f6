"""The channels' replies, sent over HTTP to the platform stand-ins: a turn in
as few messages as fit, buttons as each platform shows them, retries that
never send a reply twice, and the turn logic (numbers picked from the options
in the tracker, failures answered). A small function plays the bot where Rasa
would be (tests/messaging/in_process.py, ToyAgent)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from channels import replies
from channels.facebook import MessengerOutput
from channels.messaging.http import MAX_RETRY_AFTER_SECONDS, PlatformApi
from channels.messaging.output import MessagingOutput
from channels.messaging.turn import run_turn
from channels.slack import SlackOutput
from channels.telegram import TelegramApi, TelegramOutput
from channels.twilio import TwilioOutput
from messaging.in_process import ToyAgent
from messaging.platforms import (
    SLACK_BOT_TOKEN,
    TELEGRAM_TOKEN,
    Recorded,
    StandIn,
    slack_text,
    start_stand_ins,
)

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


def sending(work: Callable[[PlatformApi], Awaitable[Any]]) -> Any:
    """Runs work with a channel's HTTP client, closed afterwards (as at server stop)."""
    api = PlatformApi("test")

    async def run() -> Any:
        try:
            return await work(api)
        finally:
            await api.close()

    return asyncio.run(run())


def twilio_output(api: PlatformApi, url: str, to: str = "+15550001111") -> TwilioOutput:
    return TwilioOutput(api, url, "AC1", "token", to=to, from_="+15559990000")


def telegram_output(api: PlatformApi, url: str, chat: int) -> TelegramOutput:
    return TelegramOutput(TelegramApi(api, url, TELEGRAM_TOKEN), chat)


def messenger_output(api: PlatformApi, url: str, psid: str) -> MessengerOutput:
    return MessengerOutput(api, f"{url}/v21.0/me/messages", {"access_token": "page-token"}, psid)


def slack_output(api: PlatformApi, url: str, channel: str) -> SlackOutput:
    return SlackOutput(api, f"{url}/api", SLACK_BOT_TOKEN, channel, None)


# --- Twilio -------------------------------------------------------------------------------


def test_an_sms_turn_is_one_message_while_it_fits(apis: dict[str, StandIn]) -> None:
    answer = "IGRT uses images taken before each session to aim the radiation precisely."

    async def turn(api: PlatformApi) -> None:
        output = twilio_output(api, apis["twilio"].url, to="+15550000001")
        await output.send_text_message("id", "Hi, I\u2019m the clinic\u2019s assistant.")
        await output.send_text_message("id", answer)
        await output.send_text_message("id", "x" * 1500)  # would not fit with the others
        await output.flush()

    sending(turn)
    sent = apis["twilio"].recorded(lambda r: r.form()["To"] == "+15550000001")
    assert [r.form()["Body"] for r in sent] == [
        f"Hi, I'm the clinic's assistant.\n\n{answer}",  # ASCII for SMS
        "x" * 1500,
    ]


def test_whatsapp_keeps_typography(apis: dict[str, StandIn]) -> None:
    async def turn(api: PlatformApi) -> None:
        output = twilio_output(api, apis["twilio"].url, to="whatsapp:+15550000002")
        await output.send_text_message("id", "It\u2019s fine.")
        await output.flush()

    sending(turn)
    [sent] = apis["twilio"].recorded(lambda r: "0000002" in r.form()["To"])
    assert sent.form()["Body"] == "It\u2019s fine."


def test_sms_buttons_are_numbered_across_the_turn(apis: dict[str, StandIn]) -> None:
    async def turn(api: PlatformApi) -> TwilioOutput:
        output = twilio_output(api, apis["twilio"].url, to="+15550000003")
        await output.send_text_with_buttons("id", "Hello!", GREETING_BUTTONS)
        await output.send_text_with_buttons("id", "Or a part of the body:", SITE_BUTTONS)
        await output.flush()
        return output

    output = sending(turn)
    [sent] = apis["twilio"].recorded(lambda r: "0000003" in r.form()["To"])
    assert sent.form()["Body"] == (
        "Hello!\n\nReply with a number:\n1. What is IGRT?\n2. How do I prepare?\n"
        "3. What happens at each session?\n\nOr a part of the body:\n\n"
        "Reply with a number:\n4. Chest\n5. Pelvis"
    )
    assert output.numbered_payloads == [b["payload"] for b in GREETING_BUTTONS + SITE_BUTTONS]


# --- Telegram -----------------------------------------------------------------------------


def test_telegram_buttons_are_an_inline_keyboard(apis) -> None:
    sending(
        lambda api: telegram_output(api, apis["telegram"].url, 9001).send_text_with_buttons(
            "id", "Which part?", SITE_BUTTONS
        )
    )
    [sent] = [r.json() for r in apis["telegram"].recorded(lambda r: r.json()["chat_id"] == 9001)]
    assert sent["text"] == "Which part?"
    assert sent["reply_markup"] == {"inline_keyboard": [
        [{"text": "Chest", "callback_data": '/inform_body_site{"body_site": "chest"}'}],
        [{"text": "Pelvis", "callback_data": '/inform_body_site{"body_site": "pelvis"}'}],
    ]}  # fmt: skip


def test_telegram_numbers_buttons_whose_payload_is_too_long_for_callback_data(apis) -> None:
    payload = '/inform_body_site{"body_site": "' + "x" * 60 + '"}'

    async def turn(api: PlatformApi) -> TelegramOutput:
        output = telegram_output(api, apis["telegram"].url, 9002)
        await output.send_text_with_buttons("id", "Which?", [{"title": "X", "payload": payload}])
        return output

    output = sending(turn)
    [sent] = [r.json() for r in apis["telegram"].recorded(lambda r: r.json()["chat_id"] == 9002)]
    assert sent == {"chat_id": 9002, "text": "Which?\n\nReply with a number:\n1. X"}
    assert output.numbered_payloads == [payload]


# --- Messenger ----------------------------------------------------------------------------


def test_messenger_uses_quick_replies(apis) -> None:
    sending(
        lambda api: messenger_output(api, apis["facebook"].url, "P1").send_text_with_buttons(
            "id", "Which part?", SITE_BUTTONS
        )
    )
    [sent] = [r.json()["message"] for r in apis["facebook"].recorded(
        lambda r: r.json()["recipient"]["id"] == "P1")]  # fmt: skip
    assert sent["quick_replies"] == [
        {"content_type": "text", "title": "Chest", "payload": SITE_BUTTONS[0]["payload"]},
        {"content_type": "text", "title": "Pelvis", "payload": SITE_BUTTONS[1]["payload"]},
    ]


def test_messenger_numbers_long_titles_and_too_many_buttons(apis) -> None:
    many = [{"title": f"Option {n}", "payload": f"/o{n}"} for n in range(14)]

    async def turn(api: PlatformApi) -> None:
        output = messenger_output(api, apis["facebook"].url, "P2")
        await output.send_text_with_buttons("id", "Hello!", GREETING_BUTTONS)
        await output.send_text_with_buttons("id", "More:", many)

    sending(turn)
    first, second = [r.json()["message"] for r in apis["facebook"].recorded(
        lambda r: r.json()["recipient"]["id"] == "P2")]  # fmt: skip
    assert "3. What happens at each session?" in first["text"]
    assert [(q["title"], q["payload"]) for q in first["quick_replies"]] == [
        ("1", "/what_is_igrt"), ("2", "/prepare"), ("3", "/during_session"),
    ]  # fmt: skip
    assert "17. Option 13" in second["text"] and "quick_replies" not in second


# --- Slack --------------------------------------------------------------------------------


def test_slack_sends_plain_text_blocks_with_buttons(apis) -> None:
    sending(
        lambda api: slack_output(api, apis["slack"].url, "D9001").send_text_with_buttons(
            "id", "Which part?", SITE_BUTTONS
        )
    )
    [sent] = apis["slack"].recorded(lambda r: r.json()["channel"] == "D9001")
    assert slack_text(sent) == "Which part?"
    assert [b["type"] for b in sent.json()["blocks"]] == ["section", "actions"]
    buttons = sent.json()["blocks"][1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Chest", SITE_BUTTONS[0]["payload"]), ("Pelvis", SITE_BUTTONS[1]["payload"]),
    ]  # fmt: skip


@pytest.mark.slow  # waits out real retries
def test_a_failing_platform_api_is_logged_without_secrets(apis, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="channels")

    async def turn(api: PlatformApi) -> None:
        output = SlackOutput(api, f"{apis['slack'].url}/api", "xoxb-wrong-token", "D9002", None)
        await output.send_text_message("id", "hello")  # the stand-in says invalid_auth
        unreachable = TelegramOutput(TelegramApi(api, "http://127.0.0.1:9", "123:secret-token"), 1)
        await unreachable.send_text_message("id", "hello")

    sending(turn)
    assert "Slack chat.postMessage failed: invalid_auth" in caplog.text
    assert "Telegram sendMessage failed: cannot connect" in caplog.text
    assert "secret-token" not in caplog.text and "xoxb-wrong-token" not in caplog.text


# --- retries ------------------------------------------------------------------------------


def answering(*answers: tuple[int, dict[str, str]]) -> StandIn:
    """A platform API that gives these answers (status, headers) in turn, then 200."""
    queue = list(answers)

    def answer(_: Recorded) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, headers = queue.pop(0) if queue else (200, {})
        return status, {"ok": status == 200}, headers

    return StandIn("flaky", answer).start()


@pytest.mark.slow  # waits out real Retry-After delays
@pytest.mark.parametrize(
    ("answers", "requests_made", "delivered"),
    [
        ([(429, {"Retry-After": "0"})], 2, True),
        ([(429, {})], 2, True),  # no Retry-After: a short backoff
        ([(503, {"Retry-After": "1"})], 2, True),
        ([(429, {}), (429, {}), (429, {})], 3, False),  # bounded attempts
        ([(503, {})], 1, False),  # may have been taken: never again
        ([(500, {})], 1, False),
        ([(502, {"Retry-After": "0"})], 1, False),
        ([(429, {"Retry-After": str(int(MAX_RETRY_AFTER_SECONDS) + 60)})], 1, False),
    ],
    ids=str,
)
def test_a_send_is_retried_only_when_the_platform_did_not_take_it(
    answers: list[tuple[int, dict[str, str]]], requests_made: int, delivered: bool
) -> None:
    flaky = answering(*answers)
    try:
        result = sending(lambda api: api.post("send", f"{flaky.url}/send", json_body={"t": 1}))
        assert len(flaky.recorded()) == requests_made
        assert (result is not None) == delivered
    finally:
        flaky.stop()


def test_one_session_per_channel_until_closed() -> None:
    flaky = answering()

    async def twice(api: PlatformApi) -> tuple[bool, Any, Any, bool]:
        opened_early = api.is_open
        await api.post("send", f"{flaky.url}/send", json_body={})
        first = api._retrying_client()
        await api.post("send", f"{flaky.url}/send", json_body={})
        second = api._retrying_client()
        await api.close()
        return opened_early, first, second, api.is_open

    try:
        opened_early, first, second, still_open = sending(twice)
    finally:
        flaky.stop()
    assert not opened_early and first is second and not still_open


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


def turn_on(
    agent: ToyAgent, output: Callable[[PlatformApi], MessagingOutput], text: str | None
) -> None:
    """One turn of conversation c1 through the agent, as a channel runs it."""
    sending(lambda api: run_turn(agent.handle_message, agent, "twilio", "c1", text, output(api)))


def test_a_number_sends_the_payload_of_the_option_in_the_tracker(apis) -> None:
    bot, number = Bot(), "+15550000010"
    agent = ToyAgent(bot)

    def say(text: str | None) -> list[str]:
        turn_on(agent, lambda api: twilio_output(api, apis["twilio"].url, number), text)
        sent = apis["twilio"].recorded(lambda r: r.form()["To"] == number)
        return [r.form()["Body"] for r in sent]

    assert "1. What is IGRT?" in say("/greet")[-1]
    assert say("4")[-1] == "Please reply with a number from 1 to 3, or type your question."
    assert say(None)[-1] == replies.non_text()  # the list stays offered
    assert say("2")[-1] == "re /prepare"
    assert say("2")[-1] == "re 2"  # nothing offered any more: the number is just text
    assert bot.received == ["/greet", "/prepare", "2"]


def test_a_list_shown_as_buttons_is_not_numbered(apis) -> None:
    """Telegram shows these as an inline keyboard: a typed "1" is just text."""
    bot = Bot()
    agent = ToyAgent(bot)
    url = apis["telegram"].url
    turn_on(agent, lambda api: telegram_output(api, url, 9005), "/greet")
    turn_on(agent, lambda api: telegram_output(api, url, 9005), "1")
    assert bot.received == ["/greet", "1"]


def test_the_patient_is_told_when_the_bot_fails_or_says_nothing(apis, caplog) -> None:
    for number, bot in (("+15550000011", Bot(fail=True)), ("+15550000012", Bot(silent=True))):
        turn_on(
            ToyAgent(bot),
            lambda api, n=number: twilio_output(api, apis["twilio"].url, n),
            "secret question",
        )
        [sent] = apis["twilio"].recorded(lambda r, n=number: r.form()["To"] == n)
        assert "something went wrong" in sent.form()["Body"]
    assert "Handling a twilio message failed: RuntimeError" in caplog.text
    assert "secret question" not in caplog.text and "the model broke" not in caplog.text


def test_the_patient_is_told_when_the_bot_fails_after_its_first_reply(apis) -> None:
    async def disclaimer_then_crash(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Disclaimer.")
        raise RuntimeError("the model broke")

    agent = ToyAgent(disclaimer_then_crash)
    turn_on(agent, lambda api: telegram_output(api, apis["telegram"].url, 9004), "hi")
    sent = apis["telegram"].recorded(lambda r: r.json().get("chat_id") == 9004)
    assert [r.json()["text"] for r in sent] == ["Disclaimer.", replies.failure()]
