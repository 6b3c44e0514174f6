"""What the channels themselves say to patients comes from domain.yml
(utter_channel_*, channels/replies.py), in the wording it always had."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from channels import replies
from channels.rest import MAX_MESSAGE_CHARS, PatientRestInput


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    replies.channel_texts.cache_clear()
    yield
    replies.channel_texts.cache_clear()


def test_each_channel_reply_is_the_domains_text() -> None:
    assert replies.empty_message() == "Please type your question about IGRT."
    assert replies.too_long() == (
        f"That message is too long for me (over {MAX_MESSAGE_CHARS} characters). "
        "Please ask one short question. In an emergency, call 911."
    )
    assert replies.failure() == (
        "Sorry, something went wrong on our side. Please try again in a moment. "
        "In an emergency, call 911."
    )
    assert replies.non_text() == (
        "I can only read text messages. Please type your question. In an emergency, call 911."
    )
    assert replies.choose_prompt() == "Please choose one:"
    assert replies.numbered_prompt() == "Reply with a number:"
    assert replies.out_of_range(3) == (
        "Please reply with a number from 1 to 3, or type your question."
    )


def test_a_channel_does_not_start_without_its_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    domain = yaml.safe_load(replies.DOMAIN_FILE.read_text(encoding="utf-8"))
    del domain["responses"]["utter_channel_failure"]
    trimmed = tmp_path / "domain.yml"
    trimmed.write_text(yaml.safe_dump(domain), encoding="utf-8")
    monkeypatch.setattr(replies, "DOMAIN_FILE", trimmed)
    with pytest.raises(KeyError, match="utter_channel_failure"):
        PatientRestInput()
