"""action_side_effects_by_body_site with real rasa_sdk Tracker and CollectingDispatcher.

Messages are parsed the way the NLU pipeline does (the spaCy matcher of
components/body_site_extractor.py), and replies are rendered from domain.yml,
so each test reads what the patient would read.
"""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from page import PROJECT
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_up import ActionFollowUp
from actions.side_effects import ActionSideEffectsByBodySite
from components.body_site_extractor import body_site_matcher

DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
HEAD_NECK_ONLY = ["dry mouth", "thickened saliva", "sore throat", "food tastes", "tooth decay"]
CHEST_ONLY = ["cough", "shortness of breath"]
ABDOMEN_ONLY = ["vomiting"]
PELVIS_ONLY = ["bladder irritation", "urinating often", "sexual function"]
ANY_PART = ["hair loss", "skin irritation", "extreme tiredness"]


def parse(text: str, intent: str) -> dict[str, Any]:
    entities = [
        {"entity": "body_site", "value": m.area, "start": m.start, "end": m.end}
        for m in body_site_matcher().find(text)
    ]
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}


def tracker(
    text: str,
    intent: str = "ask_side_effects",
    remembered: list[str] | None = None,
    previous_bot_action: str | None = None,
) -> Tracker:
    message = parse(text, intent)
    events: list[dict[str, Any]] = []
    if previous_bot_action:
        events += [
            {"event": "user", "text": "earlier question", "parse_data": {}},
            {"event": "action", "name": previous_bot_action},
            {"event": "action", "name": "action_listen"},
        ]
    events.append({"event": "user", "text": text, "parse_data": message})
    return Tracker(
        sender_id="test",
        slots={"body_site": remembered},
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def reply_to(text: str, **kwargs: Any) -> str:
    """What the patient reads: each uttered response rendered from domain.yml."""
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionSideEffectsByBodySite().run(dispatcher, tracker(text, **kwargs), DOMAIN))
    rendered = []
    for message in dispatcher.messages:
        template = DOMAIN["responses"][message["response"]][0]["text"]
        rendered.append(template.format(**message))
    return " ".join(rendered).lower()


def assert_lists(reply: str, present: list[str], absent: list[str]) -> None:
    for phrase in present:
        assert phrase in reply, f"{phrase!r} missing from {reply!r}"
    for phrase in absent:
        assert phrase not in reply, f"{phrase!r} should not be in {reply!r}"


def test_head_and_neck() -> None:
    reply = reply_to("will zapping my throat make it hard to eat?")
    assert "head and neck (throat)" in reply
    assert_lists(reply, HEAD_NECK_ONLY + ANY_PART, CHEST_ONLY + ABDOMEN_ONLY + PELVIS_ONLY)


def test_chest() -> None:
    reply = reply_to("side effects of radiation to my lung")
    assert "chest (lung)" in reply
    assert_lists(reply, CHEST_ONLY + ANY_PART, HEAD_NECK_ONLY + ABDOMEN_ONLY + PELVIS_ONLY)


def test_abdomen() -> None:
    reply = reply_to("what will it do to my belly")
    assert "abdomen" in reply
    assert_lists(reply, [*ABDOMEN_ONLY, "nausea", "diarrhea", *ANY_PART], CHEST_ONLY + PELVIS_ONLY)


def test_pelvis() -> None:
    reply = reply_to("side effects for prostate radiation")
    assert "pelvis (prostate)" in reply
    assert_lists(reply, PELVIS_ONLY + ANY_PART, HEAD_NECK_ONLY + CHEST_ONLY + ABDOMEN_ONLY)


def test_the_row_named_directly_is_not_repeated_in_brackets() -> None:
    assert "treatment to the chest, common" in reply_to("side effects for chest treatment")


def test_misspellings_and_lay_words() -> None:
    assert "pelvis (prostate)" in reply_to("prostrate radiation side efects")
    assert "head and neck (tongue)" in reply_to("my tounge")
    assert "chest (esophagus)" in reply_to("zapping his esophogus")
    assert "abdomen (stomach)" in reply_to("will my stomache get upset")


def test_site_the_table_does_not_list() -> None:
    reply = reply_to("side effects of radiation to the brain")
    assert "doesn't list side effects for treatment to the brain" in reply
    assert "ask your care team" in reply
    assert_lists(reply, ANY_PART, HEAD_NECK_ONLY + CHEST_ONLY + ABDOMEN_ONLY + PELVIS_ONLY)


def test_two_sites_answer_both() -> None:
    reply = reply_to("my breast and my liver are both being treated")
    assert "chest (breast)" in reply and "abdomen (liver)" in reply
    assert_lists(reply, CHEST_ONLY + ABDOMEN_ONLY + ANY_PART, HEAD_NECK_ONLY + PELVIS_ONLY)


def test_two_sites_in_one_row_are_named_together() -> None:
    assert "chest (lung and breast)" in reply_to("lung and breast")


def test_no_site_gives_the_any_part_row_and_asks_where() -> None:
    reply = reply_to("what side effects will I have?")
    assert "which part of the body is being treated?" in reply
    assert_lists(reply, ANY_PART, HEAD_NECK_ONLY + CHEST_ONLY + ABDOMEN_ONLY + PELVIS_ONLY)


def test_hair_loss_question_without_site_does_not_ask_where() -> None:
    reply = reply_to("will I lose my hair?", intent="hair_loss")
    assert "can be permanent" in reply
    assert "which part of the body" not in reply


def test_remembered_site_answers_a_later_question() -> None:
    reply = reply_to("will she have side effects?", remembered=["cervix"])
    assert "pelvis (cervix)" in reply
    assert_lists(reply, PELVIS_ONLY, HEAD_NECK_ONLY + CHEST_ONLY + ABDOMEN_ONLY)


def test_a_site_in_the_message_beats_the_remembered_one() -> None:
    reply = reply_to("and if it were the chest wall instead?", remembered=["liver"])
    assert_lists(reply, CHEST_ONLY, ABDOMEN_ONLY)


def test_a_diagnosis_out_of_the_blue_is_noted_not_answered() -> None:
    reply = reply_to("my wife has cervical cancer", intent="inform_body_site")
    assert "i'll keep the cervix in mind" in reply
    assert_lists(reply, [], PELVIS_ONLY)


def test_a_site_with_a_side_effects_question_is_answered() -> None:
    for said in ["radiation to my chest wall. side effects?", "chest wall, what side effects"]:
        reply = reply_to(said, intent="ask_side_effects")
        assert_lists(reply, CHEST_ONLY, PELVIS_ONLY)


def test_a_site_said_as_a_question_out_of_the_blue_is_only_noted() -> None:
    # The intent, not a question mark, decides: a diagnosis is noted.
    reply = reply_to("my husband has prostate cancer?", intent="inform_body_site")
    assert "i'll keep the prostate in mind" in reply


def test_a_site_given_after_the_bot_asked_is_answered() -> None:
    reply = reply_to(
        "its my ovaries",
        intent="inform_body_site",
        previous_bot_action="action_side_effects_by_body_site",
    )
    assert "pelvis (ovaries)" in reply
    assert_lists(reply, PELVIS_ONLY, CHEST_ONLY)


def test_a_site_picked_after_the_risks_answer_is_answered() -> None:
    reply = reply_to("Chest", intent="inform_body_site", previous_bot_action="utter_risks_general")
    assert_lists(reply, CHEST_ONLY, PELVIS_ONLY)


def unclear_reply_to(text: str, intent: str = "nlu_fallback", **kwargs: Any) -> str:
    dispatcher = CollectingDispatcher()
    action = ActionFollowUp()
    asyncio.run(action.run(dispatcher, tracker(text, intent=intent, **kwargs), DOMAIN))
    return " ".join(
        DOMAIN["responses"][m["response"]][0]["text"].format(**m) for m in dispatcher.messages
    ).lower()


def test_an_unclear_follow_up_naming_a_site_continues_the_side_effects_answer() -> None:
    reply = unclear_reply_to(
        "and if it were the chest wall instead?",
        previous_bot_action="action_side_effects_by_body_site",
    )
    assert_lists(reply, CHEST_ONLY, PELVIS_ONLY)


def test_an_unclear_message_elsewhere_gets_i_dont_know() -> None:
    reply = unclear_reply_to("is the chest wall parking free?", previous_bot_action="utter_greet")
    assert "i don't know" in reply and "ask your care team" in reply
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
