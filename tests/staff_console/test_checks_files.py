"""Reading check files (CSV, XLSX) and judging a turn, without a model."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from console.checks import (
    Check,
    Result,
    SuiteRun,
    UploadError,
    changes,
    checks_csv,
    judge,
    read_upload,
    results_csv,
)
from console.page_sources import find_sources, marked_page, page
from console.turns import Decision, Turn, decision


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str | None]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ROWS = [
    ["question", "expected_topic", "expected_reply"],
    ["what is igrt", "what_is_igrt", ""],
    ["hello\nwhat side effects?", "", "Which part of the body"],
    ["", "", ""],
]


@pytest.mark.parametrize(
    ("name", "body"),
    [("a.csv", csv_bytes(ROWS)), ("a.XLSX", xlsx_bytes(ROWS))],
    ids=["csv", "xlsx"],  # an XLSX holds its creation time: no id from its bytes
)
def test_csv_and_xlsx_give_the_same_checks(name: str, body: bytes) -> None:
    assert read_upload(name, body) == [
        Check(("what is igrt",), "what_is_igrt", ""),
        Check(("hello", "what side effects?"), "", "Which part of the body"),
    ]


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("a.txt", b"question\nhi", "upload a .csv or .xlsx"),
        ("a.csv", b"\xff\xfe\x00bad", "UTF-8"),
        ("a.xlsx", b"not a workbook", "XLSX"),
        ("a.csv", csv_bytes([["q", "topic"], ["hi", "greet"]]), "first row"),
        ("a.csv", csv_bytes([["question", "expected_topic"], ["hi", ""]]), "row 2"),
        ("a.csv", csv_bytes([["question"]]), "no checks"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name: str, body: bytes, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        read_upload(name, body)


def turn(text: str, intent: str, responses: list[str]) -> Turn:
    return Turn(
        text=text,
        replies=[{"text": "Call 911 or go to the nearest emergency room now."}],
        sms=[],
        intent=intent,
        confidence=1.0,
        ranking=[],
        entities=[],
        decision=Decision("x", "y"),
        responses=responses,
        actions=responses,
    )


def test_judge_topic_and_reply() -> None:
    turns = [turn("help", "emergency", ["utter_emergency"])]
    assert judge(Check(("help",), "utter_emergency"), turns) == (True, "")
    assert judge(Check(("help",), "emergency"), turns) == (True, "")
    assert not judge(Check(("help",), "utter_greet"), turns)[0]
    # Quotes, case and whitespace folded.
    assert judge(Check(("help",), "", "CALL 911  or go"), turns)[0]
    assert not judge(Check(("help",), "", "call 988"), turns)[0]


def test_changes_lists_every_changed_reply() -> None:
    check = Check(("help",), "utter_emergency")
    same = Result(check, [turn("help", "emergency", ["utter_emergency"])], True, "")
    other_turn = turn("help", "out_of_scope", ["utter_out_of_scope"])
    other_turn.replies = [{"text": "I'm sorry, I don't know."}]
    other = Result(check, [other_turn], False, "expected topic")
    assert changes(SuiteRun([same]), SuiteRun([same])) == []
    [change] = changes(SuiteRun([same]), SuiteRun([other]))
    assert (change.current_passed, change.candidate_passed) == (True, False)
    assert change.candidate == "I'm sorry, I don't know."
    rows = list(csv.DictReader(io.StringIO(results_csv(SuiteRun([same, other])))))
    assert [row["result"] for row in rows] == ["pass", "fail"]


def test_decision_reads_the_components_marks() -> None:
    urgent = {"intent": {"name": "emergency"}, "triage": {"urgent": True, "decided_by": "rules"}}
    assert decision(urgent).layer == "emergency layer (triage)"
    subject = {"intent": {"name": "out_of_scope"}, "scope": {"subject": "costs_and_admin"}}
    assert decision(subject).layer == "scope check"
    far = {"intent": {"name": "nlu_fallback"}, "scope": {"intent": "benefits", "similarity": 0.1}}
    assert decision(far).layer == "scope check"
    site = {"intent": {"name": "ask_side_effects"}, "scope": {"site_and_effect": True}}
    assert "body site" in decision(site).detail
    assert decision({"intent": {"name": "nlu_fallback", "confidence": 0.3}}).layer == "fallback"
    assert decision({"intent": {"name": "benefits"}}).layer == "intent classifier"


def test_sources_are_found_and_marked_in_the_page() -> None:
    reply = (
        "Hello! Image-guided radiation therapy, also called IGRT, is a type of radiation therapy."
    )
    greeting, sentence = find_sources(reply)
    assert greeting.start is None
    text, _ = page()
    assert text[sentence.start : sentence.end] == sentence.sentence
    html = str(marked_page([(sentence.start, sentence.end)]))
    assert f"<mark>{sentence.sentence}</mark>" in html
    assert "<script" not in html


def test_a_quoted_table_row_is_traced_to_its_row() -> None:
    [source] = find_sources(
        "For treatment to the chest, common side effects are: "
        "difficulty swallowing, cough, shortness of breath."
    )
    text, _ = page()
    assert source.kind == "table row"
    assert (
        text[source.start : source.end] == "Chest Difficulty swallowing, cough, shortness of breath"
    )


def test_downloads_do_not_start_cells_with_formulas_and_read_back_the_same() -> None:
    suite = [Check(('=HYPERLINK("http://x")', "-what is igrt"), "", "@reply")]
    text = checks_csv(suite)
    assert all(
        not cell.startswith(("=", "-", "@"))
        for row in csv.reader(io.StringIO(text))
        for cell in row
    )
    assert read_upload("suite.csv", text.encode()) == suite
