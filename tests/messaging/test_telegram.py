"""Telegram end to end: signed updates in, replies recorded by the stand-in API."""

from __future__ import annotations

from messaging.platforms import PUBLIC_BASE_URL, TELEGRAM_SECRET, quiet, unique_id

ANSWER = "type of radiation therapy"
NON_TEXT = "I can only read text messages"


def test_webhook_is_registered_with_its_secret_at_start_up(apps) -> None:
    calls = apps.telegram.api.wait_for(lambda r: r.path.endswith("/setWebhook"))
    assert calls[0].json() == {
        "url": f"{PUBLIC_BASE_URL}/webhooks/telegram/webhook",
        "secret_token": TELEGRAM_SECRET,
        "allowed_updates": ["message", "callback_query"],
    }


def test_question_gets_the_answer_as_plain_text(apps) -> None:
    chat = unique_id()
    reply = apps.telegram.post(apps.telegram.message_update(chat, "what is igrt"))
    assert reply.status_code == 200
    apps.telegram.wait_for_text(chat, ANSWER)
    sent = apps.telegram.sent_to(chat)
    assert "automated assistant" in sent[0].json()["text"]  # the disclaimer comes first
    assert all("parse_mode" not in r.json() for r in sent)  # shown as typed, no markup


def test_buttons_are_an_inline_keyboard_and_a_tap_sends_the_payload(apps) -> None:
    chat = unique_id()
    apps.telegram.post(apps.telegram.message_update(chat, "/greet"))  # not up to the model
    greeting = apps.telegram.wait_for_text(chat, "What would you like to know")[0].json()
    keyboard = greeting["reply_markup"]["inline_keyboard"]
    buttons = {row[0]["text"]: row[0]["callback_data"] for row in keyboard}
    assert buttons["What is IGRT?"] == "/what_is_igrt"

    tap = apps.telegram.button_update(chat, buttons["What is IGRT?"])
    assert apps.telegram.post(tap).status_code == 200
    apps.telegram.wait_for_text(chat, ANSWER)
    answered = apps.telegram.api.recorded(lambda r: r.path.endswith("/answerCallbackQuery"))
    assert {"callback_query_id": tap["callback_query"]["id"]} in [r.json() for r in answered]


def test_start_command_greets(apps) -> None:
    chat = unique_id()
    apps.telegram.post(apps.telegram.message_update(chat, "/start"))
    apps.telegram.wait_for_text(chat, "What would you like to know")


def test_forged_or_unsigned_update_is_refused_and_reaches_no_conversation(apps) -> None:
    chat = unique_id()
    update = apps.telegram.message_update(chat, "what is igrt")
    assert apps.telegram.post(update, secret="wrong-secret").status_code == 403
    assert apps.telegram.post(update, secret=None).status_code == 403
    assert apps.telegram.post(update, secret=TELEGRAM_SECRET + "x").status_code == 403
    quiet()
    assert apps.telegram.sent_to(chat) == []
    # A forged copy does not make the real delivery of that update a "repeat".
    assert apps.telegram.post(update).status_code == 200
    apps.telegram.wait_for_text(chat, ANSWER)


def test_non_text_messages_get_a_clear_reply(apps) -> None:
    chat = unique_id()
    telegram = apps.telegram
    kinds = {
        "sticker": {"sticker": {"file_id": "CAAC", "file_unique_id": "u", "width": 512,
                                "height": 512, "is_animated": False, "emoji": "👍"}},
        "photo": {"photo": [{"file_id": "AgAC", "file_unique_id": "p", "width": 90,
                             "height": 90}], "caption": "my scan"},
        "location": {"location": {"latitude": 44.02, "longitude": -92.46}},
        "voice": {"voice": {"file_id": "AwAC", "file_unique_id": "v", "duration": 3,
                            "mime_type": "audio/ogg"}},
    }  # fmt: skip
    for fields in kinds.values():
        assert telegram.post(telegram.message_update(chat, None, **fields)).status_code == 200
    telegram.wait_for_text(chat, NON_TEXT, count=len(kinds))
    telegram.post(telegram.message_update(chat, "what is igrt"))
    telegram.wait_for_text(chat, ANSWER)


def test_fields_this_channel_does_not_know_are_ignored(apps) -> None:
    chat = unique_id()
    telegram = apps.telegram
    update = telegram.message_update(chat, "what is igrt", future_field={"x": 1})
    update["another_new_field"] = [1, 2]
    assert telegram.post(update).status_code == 200
    telegram.wait_for_text(chat, ANSWER)


def test_malformed_and_ignored_updates(apps) -> None:
    chat = unique_id()
    telegram = apps.telegram
    assert telegram.post(None, raw=b"{not json").status_code == 400
    assert telegram.post([1, 2, 3]).status_code == 400
    assert telegram.post({"message": {"text": "hi"}}).status_code == 400  # no update_id
    assert telegram.post({"update_id": "7", "message": {}}).status_code == 400
    # Updates that are not a patient's message: acknowledged, not answered.
    edited = {"update_id": unique_id(), "edited_message": {"chat": {"id": chat}, "text": "x"}}
    group = telegram.message_update(chat, "what is igrt")
    group["message"]["chat"] = {"id": chat, "type": "group", "title": "Ward"}
    broken = {"update_id": unique_id(), "message": {"text": "what is igrt", "chat": "nope"}}
    for update in (edited, group, broken):
        assert telegram.post(update).status_code == 200
    quiet()
    assert telegram.sent_to(chat) == []
    telegram.post(telegram.message_update(chat, "what is igrt"))
    telegram.wait_for_text(chat, ANSWER)
