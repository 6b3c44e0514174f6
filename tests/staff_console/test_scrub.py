"""The inbox's scrubber on planted personal data: each kind is replaced, the
question around it is kept."""

from __future__ import annotations

import pytest

from console.scrub import scrub

PLANTED = [
    # (message, planted data, placeholder, words that must stay)
    ("Hi, my name is John Smith, will IGRT hurt?", ["John", "Smith"], "[NAME]", "will IGRT hurt"),
    ("my name is maria lopez and i have a question", ["maria", "lopez"], "[NAME]", "question"),
    ("I'm Aisha Okafor, what is IGRT?", ["Aisha", "Okafor"], "[NAME]", "what is IGRT"),
    ("Can Dr. Patel explain the side effects?", ["Patel"], "[NAME]", "side effects"),
    ("My husband Tom has prostate cancer", ["Tom"], "[NAME]", "prostate cancer"),
    ("Will my skin be red? Thanks, Robert", ["Robert"], "[NAME]", "skin be red"),
    ("John Smith here. What is IGRT?", ["John", "Smith"], "[NAME]", "What is IGRT?"),
    ("Priya here, is IGRT painful?", ["Priya"], "[NAME]", "is IGRT painful?"),
    ("is the chest treatment daily? - Maria", ["Maria"], "[NAME]", "chest treatment daily?"),
    ("call me at 555-867-5309 about IGRT", ["867-5309"], "[PHONE]", "about IGRT"),
    ("my cell is (212) 555-0123", ["555-0123"], "[PHONE]", "my cell"),
    ("text +44 20 7946 0958 please", ["7946"], "[PHONE]", "please"),
    ("email jane.doe@example.com the results", ["jane.doe", "example.com"], "[EMAIL]", "results"),
    ("I was born 03/14/1958, does age matter?", ["03/14/1958"], "[DATE]", "does age matter"),
    ("my dob is March 14, 1958", ["March 14", "1958"], "[DATE]", "my"),
    ("born on 14 March 1958, is IGRT safe", ["14 March"], "[DATE]", "is IGRT safe"),
    ("I live at 1234 Elm Street, Apt 5B", ["1234 Elm", "5B"], "[ADDRESS]", "I live at"),
    ("send it to 42 Oak Ave Springfield 62704", ["42 Oak", "62704"], "[ADDRESS]", "send it to"),
    ("my MRN is 00123456, what is my schedule", ["00123456"], "[ID]", "schedule"),
    ("patient id AB12345 for the chest", ["AB12345"], "[ID]", "chest"),
    ("record number 7731-22 please", ["7731-22"], "[ID]", "please"),
    ("my ssn is 123-45-6789", ["123-45-6789"], "[ID]", "my ssn"),
]


@pytest.mark.parametrize(("message", "planted", "placeholder", "kept"), PLANTED)
def test_planted_personal_data_is_removed(
    message: str, planted: list[str], placeholder: str, kept: str
) -> None:
    scrubbed = scrub(message)
    for data in planted:
        assert data not in scrubbed, scrubbed
    assert placeholder in scrubbed, scrubbed
    assert kept in scrubbed, scrubbed


@pytest.mark.parametrize(
    "message",
    [
        "what is igrt",
        "What are the side effects of IGRT for the chest?",
        "How do I prepare for my first session? Is it X-rays or protons?",
        "Will I need a CT scan before each treatment session?",
        "Radiation Therapy here is new to me. Does it hurt?",
        "Is IGRT - the image-guided kind - safe?",
    ],
)
def test_questions_without_personal_data_are_unchanged(message: str) -> None:
    assert scrub(message) == message
