"""What the channels themselves say to patients comes from domain.yml
(utter_channel_*, channels/replies.py), in the wording it always had."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from channels import replies
from channels.rest import MAX_MESSAGE_CHARS, PatientRestInput
from clinic import settings as clinic


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


def test_the_emergency_number_is_the_clinics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = tmp_path / "clinic.yml"
    settings_file.write_text("emergency_number: '112'\n", encoding="utf-8")
    monkeypatch.setenv(clinic.SETTINGS_ENV, str(settings_file))
    for reply in (replies.too_long(), replies.failure(), replies.unavailable(), replies.non_text()):
        assert reply.endswith("In an emergency, call 112."), reply
    # A file never valid: the default, never an empty number.
    refused = tmp_path / "refused.yml"
    refused.write_text("emergency_number: ''\n", encoding="utf-8")
    monkeypatch.setenv(clinic.SETTINGS_ENV, str(refused))
    assert replies.failure().endswith("In an emergency, call 911.")


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
