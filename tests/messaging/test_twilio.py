"""Twilio (SMS and WhatsApp) end to end: signed webhooks in, replies recorded by
the stand-in REST API."""

from __future__ import annotations

import base64

from twilio.request_validator import RequestValidator

from messaging.platforms import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_SMS_NUMBER,
    TWILIO_WHATSAPP_NUMBER,
    quiet,
    unique_id,
)

ANSWER = "type of radiation therapy"
NON_TEXT = "I can only read text messages"


def phone() -> str:
    return f"+1555{unique_id() % 10_000_000:07d}"


def test_sms_question_gets_one_plain_text_reply_from_our_number(apps) -> None:
    patient = phone()
    reply = apps.twilio.post(apps.twilio.message(patient, "what is igrt"))
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")
    assert "<Response>" in reply.text
    apps.twilio.wait_for_body(patient, ANSWER)
    sent = apps.twilio.sent_to(patient)
    assert len(sent) == 1  # disclaimer and answer in one message: SMS parts can arrive unordered
    request = sent[0]
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
    credentials = base64.b64encode(f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    form = request.form()
    assert form["From"] == TWILIO_SMS_NUMBER
    assert "automated assistant" in form["Body"]
    assert len(form["Body"]) <= 1600


def test_whatsapp_reply_goes_out_from_the_whatsapp_number(apps) -> None:
    patient = f"whatsapp:{phone()}"
    message = apps.twilio.message(patient, "what is igrt", to=TWILIO_WHATSAPP_NUMBER)
    assert apps.twilio.post(message).status_code == 200
    sent = apps.twilio.wait_for_body(patient, ANSWER)
    assert sent[0].form()["From"] == TWILIO_WHATSAPP_NUMBER


def test_buttons_become_numbered_options_and_a_number_picks_one(apps) -> None:
    patient = phone()
    twilio = apps.twilio
    twilio.post(twilio.message(patient, "/greet"))  # by intent: not up to the model
    greeting = twilio.wait_for_body(patient, "What would you like to know")[0].form()["Body"]
    assert "Reply with a number:\n1. What is IGRT?\n2. How do I prepare?" in greeting

    twilio.post(twilio.message(patient, "9"))
    twilio.wait_for_body(patient, "Please reply with a number from 1 to 4")
    twilio.post(twilio.message(patient, " 1. "))
    twilio.wait_for_body(patient, ANSWER)

    # A payload with an entity: side effects, then "2" for the chest.
    twilio.post(twilio.message(patient, "/ask_side_effects"))
    twilio.wait_for_body(patient, "2. Chest")
    twilio.post(twilio.message(patient, "2"))
    twilio.wait_for_body(patient, "For treatment to the chest, common side effects are")


def test_forged_or_unsigned_request_is_refused_and_reaches_no_conversation(apps) -> None:
    patient = phone()
    twilio = apps.twilio
    message = twilio.message(patient, "what is igrt")
    assert twilio.post(message, signature=None).status_code == 403
    assert twilio.post(message, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert twilio.post(message, token="someone-elses-token").status_code == 403
    # Signed for the address the server sees, not the public URL Twilio calls.
    assert twilio.post(message, signed_url=twilio.webhook).status_code == 403
    # A valid signature of the same message with another Body.
    signed_for = dict(message, Body="hello")
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(twilio.signed_url, signed_for)
    assert twilio.post(message, signature=signature).status_code == 403
    quiet()
    assert twilio.sent_to(patient) == []
    assert twilio.post(message).status_code == 200
    twilio.wait_for_body(patient, ANSWER)


def test_media_location_and_odd_messages(apps) -> None:
    patient = phone()
    twilio = apps.twilio
    picture = twilio.message(
        patient, "", NumMedia="1",
        MediaContentType0="image/jpeg", MediaUrl0="https://api.twilio.com/media/ME1",
    )  # fmt: skip
    voice = twilio.message(
        f"whatsapp:{patient}", "", to=TWILIO_WHATSAPP_NUMBER, NumMedia="1",
        MediaContentType0="audio/ogg", MediaUrl0="https://api.twilio.com/media/ME2",
    )  # fmt: skip
    location = twilio.message(patient, None, Latitude="44.02", Longitude="-92.46")
    for message in (picture, voice, location):
        assert twilio.post(message).status_code == 200
    twilio.wait_for_body(patient, NON_TEXT, count=2)
    twilio.wait_for_body(f"whatsapp:{patient}", NON_TEXT)

    twilio.post(twilio.message(patient, "what is igrt", SomeNewField="1", AddOns='{"x": 1}'))
    twilio.wait_for_body(patient, ANSWER)


def test_malformed_status_callbacks_and_keywords(apps) -> None:
    patient = phone()
    twilio = apps.twilio
    no_sender = twilio.message(patient, "what is igrt")
    del no_sender["From"]
    assert twilio.post(no_sender).status_code == 400
    status = {
        "MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "SmsStatus": "delivered",
        "AccountSid": TWILIO_ACCOUNT_SID, "From": TWILIO_SMS_NUMBER, "To": patient,
    }  # fmt: skip
    assert twilio.post(status).status_code == 200
    assert twilio.post(twilio.message(patient, "STOP")).status_code == 200  # Twilio answers it
    quiet()
    assert twilio.sent_to(patient) == []
    twilio.post(twilio.message(patient, "what is igrt"))
    twilio.wait_for_body(patient, ANSWER)
