"""Locust users for scripts/fault_test.py: simulated patients on the REST channel.

Each user is a new patient (a fresh random sender id, as the widget makes) who
asks the questions of CONVERSATION in turn, one at a time, each with a random
message id. Like the widget's Retry button, a message that gets no answer, an
error or the channel's failure notice is sent again with the same id, for at
most RETRY_BUDGET_SECONDS. Every fourth message is sent twice at once, as a
reload during a request would, and both answers are kept.

Every outcome is written (as JSON lines, no message text: the question's
index) to the file named by FAULT_RESULTS when the run stops; the orchestrator
checks them against the events stored in PostgreSQL.

    FAULT_RESULTS=out.jsonl locust -f scripts/locustfile_cluster.py --headless ...
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import gevent
from locust import HttpUser, constant_pacing, events, task

WEBHOOK = "/webhooks/rest/webhook"
CONVERSATION = (
    "what is igrt",
    "how does the imaging work",
    "what are the side effects for the chest",
    "is that permanent?",
    "who is the radiation oncologist",
    "how should I prepare",
    "what happens in each session",
    "what are the benefits",
    "can it cause a second cancer",
    "thank you",
)
# Failure notices of the channel and of nginx (domain.yml utter_channel_*): a
# patient reading one presses Retry.
NOT_AN_ANSWER = ("temporarily unavailable", "couldn't answer", "could not answer", "went wrong")
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
        message_id = uuid.uuid4().hex
        double = self.turn % DOUBLE_SEND_EVERY == 0
        started = time.time()
        attempts: list[dict[str, Any]] = []
        answers: list[Any] = []
        while True:
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
            if answers or time.time() - started > RETRY_BUDGET_SECONDS:
                break
            time.sleep(RETRY_PAUSE_SECONDS)
        OUTCOMES.append(
            {
                "sender": self.sender,
                "message_id": message_id,
                "question": index,
                "turn": self.turn,
                "sent_at": started,
                "double": double,
                "attempts": attempts,
                "answers": answers,
            }
        )


@events.quitting.add_listener
def write_outcomes(**_: Any) -> None:
    path = os.environ.get("FAULT_RESULTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for outcome in OUTCOMES:
                out.write(json.dumps(outcome) + "\n")
