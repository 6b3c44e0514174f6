"""Sending one turn's replies to one user of a platform."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rasa.core.channels.channel import OutputChannel

from channels import replies
from channels.messaging.logs import error_summary
from channels.messaging.options import Option, numbered_options, options_from_buttons
from channels.messaging.text import packed

logger = logging.getLogger(__name__)


class MessagingOutput(OutputChannel):
    """Sends one turn's replies to one user of a platform.

    Bound to the real address of the user, so Rasa's recipient_id (a pseudonym)
    is not used. Subclasses set `limit` and implement `deliver`; they may offer
    native buttons (`native_buttons`) or decorate numbered ones
    (`numbered_extra`). Buffered channels send the whole turn in as few
    messages as fit the limit, so SMS parts cannot arrive out of order.
    """

    channel: ClassVar[str] = "messaging"
    limit: ClassVar[int] = 1600
    buffered: ClassVar[bool] = False

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(self) -> None:
        self.replies = 0
        self.numbered_payloads: list[str] = []
        self._buffer: list[str] = []

    def prepare(self, text: str) -> str:
        return text.strip()

    def native_buttons(self, options: list[Option]) -> Any | None:
        """The platform's button markup, or None to number the options instead."""
        return None

    def numbers(self, options: list[Option]) -> bool:
        """True when these buttons are shown as a numbered list."""
        return self.buffered or self.native_buttons(options) is None

    def numbered_extra(self, options: list[Option], start: int) -> Any | None:
        return None

    async def deliver(self, text: str, extra: Any | None) -> None:
        raise NotImplementedError

    async def say(self, text: str, extra: Any | None = None) -> None:
        self.replies += 1
        text = self.prepare(text or "")
        if self.buffered:
            if text:
                self._buffer.append(text)
            return
        if not text and extra is None:
            return
        await self._deliver_safely(text or replies.choose_prompt(), extra)

    async def flush(self) -> None:
        texts, self._buffer = self._buffer, []
        for message in packed(texts, self.limit):
            await self._deliver_safely(message, None)

    async def _deliver_safely(self, text: str, extra: Any | None) -> None:
        try:
            await self.deliver(text, extra)
        except Exception as error:  # one failed message must not stop the turn
            logger.error("%s: sending a reply failed: %s", self.channel, error_summary(error))

    # Rasa's OutputChannel interface

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.say(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        options = options_from_buttons(buttons)
        if not options:
            await self.say(text)
            return
        if not self.numbers(options):
            await self.say(text, self.native_buttons(options))
            return
        start = len(self.numbered_payloads) + 1
        self.numbered_payloads.extend(option.payload for option in options)
        await self.say(numbered_options(text, options, start), self.numbered_extra(options, start))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        logger.debug("%s: custom payloads are not sent", self.channel)
