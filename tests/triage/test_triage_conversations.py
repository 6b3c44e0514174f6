"""Urgent messages later in a conversation get emergency guidance first, through
the real assistant (REST channel), and the ordinary turns before them do not."""

from __future__ import annotations

import uuid

import pytest
from assistant_server import RunningAssistant

from triage.harness import CASES

EMERGENCY_GUIDANCE = "call 911 or go to the nearest emergency room now"


def reply_text(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages).lower()


@pytest.mark.parametrize("conversation", CASES["conversations"], ids=lambda c: c["turns"][-1][:40])
def test_urgent_turns_get_emergency_guidance_first(
    assistant: RunningAssistant, conversation: dict
) -> None:
    sender = f"triage-{uuid.uuid4()}"
    for number, message in enumerate(conversation["turns"], start=1):
        replies = assistant.say(sender, message)
        urgent = number in conversation["urgent"]
        # The first turn's disclaimer comes before; the guidance leads the answer.
        answer = [
            m for m in replies if "general information, not medical advice" not in m.get("text", "")
        ]
        if urgent:
            assert EMERGENCY_GUIDANCE in reply_text(answer[:1]), (number, message, replies)
        else:
            assert EMERGENCY_GUIDANCE not in reply_text(replies), (number, message, replies)


def test_an_urgent_message_in_spanish_gets_the_guidance_in_spanish_too(
    assistant: RunningAssistant,
) -> None:
    said = reply_text(assistant.say(f"triage-{uuid.uuid4()}", "mi mamá no puede respirar, ayuda"))
    assert EMERGENCY_GUIDANCE in said
    assert "llame al 911 o vaya ahora a la sala de emergencias" in said


def test_a_question_in_another_language_gets_the_english_and_spanish_notice(
    assistant: RunningAssistant,
) -> None:
    said = reply_text(assistant.say(f"triage-{uuid.uuid4()}", "combien de séances vais-je avoir ?"))
    assert "i can only answer in english" in said
    assert "solo puedo responder en inglés" in said
    assert EMERGENCY_GUIDANCE not in said
