"""What the channels themselves say to patients.

The texts live in domain.yml (responses utter_channel_*), beside every other
text a patient reads, so they are reviewed in one place and held to the page by
tests/test_source_fidelity.py. The model never chooses them: the channels say
them for messages that do not reach it and when the bot fails: while the
conversation database fails (stores/), that failure notice says the chat is
temporarily unavailable. The emergency number in them is the clinic's
(clinic.yml, read when it changed), so each reply says the current one.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from clinic.settings import current
from stores.status import database_status

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"
PREFIX = "utter_channel_"
NAMES = (
    "empty_message",
    "too_long",
    "failure",
    "unavailable",
    "non_text",
    "choose_prompt",
    "numbered_prompt",
    "numbered_option",
    "out_of_range",
)


@functools.cache
def channel_texts() -> dict[str, str]:
    """Each reply's text by name (without the prefix), read once.

    Raises KeyError when one is missing, so a channel fails at start-up rather
    than at a patient's first odd message.
    """
    responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    texts = {
        name.removeprefix(PREFIX): variants[0]["text"]
        for name, variants in responses.items()
        if name.startswith(PREFIX)
    }
    missing = [name for name in NAMES if name not in texts]
    if missing:
        raise KeyError(f"domain.yml has no response {', '.join(PREFIX + n for n in missing)}")
    return texts


def _filled(name: str, **values: object) -> str:
    """A reply with the clinic's emergency number (always set: it has a default)."""
    return channel_texts()[name].format(emergency_number=current().emergency_number, **values)


def empty_message() -> str:
    return _filled("empty_message")


def too_long() -> str:
    return _filled("too_long")


def failure() -> str:
    """The notice for a turn the bot could not finish. The channels do not
    see why it failed, so the database's state in this process decides."""
    return unavailable() if database_status.failing else _filled("failure")


def unavailable() -> str:
    return _filled("unavailable")


def non_text() -> str:
    return _filled("non_text")


def choose_prompt() -> str:
    return _filled("choose_prompt")


def numbered_prompt() -> str:
    return _filled("numbered_prompt")


def numbered_option(number: int, title: str) -> str:
    """One line of a numbered list of options."""
    return _filled("numbered_option", number=number, title=title)


def out_of_range(count: int) -> str:
    return _filled("out_of_range", count=count)
