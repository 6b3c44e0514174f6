"""Slack end to end: signed Events API and interactivity requests in, replies
recorded by the stand-in Web API."""

from __future__ import annotations

import json
import time

from messaging.platforms import SLACK_BOT_TOKEN, quiet, slack_text, unique_id

ANSWER = "type of radiation therapy"
NON_TEXT = "I can only read text messages"


def ids() -> tuple[str, str]:
    n = unique_id()
    return f"U{n}", f"D{n}"


def test_url_verification_answers_the_challenge_when_signed(apps) -> None:
    challenge = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                 "type": "url_verification"}  # fmt: skip
    reply = apps.slack.post(challenge)
    assert reply.status_code == 200
    assert reply.json() == {"challenge": challenge["challenge"]}
    assert apps.slack.post(challenge, sign=False).status_code == 403


def test_direct_message_gets_the_answer_in_plain_text_blocks(apps) -> None:
    user, channel = ids()
    reply = apps.slack.post(apps.slack.dm_event(user, channel, "what is igrt"))
    assert reply.status_code == 200
    sent = apps.slack.wait_for_text(channel, ANSWER)[0]
    assert sent.path == "/api/chat.postMessage"
    assert sent.headers["authorization"] == f"Bearer {SLACK_BOT_TOKEN}"
    body = sent.json()
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    assert "thread_ts" not in body


def test_buttons_are_block_kit_buttons_and_a_click_sends_the_payload(apps) -> None:
    user, channel = ids()
    slack = apps.slack
    slack.post(slack.dm_event(user, channel, "/greet"))  # by intent: not up to the model
    greeting = slack.wait_for_text(channel, "What would you like to know")[0].json()
    actions = next(b for b in greeting["blocks"] if b["type"] == "actions")["elements"]
    values = {e["text"]["text"]: e["value"] for e in actions}
    assert values["What is IGRT?"] == "/what_is_igrt"

    click = slack.click(user, channel, values["What is IGRT?"])
    assert slack.post(form={"payload": json.dumps(click)}).status_code == 200
    slack.wait_for_text(channel, ANSWER)


def test_a_mention_in_a_channel_is_answered_in_its_thread(apps) -> None:
    user = f"U{unique_id()}"
    channel = f"C{unique_id()}"
    ts = f"{time.time():.6f}"
    event = {"type": "app_mention", "user": user, "text": "<@U0BOT> what is igrt?", "ts": ts,
             "channel": channel, "event_ts": ts, "client_msg_id": f"c{unique_id()}"}  # fmt: skip
    apps.slack.post(apps.slack.callback(event))
    sent = apps.slack.wait_for_text(channel, ANSWER)[0]
    assert sent.json()["thread_ts"] == ts
    # Plain channel messages without a mention are not for the assistant.
    chatter = dict(event, type="message", channel_type="channel", text="what is igrt",
                   client_msg_id=f"c{unique_id()}", ts="2.0")  # fmt: skip
    apps.slack.post(apps.slack.callback(chatter))
    quiet()
    assert sum(ANSWER in text for text in apps.slack.texts(channel)) == 1


def test_forged_unsigned_or_stale_requests_are_refused(apps) -> None:
    user, channel = ids()
    slack = apps.slack
    event = slack.dm_event(user, channel, "what is igrt")
    assert slack.post(event, sign=False).status_code == 403
    assert slack.post(event, signature="v0=" + "0" * 64).status_code == 403
    stale = int(time.time()) - 6 * 60
    assert slack.post(event, timestamp=stale).status_code == 403
    no_number = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64}
    assert slack.post(event, headers=no_number, sign=False).status_code == 403
    click = {"payload": json.dumps(slack.click(user, channel, "/what_is_igrt"))}
    assert slack.post(form=click, sign=False).status_code == 403
    quiet()
    assert slack.sent_to(channel) == []
    assert slack.post(event).status_code == 200
    slack.wait_for_text(channel, ANSWER)


def test_files_and_odd_messages(apps) -> None:
    user, channel = ids()
    slack = apps.slack
    scan = {"id": "F1", "mimetype": "image/png", "name": "scan.png"}
    upload = slack.dm_event(user, channel, "", subtype="file_share", files=[scan])
    slack.post(upload)
    slack.wait_for_text(channel, NON_TEXT)
    odd = slack.dm_event(user, channel, "what is igrt?", blocks=[{"type": "rich_text"}])
    odd["brand_new_field"] = {"x": 1}
    slack.post(odd)
    slack.wait_for_text(channel, ANSWER)


def test_bot_edits_and_malformed_requests_are_not_answered(apps) -> None:
    user, channel = ids()
    slack = apps.slack
    ignored = [
        slack.dm_event(user, channel, "what is igrt", bot_id="B1"),
        slack.dm_event(user, channel, "what is igrt", subtype="message_changed"),
        slack.dm_event(user, channel, "what is igrt", subtype="channel_join"),
        slack.callback({"type": "reaction_added", "user": user, "reaction": "thumbsup"}),
        {"type": "app_rate_limited", "team_id": "T0", "minute_rate_limited": 1},
    ]
    for body in ignored:
        assert slack.post(body).status_code == 200
    assert slack.post(raw=b"{nope").status_code == 400
    assert slack.post(form={"payload": "{nope"}).status_code == 400
    assert slack.post(form={"other": "1"}).status_code == 400
    odd_click = slack.click(user, channel, "/what_is_igrt")
    odd_click["actions"] = [{"type": "static_select", "selected_option": {"value": "x"}}]
    assert slack.post(form={"payload": json.dumps(odd_click)}).status_code == 200
    quiet()
    assert slack.sent_to(channel) == []


def test_a_direct_message_that_is_also_a_mention_is_answered_once(apps) -> None:
    user, channel = ids()
    slack = apps.slack
    event = slack.dm_event(user, channel, "what is igrt")
    assert slack.post(event).status_code == 200
    # The same message again as a mention event (a different event_id).
    mention = dict(event, event_id="Ev" + str(unique_id()))
    mention["event"] = dict(event["event"], type="app_mention")
    assert slack.post(mention).status_code == 200
    slack.wait_for_text(channel, ANSWER)
    quiet()
    assert sum(ANSWER in slack_text(r) for r in slack.sent_to(channel)) == 1
    slack.post(slack.dm_event(user, channel, "what is igrt"))
    slack.wait_for_text(channel, ANSWER, count=2)
