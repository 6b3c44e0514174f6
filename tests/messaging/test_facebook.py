"""Facebook Messenger end to end: signed webhooks in, replies recorded by the
stand-in Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from messaging.platforms import (
    FACEBOOK_APP_SECRET,
    FACEBOOK_PAGE_ID,
    FACEBOOK_PAGE_TOKEN,
    FACEBOOK_VERIFY_TOKEN,
    quiet,
    unique_id,
)

ANSWER = "type of radiation therapy"
NON_TEXT = "I can only read text messages"
# Messages with buttons, asked for by intent so as not to depend on the NLU model.
GREET, SIDE_EFFECTS = "/greet", "/ask_side_effects"


def psid() -> str:
    return str(7_000_000_000_000 + unique_id())


def test_webhook_verification_needs_the_verify_token(apps) -> None:
    url = apps.messenger.webhook
    ok = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": FACEBOOK_VERIFY_TOKEN,
                "hub.challenge": "1158201444"},
        timeout=10,
    )  # fmt: skip
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        timeout=10,
    )
    assert wrong.status_code == 403


def test_question_gets_the_answer(apps) -> None:
    user = psid()
    delivery = apps.messenger.delivery(apps.messenger.event(user, {"text": "what is igrt"}))
    reply = apps.messenger.post(delivery)
    assert (reply.status_code, reply.text) == (200, "EVENT_RECEIVED")
    sent = apps.messenger.wait_for_text(user, ANSWER)[0]
    assert sent.path.endswith("/me/messages")
    assert sent.query["access_token"] == [FACEBOOK_PAGE_TOKEN]
    proof = hmac.new(FACEBOOK_APP_SECRET.encode(), FACEBOOK_PAGE_TOKEN.encode(), hashlib.sha256)
    assert sent.query["appsecret_proof"] == [proof.hexdigest()]
    assert sent.json()["messaging_type"] == "RESPONSE"


def test_buttons_become_quick_replies(apps) -> None:
    user = psid()
    messenger = apps.messenger
    messenger.post(messenger.delivery(messenger.event(user, {"text": GREET})))
    greeting = messenger.wait_for_text(user, "What would you like to know")[0].json()["message"]
    # Titles longer than Messenger's 20 characters: a numbered list, numbers as quick replies.
    assert "3. What happens at each session?" in greeting["text"]
    assert [q["title"] for q in greeting["quick_replies"]] == ["1", "2", "3", "4"]
    assert greeting["quick_replies"][0]["payload"] == "/what_is_igrt"

    tap = {"text": "1", "quick_reply": {"payload": greeting["quick_replies"][0]["payload"]}}
    messenger.post(messenger.delivery(messenger.event(user, tap)))
    messenger.wait_for_text(user, ANSWER)

    # Short titles: real quick replies; the typed number works too.
    messenger.post(messenger.delivery(messenger.event(user, {"text": SIDE_EFFECTS})))
    asked = messenger.wait_for_text(user, "Which part of the body")[0].json()["message"]
    assert [q["title"] for q in asked["quick_replies"]] == [
        "Head and neck", "Chest", "Abdomen", "Pelvis",
    ]  # fmt: skip
    chest = asked["quick_replies"][1]
    tap = {"text": chest["title"], "quick_reply": {"payload": chest["payload"]}}
    messenger.post(messenger.delivery(messenger.event(user, tap)))
    messenger.wait_for_text(user, "For treatment to the chest")


def test_a_typed_number_picks_a_numbered_option(apps) -> None:
    user = psid()
    messenger = apps.messenger
    messenger.post(messenger.delivery(messenger.event(user, {"text": GREET})))
    messenger.wait_for_text(user, "2. How do I prepare?")
    messenger.post(messenger.delivery(messenger.event(user, {"text": "2"})))
    messenger.wait_for_text(user, "radiation oncologist")


def test_postback_sends_its_payload(apps) -> None:
    user = psid()
    event = apps.messenger.event(
        user, postback={"title": "What is IGRT?", "payload": "/what_is_igrt", "mid": "m_pb1"}
    )
    apps.messenger.post(apps.messenger.delivery(event))
    apps.messenger.wait_for_text(user, ANSWER)


def test_forged_or_unsigned_request_is_refused_and_reaches_no_conversation(apps) -> None:
    user = psid()
    messenger = apps.messenger
    body = messenger.delivery(messenger.event(user, {"text": "what is igrt"}))
    data = json.dumps(body).encode()
    sha1 = hmac.new(FACEBOOK_APP_SECRET.encode(), data, hashlib.sha1).hexdigest()
    sha256_other_secret = hmac.new(b"guess", data, hashlib.sha256).hexdigest()
    for signature in (None, "sha256=" + "0" * 64, f"sha256={sha256_other_secret}",
                      f"sha1={sha1}", "sha256=ü"):  # fmt: skip
        assert messenger.post(body, signature=signature, raw=data).status_code == 403
    # The old SHA-1 header alone is not accepted either.
    only_sha1 = requests.post(
        messenger.webhook, data=data, timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature": f"sha1={sha1}"},
    )  # fmt: skip
    assert only_sha1.status_code == 403
    quiet()
    assert messenger.sent_to(user) == []
    assert messenger.post(body, raw=data).status_code == 200
    messenger.wait_for_text(user, ANSWER)


def test_attachments_get_a_clear_reply(apps) -> None:
    user = psid()
    messenger = apps.messenger
    attachments = [
        {"attachments": [{"type": "image", "payload": {"url": "https://cdn.example/a.jpg"}}]},
        {"sticker_id": 369239263222822, "attachments": [
            {"type": "image", "payload": {"url": "https://cdn.example/s.png",
                                          "sticker_id": 369239263222822}}]},
        {"attachments": [{"type": "audio", "payload": {"url": "https://cdn.example/v.mp4"}}]},
        {"attachments": [{"type": "location", "payload": {
            "coordinates": {"lat": 44.02, "long": -92.46}}}]},
    ]  # fmt: skip
    for message in attachments:
        assert messenger.post(messenger.delivery(messenger.event(user, message))).status_code == 200
    messenger.wait_for_text(user, NON_TEXT, count=len(attachments))


def test_odd_and_ignored_events(apps) -> None:
    user = psid()
    messenger = apps.messenger

    echo = messenger.event(user, {"text": "from the page", "is_echo": True, "app_id": 1})
    read = messenger.event(user, read={"watermark": 1})
    delivered = messenger.event(user, delivery={"mids": ["m_1"], "watermark": 1})
    reaction = messenger.event(user, reaction={"reaction": "love", "action": "react"})
    for event in (echo, read, delivered, reaction):
        assert messenger.post(messenger.delivery(event)).status_code == 200
    assert messenger.post(None, raw=b"not json").status_code == 400
    assert messenger.post({"object": "page", "entry": "nope"}).status_code == 400
    assert messenger.post({"object": "page", "entry": ["x", {"messaging": "y"}]}).status_code == 200
    quiet()
    assert messenger.sent_to(user) == []

    odd = messenger.event(user, {"text": "what is igrt", "nlp": {"x": 1}}, brand_new={"y": 2})
    messenger.post(messenger.delivery(odd))
    messenger.wait_for_text(user, ANSWER)


def test_every_event_of_a_batch_is_answered(apps) -> None:
    first, second = psid(), psid()
    messenger = apps.messenger
    batch = messenger.delivery(
        messenger.event(first, {"text": "what is igrt"}),
        messenger.event(second, {"text": "what is igrt"}),
    )
    assert messenger.post(batch).status_code == 200
    messenger.wait_for_text(first, ANSWER)
    messenger.wait_for_text(second, ANSWER)
    assert FACEBOOK_PAGE_ID not in [r.json()["recipient"]["id"] for r in messenger.sent_to(first)]
