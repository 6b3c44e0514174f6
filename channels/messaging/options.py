"""Buttons as numbered options, and a typed number as the option's payload.

The options last offered are read from the conversation's tracker (the bot's
messages since the patient's last message), which every replica shares, not
from the memory of one process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import BotUttered, Event, UserUttered

from channels import replies


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


def options_from_buttons(buttons: Iterable[Any] | None) -> list[Option]:
    """Rasa buttons ({"title", "payload"}) that can be offered."""
    options = []
    for button in buttons or []:
        if not isinstance(button, Mapping):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and title.strip() and isinstance(payload, str) and payload:
            options.append(Option(title.strip(), payload))
    return options


def numbered_options(text: str, options: list[Option], start: int = 1) -> str:
    """The text followed by the options as a numbered list."""
    lines = [
        replies.numbered_option(start + index, option.title) for index, option in enumerate(options)
    ]
    body = "\n".join([replies.numbered_prompt(), *lines])
    return f"{text.strip()}\n\n{body}" if text.strip() else body


_NUMBER = re.compile(r"\s*#?\s*(\d{1,3})\s*[.)]?\s*")  # any script's digits


def chosen_number(text: str) -> int | None:
    """The number in a reply such as "2", " 2. " or "#2"; None for other text."""
    match = _NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


def offered_payloads(
    events: Iterable[Event], numbered: Callable[[list[Option]], bool]
) -> list[str]:
    """Payloads of the options the bot numbered since the patient's last
    message, in the order they were numbered (`numbered` tells which buttons
    the channel showed as a numbered list rather than as its own buttons)."""
    since_patient: list[BotUttered] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            since_patient.append(event)
    payloads: list[str] = []
    for event in reversed(since_patient):
        data = event.data or {}
        options = options_from_buttons(data.get("buttons") or data.get("quick_replies"))
        if options and numbered(options):
            payloads.extend(option.payload for option in options)
    return payloads
