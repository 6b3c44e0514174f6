# ruff: noqa: RUF001 (the messages are written in other scripts on purpose)
"""Red flags in languages the assistant does not answer in
(knowledge/triage/other_languages.yml): urgent however they are typed, while
ordinary questions in those languages, and English, are left alone."""

from __future__ import annotations

import pytest

from components.triage.other_languages import fold, other_language_red_flags
from triage.harness import Triage

RED_FLAGS = [
    ("zh", "breathing", "我妈妈突然喘不过气来了"),
    ("zh", "chest_heart", "他胸口特别疼，已经半小时了"),
    ("zh", "stroke", "爷爷说话不清楚，嘴也歪了"),
    ("vi", "bleeding", "chồng tôi ho ra máu nhiều lắm"),
    ("vi", "breathing", "me toi kho tho lam"),  # typed without tone marks
    ("tl", "consciousness", "nahimatay si lola sa banyo"),
    ("ko", "seizure", "남편이 지금 경련을 하고 있어요"),
    ("ko", "breathing", "숨을못쉬겠어요"),  # written without spaces
    ("ru", "stroke", "у папы вдруг перекосило лицо"),
    ("ru", "self_harm", "я больше не хочу жить"),
    ("ar", "breathing", "زوجي لديه ضيق في التنفس شديد"),
    ("ht", "bleeding", "pitit mwen ap vomi san"),
    ("fr", "chest_heart", "Mon mari a une douleur a la poitrine depuis une heure"),
    ("pt", "infection", "minha mãe está com febre de 39 e calafrios"),
    ("pt", "bleeding", "o sangramento da gengiva começou de manhã e ainda não para"),
    ("pl", "stroke", "tata ma chyba udar, nie może podnieść ręki"),
    ("it", "infection", "mio marito fa la chemio e stasera ha la febbre"),
    ("de", "consciousness", "meine Frau ist bewusstlos im Bad"),
    ("hi", "breathing", "papa ko saans nahi aa rahi theek se"),
    ("zh", "infection", "爸爸在化疗，现在发烧了"),
]

ORDINARY = [
    "IGRT是什么？每次治疗要多久？",
    "Xạ trị có đau không?",
    "Gaano katagal ang bawat sesyon?",
    "치료는 몇 번 받아야 하나요?",
    "Сколько длится один сеанс?",
    "كم تستغرق الجلسة؟",
    "Konbyen tan tretman an dire?",
    "Est-ce que le traitement fait mal ?",
    "Quanto tempo dura cada sessão?",
    "Wie lange dauert eine Sitzung?",
    "Quanto dura ogni seduta?",
    "Ile trwa jedna sesja?",
]

ENGLISH_NEAR_MISSES = [
    "I'm confused about my appointment times",
    "my mum was paralysed with fear before the first scan lol",
    "does the derm clinic share results with you",
    "I'm a little short of time tomorrow, can we start earlier",
]


@pytest.mark.parametrize(("language", "family", "message"), RED_FLAGS)
def test_a_red_flag_in_another_language_is_urgent(
    triage: Triage, language: str, family: str, message: str
) -> None:
    decision = triage(message)
    assert decision.urgent, f"{language}: {message!r} {decision.as_output()}"
    assert family in decision.families


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_question_in_another_language_is_not_urgent(
    triage: Triage, message: str
) -> None:
    assert not triage(message).urgent, triage(message).as_output()


@pytest.mark.parametrize("message", ENGLISH_NEAR_MISSES)
def test_english_is_not_read_as_another_languages_red_flag(message: str) -> None:
    assert other_language_red_flags().families(message) == ()


@pytest.mark.parametrize(
    "message",
    [
        # Spanish and English have their own scoped patterns: a phrase shared
        # with them ("infarto", "suicide") must not bypass those.
        "casi me da un infarto cuando vi la factura",
        "my daughter volunteers for a suicide prevention line",
    ],
)
def test_a_phrase_shared_with_english_or_spanish_is_left_to_their_patterns(
    triage: Triage, message: str
) -> None:
    assert not triage(message).urgent, triage(message).as_output()


def test_both_parts_of_an_and_phrase_must_be_present() -> None:
    flags = other_language_red_flags()
    assert "infection" in flags.families("la nonna ha la febbre, fa la chemio")
    assert flags.families("la nonna fa la chemio da lunedì") == ()


def test_folding_drops_tone_marks_and_keeps_korean_syllables_whole() -> None:
    assert fold("Khó  Thở") == "kho tho"
    assert fold("đau ngực") == "dau nguc"
    assert fold("숨을 못 쉬어요") == "숨을 못 쉬어요"
