"""action_side_effects_by_body_site: each row of the page's table by the words
patients use, sites remembered and named, and when a site is only noted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.side_effects import ActionSideEffectsByBodySite
from clinic import settings as clinic
from custom_actions.action_fixtures import (
    ABDOMEN_ONLY,
    ANY_PART,
    CHEST_ONLY,
    HEAD_NECK_ONLY,
    PELVIS_ONLY,
    assert_lists,
    reply_of,
)


def reply_to(text: str, **conversation: Any) -> str:
    return reply_of(ActionSideEffectsByBodySite(), text, **conversation)


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


def test_site_the_table_does_not_list_gives_the_clinics_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = tmp_path / "clinic.yml"
    monkeypatch.setenv(clinic.SETTINGS_ENV, str(settings_file))
    phone, hours = "(555) 555-0188", "Monday to Thursday, 7 a.m. to 6 p.m."
    settings = clinic.validated({"name": "Lakeside Clinic", "phone": phone, "hours": hours})
    clinic.save(settings, clinic.ABSENT, settings_file)
    reply = reply_to("side effects of radiation to the brain")
    assert (
        "please ask your care team about that area. you can call lakeside clinic at "
        "(555) 555-0188. the phone line is open monday to thursday, 7 a.m. to 6 p.m."
    ) in reply
    assert "your care team can tell you what to expect" in reply  # the hand-off after
    clinic.save(clinic.validated({"name": "Lakeside Clinic"}), clinic.version(settings_file),
                settings_file)  # fmt: skip
    reply = reply_to("side effects of radiation to the brain")
    assert "please ask your care team about that area. " in reply and "you can call" not in reply


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
