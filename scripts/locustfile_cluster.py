"""Locust users for scripts/fault_test.py: simulated patients on the REST channel.

Each user is a new patient (a fresh random sender id, as the widget makes) who
asks the questions of CONVERSATION (scripts/cluster_load_questions.py) in
turn, one at a time, each with a random message id. Like the widget, a message
that gets no reply or an HTTP error is sent again with the same id (its Retry
button); a reply that is the channel's failure notice is a reply, so the
patient asks again as a new message. At most RETRY_BUDGET_SECONDS per question.
Every fourth message is sent twice at once, as a
reload during a request would, and both answers are kept.

A quarter of the patients write through Telegram instead: each message is an
update signed with the webhook's secret token (X-Telegram-Bot-Api-Secret-Token)
posted to /webhooks/telegram/webhook; like Telegram, an update that does not
get HTTP 200 is delivered again (same update_id), and so are some accepted
ones (FAULT_TELEGRAM_REDELIVER=0 turns that off). The bot answers through the
stand-in Telegram API of scripts/fault_test.py, which counts what each chat got
(FAULT_TELEGRAM_SECRET, FAULT_TELEGRAM_API).

Every outcome is written (as JSON lines, no message text: the question's
index) to the file named by FAULT_RESULTS when the run stops; the orchestrator
checks them against the events stored in PostgreSQL.

    FAULT_RESULTS=out.jsonl locust -f scripts/locustfile_cluster.py --headless ...
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from typing import Any

import gevent
import requests
from cluster_load_questions import CONVERSATION, NOT_AN_ANSWER
from locust import HttpUser, constant_pacing, events, task

WEBHOOK = "/webhooks/rest/webhook"
RETRY_BUDGET_SECONDS = 30.0
RETRY_PAUSE_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 45.0
DOUBLE_SEND_EVERY = 4

OUTCOMES: list[dict[str, Any]] = []


def is_answer(replies: Any) -> bool:
    if not isinstance(replies, list) or not replies:
        return False
    texts = " ".join(str(r.get("text", "")) for r in replies if isinstance(r, dict)).lower()
    return not any(notice in texts for notice in NOT_AN_ANSWER)


class Patient(HttpUser):
    weight = 3
    # One message about every 1.5 s per patient (reading time), at most.
    wait_time = constant_pacing(1.5)

    def on_start(self) -> None:
        self.sender = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        self.turn = 0

    def post(self, message_id: str, text: str) -> tuple[int, Any]:
        body = {"sender": self.sender, "message": text, "message_id": message_id}
        try:
            with self.client.post(
                WEBHOOK,
                json=body,
                timeout=REQUEST_TIMEOUT_SECONDS,
                name="rest",
                catch_response=True,
            ) as reply:
                try:
                    replies = reply.json()
                except ValueError:
                    replies = None
                if is_answer(replies):
                    reply.success()
                else:
                    reply.failure(f"not an answer (HTTP {reply.status_code})")
                return reply.status_code, replies
        except Exception as error:  # a dropped connection: the patient retries
            return 0, type(error).__name__

    @task
    def ask(self) -> None:
        index = self.turn % len(CONVERSATION)
        self.turn += 1
        started = time.time()
        chain = 0
        # A failure notice is a reply: the patient asks again, a new message.
        while not self.ask_once(index, chain) and time.time() - started < RETRY_BUDGET_SECONDS:
            chain += 1
            time.sleep(RETRY_PAUSE_SECONDS)

    def ask_once(self, index: int, chain: int) -> bool:
        """One message, sent again with its id until it gets a reply (an
        answer or a failure notice); True when it got an answer."""
        message_id = uuid.uuid4().hex
        double = self.turn % DOUBLE_SEND_EVERY == 0 and chain == 0
        started = time.time()
        attempts: list[dict[str, Any]] = []
        answers: list[Any] = []
        replied = False
        while not replied and time.time() - started < RETRY_BUDGET_SECONDS:
            if attempts:
                time.sleep(RETRY_PAUSE_SECONDS)
            if double and not attempts:
                pair = [gevent.spawn(self.post, message_id, CONVERSATION[index]) for _ in "ab"]
                gevent.joinall(pair)
                results = [job.value for job in pair]
            else:
                results = [self.post(message_id, CONVERSATION[index])]
            for status, replies in results:
                attempts.append({"status": status, "answer": is_answer(replies)})
                if is_answer(replies):
                    answers.append(replies)
                # The channel's own notice (HTTP 200 from a replica, not nginx's).
                replied = replied or (status == 200 and isinstance(replies, list) and bool(replies))
        OUTCOMES.append(
            {
                "sender": self.sender,
                "message_id": message_id,
                "question": index,
                "turn": self.turn,
                "chain": chain,
                "sent_at": started,
                "double": double,
                "attempts": attempts,
                "answers": answers,
            }
        )
        return bool(answers)


TELEGRAM_WEBHOOK = "/webhooks/telegram/webhook"
# Every fourth update is delivered twice even when accepted, as Telegram does
# when our 200 is late: the copy may reach the other replica, which must see
# it in Redis (CHANNELS_REDIS_URL) and not answer again.
REDELIVER = os.environ.get("FAULT_TELEGRAM_REDELIVER", "1") == "1"
REPLY_WAIT_SECONDS = 30.0


class TelegramPatient(HttpUser):
    """A patient on Telegram: signed updates, redelivered until accepted."""

    weight = 1
    wait_time = constant_pacing(1.5)

    def on_start(self) -> None:
        self.chat_id = random.randrange(10**9, 10**12)
        self.update_id = random.randrange(10**6, 10**9)
        self.turn = 0
        self.secret = os.environ["FAULT_TELEGRAM_SECRET"]
        self.api = os.environ["FAULT_TELEGRAM_API"]

    def sent_to_chat(self) -> tuple[int, int]:
        """Messages and failure notices the stand-in Bot API sent to this chat."""
        reply = requests.get(f"{self.api}/_sent", params={"chat_id": self.chat_id}, timeout=5)
        counts = reply.json()
        return int(counts["count"]), int(counts["notices"])

    def deliver(self, update: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret}
        try:
            with self.client.post(
                TELEGRAM_WEBHOOK, json=update, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS,
                name="telegram", catch_response=True,
            ) as reply:  # fmt: skip
                if reply.status_code != 200:
                    reply.failure(f"HTTP {reply.status_code}")
                return reply.status_code
        except Exception:  # a dropped connection: Telegram delivers again
            return 0

    @task
    def ask(self) -> None:
        index = self.turn % len(CONVERSATION)
        self.turn += 1
        self.update_id += 1
        update = {
            "update_id": self.update_id,
            "message": {
                "message_id": self.turn,
                "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private"},
                "from": {"id": self.chat_id, "is_bot": False, "first_name": "Patient"},
                "text": CONVERSATION[index],
            },
        }
        (before, notices), started = self.sent_to_chat(), time.time()
        deliveries, accepted = 0, False
        while not accepted and time.time() - started < RETRY_BUDGET_SECONDS:
            deliveries += 1
            accepted = self.deliver(update) == 200
            if not accepted:
                time.sleep(RETRY_PAUSE_SECONDS)
        if accepted and REDELIVER and self.turn % DOUBLE_SEND_EVERY == 0:
            # Telegram delivers again when our 200 was slow or lost: through
            # nginx, the copy may reach the other replica.
            deliveries += 1
            self.deliver(update)
        replied = False
        while accepted and not replied and time.time() - started < REPLY_WAIT_SECONDS:
            replied = self.sent_to_chat()[0] > before
            time.sleep(0.2)
        time.sleep(0.5)  # the rest of the turn's replies
        answered = replied and self.sent_to_chat()[1] == notices
        OUTCOMES.append(
            {
                "channel": "telegram",
                "chat_id": self.chat_id,
                "update_id": self.update_id,
                "question": index,
                "turn": self.turn,
                "deliveries": deliveries,
                "accepted": accepted,
                "answered": answered,
            }
        )


@events.quitting.add_listener
def write_outcomes(**_: Any) -> None:
    path = os.environ.get("FAULT_RESULTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for outcome in OUTCOMES:
                out.write(json.dumps(outcome) + "\n")
