"""action_follow_up: elliptical follow-ups answered against the bot's previous
answer, and messages the NLU was unsure of."""

from __future__ import annotations

from typing import Any

from actions.follow_up import ActionFollowUp
from custom_actions.action_fixtures import ANY_PART, CHEST_ONLY, PELVIS_ONLY, assert_lists, reply_of


def unclear_reply_to(text: str, intent: str = "nlu_fallback", **conversation: Any) -> str:
    return reply_of(ActionFollowUp(), text, intent=intent, **conversation)


def test_an_unclear_follow_up_naming_a_site_continues_the_side_effects_answer() -> None:
    reply = unclear_reply_to(
        "and if it were the chest wall instead?",
        previous_bot_action="action_side_effects_by_body_site",
    )
    assert_lists(reply, CHEST_ONLY, PELVIS_ONLY)


def test_an_unclear_message_elsewhere_gets_i_dont_know() -> None:
    reply = unclear_reply_to("is the chest wall parking free?", previous_bot_action="utter_greet")
    assert "i don't know" in reply and "ask your radiation oncologist or your care team" in reply
    assert_lists(reply, [], CHEST_ONLY)


def test_is_that_permanent_after_side_effects_is_about_them() -> None:
    reply = unclear_reply_to(
        "is that permanent?",
        intent="follow_up",
        previous_bot_action="action_side_effects_by_body_site",
    )
    assert "hair loss at the treatment site that can be permanent" in reply
    assert "most side effects go away" in reply


def test_the_doctor_asked_about_after_preparing_is_the_radiation_oncologist() -> None:
    reply = unclear_reply_to(
        "what's that doctor called again", intent="follow_up", previous_bot_action="utter_prepare"
    )
    assert "this doctor is called a radiation oncologist" in reply


def test_and_for_her_after_side_effects_uses_the_remembered_site() -> None:
    reply = unclear_reply_to(
        "and for her?",
        intent="follow_up",
        remembered=["cervix"],
        previous_bot_action="action_side_effects_by_body_site",
    )
    assert_lists(reply, PELVIS_ONLY, CHEST_ONLY)


def test_a_follow_up_with_nothing_before_it_gets_i_dont_know() -> None:
    reply = unclear_reply_to("is that permanent?", intent="follow_up")
    assert "i don't know" in reply
    assert_lists(reply, [], ANY_PART)
