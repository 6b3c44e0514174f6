"""Patient privacy across the messaging channels: no message text, phone number
or user id in the server log (it runs at INFO), and no phone number or user id
in the tracker store (conversations are keyed by a pseudonym)."""

from __future__ import annotations

import sqlite3

from messaging.platforms import TWILIO_WHATSAPP_NUMBER, unique_id

MARKER = "zebra"


def test_no_text_phone_numbers_or_user_ids_in_logs_or_trackers(apps) -> None:
    n = unique_id()
    sms, whatsapp = f"+1555{n % 10_000_000:07d}", f"whatsapp:+4477{n % 10_000_000:07d}"
    chat, psid = 880_000_000 + n, f"66{n}"
    slack_user, slack_channel = f"U{n}PRIV", f"D{n}PRIV"
    text = f"what is igrt {MARKER}{n}"

    apps.telegram.post(apps.telegram.message_update(chat, text))
    apps.twilio.post(apps.twilio.message(sms, text))
    apps.twilio.post(apps.twilio.message(whatsapp, text, to=TWILIO_WHATSAPP_NUMBER))
    apps.messenger.post(apps.messenger.delivery(apps.messenger.event(psid, {"text": text})))
    apps.slack.post(apps.slack.dm_event(slack_user, slack_channel, text))
    # Bad input and forgeries are logged too: by kind, never by content.
    apps.telegram.post(apps.telegram.message_update(chat, text), secret="forged")
    apps.twilio.post(apps.twilio.message(sms, text), signature="forged")
    apps.telegram.post(apps.telegram.message_update(chat, None, sticker={"file_id": "x"}))

    apps.telegram.wait_for_text(chat, "radiation therapy")
    apps.twilio.wait_for_body(sms, "radiation therapy")
    apps.twilio.wait_for_body(whatsapp, "radiation therapy")
    apps.messenger.wait_for_text(psid, "radiation therapy")
    apps.slack.wait_for_text(slack_channel, "radiation therapy")

    identifiers = [sms, sms.lstrip("+"), whatsapp.split("+")[1], str(chat), psid, slack_user]
    log = apps.assistant.log()
    for secret in [*identifiers, f"{MARKER}{n}"]:
        assert secret not in log, f"{secret!r} is in the server log"

    database = apps.assistant.log_file.parent / "trackers.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT sender_id, data FROM events").fetchall()
    stored = "\n".join(f"{sender} {data}" for sender, data in rows)
    assert f"{MARKER}{n}" in stored  # the conversations are there ...
    for identifier in identifiers:  # ... under pseudonyms
        assert identifier not in stored, f"{identifier!r} is in the tracker store"
