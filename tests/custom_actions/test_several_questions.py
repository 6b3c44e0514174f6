"""action_answer_each_question: each question of one message answered from
the domain's responses, in the order asked."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.several_questions import ActionAnswerEachQuestion
from custom_actions.action_fixtures import (
    ANY_PART,
    CHEST_ONLY,
    DOMAIN,
    HEAD_NECK_ONLY,
    assert_lists,
    rendered,
    tracker,
)


def reply_to(text: str, asked: list[str]) -> str:
    conversation = tracker(text, intent="several_questions")
    conversation.latest_message["several_questions"] = {"intents": asked}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerEachQuestion().run(dispatcher, conversation, DOMAIN))
    return rendered(dispatcher)


def test_each_question_is_answered_in_the_order_asked() -> None:
    reply = reply_to("what is igrt and will i lose my hair", ["what_is_igrt", "hair_loss"])
    assert "type of radiation therapy" in reply
    assert "permanent" in reply
    assert reply.index("type of radiation therapy") < reply.index("hair loss")


def test_side_effects_name_the_site_and_do_not_ask_for_it_between_answers() -> None:
    reply = reply_to(
        "what will the lung treatment do to him and when will we know it worked",
        ["ask_side_effects", "results"],
    )
    assert "chest (lung)" in reply
    assert_lists(reply, CHEST_ONLY + ANY_PART + ["weeks or months"], HEAD_NECK_ONLY)
    assert "which part of the body" not in reply


def test_a_decision_among_the_questions_gets_the_pages_answer() -> None:
    reply = reply_to("should mum have it, and is it risky", ["right_for_me", "risks_general"])
    assert "radiation oncologist" in reply
    assert "which part of the body gets the radiation" in reply


def test_no_questions_listed_is_an_honest_i_do_not_know() -> None:
    assert "i don't know" in reply_to("?", [])
