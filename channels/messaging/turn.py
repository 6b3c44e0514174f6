"""One turn: a patient's message in, the bot's replies out.

The patient always gets a reply: a clear one for non-text, empty or over-long
messages (which never reach the model), and a failure notice when the bot
failed or produced nothing. A number typed in reply to a numbered list is
replaced by that option's payload; the list is read from the conversation's
tracker, after any turn of the conversation still running on any replica
(Rasa's lock store) has finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.channels.channel import UserMessage

from channels import action_server, replies
from channels.inbound import readable_text
from channels.messaging.logs import error_summary
from channels.messaging.options import chosen_number, offered_payloads
from channels.messaging.output import MessagingOutput
from channels.rest import MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# How often a number waits-checks Rasa's lock of a conversation whose turn runs.
LOCK_CHECK_SECONDS = 0.1


class ConversationLocks:
    """One lock per conversation with a turn running or waiting, so that the
    turns of a conversation that reach this process run one after the other,
    in the order the messages arrived. (Rasa's lock store orders only
    `handle_message`; a turn here also reads the options before it and may
    send a failure notice after it.)"""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, conversation: str) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(conversation, (asyncio.Lock(), 0))
        self._locks[conversation] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[conversation]
            if waiting > 1:
                self._locks[conversation] = (lock, waiting - 1)
            else:
                del self._locks[conversation]

    def __len__(self) -> int:
        return len(self._locks)


async def last_offered(agent: Any, conversation: str, output: MessagingOutput) -> list[str]:
    """The payloads numbered in the bot's last answer, from the tracker store
    (shared by replicas). Waits for a turn of the conversation that is still
    running, so that its list is the one read. [] when it cannot be read."""
    tracker_store = getattr(agent, "tracker_store", None)
    lock_store = getattr(agent, "lock_store", None)
    if tracker_store is None or lock_store is None:
        return []
    try:
        async with lock_store.lock(conversation, wait_time_in_seconds=LOCK_CHECK_SECONDS):
            tracker = await tracker_store.retrieve(conversation)
    except Exception as error:  # the turn itself will meet the same failure
        logger.warning("Reading the options offered failed: %s", error_summary(error))
        return []
    return offered_payloads(tracker.events, output.numbers) if tracker is not None else []


async def run_turn(
    on_new_message: OnNewMessage,
    agent: Any,
    channel: str,
    conversation: str,
    text: str | None,
    output: MessagingOutput,
) -> None:
    """Answer one incoming message; text None means it was not text.
    `agent` is Rasa's (request.app.ctx.agent): its tracker store holds the
    options offered."""
    try:
        if text is None:
            await output.say(replies.non_text())
            return
        text = readable_text(text)
        if not text.strip():
            await output.say(replies.empty_message())
            return
        if len(text) > MAX_MESSAGE_CHARS:
            await output.say(replies.too_long())
            return
        number = chosen_number(text)
        if number is not None:
            payloads = await last_offered(agent, conversation, output)
            if payloads and not 1 <= number <= len(payloads):
                await output.say(replies.out_of_range(len(payloads)))
                return
            if payloads:
                text = payloads[number - 1]
        failed = False
        try:
            with action_server.watching_actions() as failed_actions:
                await on_new_message(UserMessage(text, output, conversation, input_channel=channel))
            failed = bool(failed_actions)
        except Exception as error:  # the patient still gets an answer
            logger.error("Handling a %s message failed: %s", channel, error_summary(error))
            failed = True
        if failed or not output.replies:
            await output.say(replies.failure())
    finally:
        await output.flush()
