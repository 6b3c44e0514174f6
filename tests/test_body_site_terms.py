"""The reviewed body-site vocabulary maps patients' words to the page's rows."""

from __future__ import annotations

import pytest

from components.body_site_extractor import body_site_matcher
from knowledge.body_sites import body_areas
from knowledge.side_effects import ANY_PART, side_effects_table

ALL_TERMS = sorted((area.name, term) for area in body_areas().values() for term in area.terms)


def areas_in(text: str) -> list[str]:
    return [mention.area for mention in body_site_matcher().find(text)]


def test_every_area_points_at_rows_of_the_table() -> None:
    site_rows = set(side_effects_table()) - {ANY_PART}
    for area in body_areas().values():
        assert set(area.rows) <= site_rows, area.name


def test_every_site_row_of_the_table_is_reachable() -> None:
    reachable = {row for area in body_areas().values() for row in area.rows}
    assert reachable == set(side_effects_table()) - {ANY_PART}


def test_no_term_belongs_to_two_areas() -> None:
    owner: dict[str, str] = {}
    for area, term in ALL_TERMS:
        first = owner.setdefault(term.lower(), area)
        assert first == area, f"{term!r} is in both {first!r} and {area!r}"


@pytest.mark.parametrize(("area", "term"), ALL_TERMS)
def test_each_term_is_found_in_a_sentence(area: str, term: str) -> None:
    assert areas_in(f"will radiation to my {term} cause problems?") == [area]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("will zapping my throat make it hard to eat?", ["throat"]),
        ("My wife has cervical cancer", ["cervix"]),
        ("radiation to the cervical spine", ["spine"]),
        ("PROSTRATE cancer, what now", ["prostate"]),
        ("my mom's tounge", ["tongue"]),
        ("tumour in his oesophagus", ["esophagus"]),
        ("the chest wall after my mastectomy", ["chest", "breast"]),
        ("bowel changes after anal cancer radiation", ["rectum"]),
        ("lungs and liver both", ["lung", "liver"]),
        ("my tummy", ["abdomen"]),
        ("head & neck", ["head and neck"]),
        ("her ovaries", ["ovaries"]),
        ("what is igrt", []),
    ],
)
def test_patients_words_map_to_areas(message: str, expected: list[str]) -> None:
    assert areas_in(message) == expected
