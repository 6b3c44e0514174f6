"""Presentations a triage nurse sends on even when the patient plays them down
or the episode is over: a numb face that came back, a gush of blood that
stopped, bowels open many times a day, tablets put aside "just in case",
pain past ten, a line or a wound that has come apart. Figures of speech and
other people's old stories with the same words stay calm."""

from __future__ import annotations

import pytest

from triage.harness import Triage


@pytest.mark.parametrize(
    "text",
    [
        # A transient stroke (TIA) is urgent after it has passed.
        "my husband could not feel his left arm for a few minutes earlier, seems ok now",
        # A sentinel bleed after head and neck radiation.
        "there was a sudden rush of blood out of my mouth at lunch, it's slowed down now",
        "had a massive gush of blood from his trach, stopped with pressure",
        # Six or more bouts a day.
        "mum has had the runs 8 times since breakfast, is that still the radiation?",
        "vomited 7 times today, pelvis rt, any tips?",
        # Passive or planned self-harm, said sideways.
        "i keep hoping god takes me tonight so i can stop all this",
        "it would be better for everyone if the cancer just won, honestly",
        "i've been saving up my morphine in a drawer, just in case i decide i've had enough",
        "some days i don't want to be here anymore, and i don't mean the hospital",
        # An overdose, however calm.
        "took way too many tylenol for the pain, feel ok though",
        # Pain past ten, nothing left to try.
        "pain is 11 out of 10 tonight, bone mets in the hip",
        "we've tried everything in the house for her back pain and she's screaming",
        # A broken line or a wound that has opened.
        "there's a hole in the tube of my picc line and it's dripping",
        "his incision burst open when he sneezed",
        "hiccups nonstop for two days, he can't keep food in",
        "can't even get water down, my throat is so raw from the radiation",
        # Blood in the bowl, no urine, yellow eyes, a broken chemo line.
        "the pan was filled with blood and big clots after i went, is that the rt",
        "she has not had a wee since breakfast yesterday even though she's drinking",
        "the whites of his eyes have gone yellow and his pee looks like coke",
        "the chemo pump tubing is leaking all over the bed",
        "the drip site on her arm is red hot and starting to blister",
        "i took my morning xeloda twice by mistake",
        "what if i swallowed all 40 of my sleeping tablets in one go, would it hurt",
        "he's making a squeaky noise when he breathes in, throat cancer",
        # One clause ends where "and i" starts a new one.
        "didn't sleep and i have crushing chest pain now",
        # Spanish as families write it, violence at home, new confusion.
        "mi esposo tiene calentura de 38.9 y está en quimio",
        "mi papá no ha orinado desde anoche y está muy débil",
        "a veces quisiera dormirme y no despertar más, ya estoy cansada",
        "my husband hit me last night and i'm scared to go home after treatment",
        "she keeps asking what year it is, she was perfectly fine this morning",
    ],
)
def test_a_played_down_or_finished_red_flag_is_urgent(triage: Triage, text: str) -> None:
    assert triage(text).urgent, triage(text).as_output()


@pytest.mark.parametrize(
    "text",
    [
        "i nearly collapsed laughing when the radiographer sang along to the radio",
        "i get choked up whenever i talk about the diagnosis, can my son speak for me",
        "will the cone beam scans overdose me on radiation by the end",
        "my late mother had fits from her brain tumour, does that run in families",
        "grandad's airway closed up during radiation in the 70s, does that still happen",
        "there's a small rash on the right side of my face from the mask",
        "we put away his tablets in a locked box because of the grandkids",
        "i take my capecitabine twice a day after meals, is grapefruit ok",
        "i carry an epipen for nuts, do i bring it to sessions",
        "saw a documentary where a man's stoma went black, what should mine look like",
        "i nearly choked when they told me what parking costs",
        "a mi abuela le dio un ataque de risa con el técnico, qué lindo",
        "grandad has had dementia for years and asks what day it is, is igrt ok for him",
    ],
)
def test_figures_of_speech_and_old_stories_stay_calm(triage: Triage, text: str) -> None:
    assert not triage(text).urgent, triage(text).as_output()
