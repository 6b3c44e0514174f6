"""Checks: a conversation and the expected topic (intent or response) or reply.

Read from CSV or XLSX uploads, saved in the database as suites, run against a
model for a pass/fail table and the responses no check reaches, or against two
models to list every reply that changed.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from console import audit
from console.db import checks
from console.page_sources import fold
from console.turns import Turn

if TYPE_CHECKING:  # loading Rasa takes seconds: not for reading a file
    from console.assistant import Assistant

MAX_CHECKS = 2000  # per upload or suite: a run must end in minutes
MAX_MESSAGES = 20  # per conversation
MAX_MESSAGE_CHARS = 2000  # as the REST channel (channels/rest.py)
COLUMNS = ("question", "expected_topic", "expected_reply")
# Responses that are not answers: no check needs to reach them.
NOT_COVERED_BY_DESIGN = ("utter_channel_",)


# A cell starting with one of these is a formula to a spreadsheet: written with
# a leading apostrophe (shown as text), which reading a file takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


class UploadError(ValueError):
    """The file cannot be read as checks; the reason is shown to staff."""


@dataclass(frozen=True)
class Check:
    messages: tuple[str, ...]
    expected_topic: str = ""
    expected_reply: str = ""
    id: int | None = None
    suite: str = ""

    @property
    def question(self) -> str:
        return "\n".join(self.messages)


@dataclass
class Result:
    check: Check
    turns: list[Turn]
    passed: bool
    why: str

    @property
    def reply(self) -> str:
        return self.turns[-1].reply_text if self.turns else ""

    @property
    def topics(self) -> list[str]:
        return topics(self.turns[-1]) if self.turns else []


@dataclass
class SuiteRun:
    results: list[Result]
    uncovered: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Result]:
        return [result for result in self.results if not result.passed]


def split_messages(question: str) -> tuple[str, ...]:
    """One message per non-empty line."""
    return tuple(line.strip() for line in question.splitlines() if line.strip())


def make_check(question: Any, topic: Any = "", reply: Any = "", row: int = 0) -> Check | None:
    """A check from one row; None for a blank row; UploadError for a bad one."""
    messages = split_messages(unescape_cell(str(question or "")))
    topic = unescape_cell(str(topic or "").strip())
    reply = unescape_cell(str(reply or "").strip())
    if not messages and not topic and not reply:
        return None
    where = f"row {row}: " if row else ""
    if not messages:
        raise UploadError(f"{where}the question is empty")
    if len(messages) > MAX_MESSAGES or any(len(m) > MAX_MESSAGE_CHARS for m in messages):
        raise UploadError(
            f"{where}at most {MAX_MESSAGES} messages of {MAX_MESSAGE_CHARS} characters"
        )
    if not topic and not reply:
        raise UploadError(f"{where}give an expected topic or an expected reply")
    return Check(messages, topic, reply)


def _rows_to_checks(rows: Iterable[list[Any]]) -> list[Check]:
    rows = iter(rows)
    header = [str(cell or "").strip().lower() for cell in next(rows, [])]
    if "question" not in header:
        raise UploadError(f"the first row must name the columns: {', '.join(COLUMNS)}")
    index = {name: header.index(name) for name in COLUMNS if name in header}
    found = []
    for number, row in enumerate(rows, start=2):
        cells = {name: row[i] if i < len(row) else "" for name, i in index.items()}
        check = make_check(
            cells.get("question"), cells.get("expected_topic"), cells.get("expected_reply"), number
        )
        if check:
            found.append(check)
        if len(found) > MAX_CHECKS:
            raise UploadError(f"at most {MAX_CHECKS} checks per file")
    if not found:
        raise UploadError("the file has no checks")
    return found


def read_upload(filename: str, body: bytes) -> list[Check]:
    """Checks from a CSV (UTF-8) or XLSX file with the columns COLUMNS."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a bad file
            raise UploadError("the file is not a readable XLSX workbook") from error
        rows = ([cell for cell in row] for row in workbook.active.iter_rows(values_only=True))
        return _rows_to_checks(rows)
    if name.endswith(".csv"):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UploadError("the CSV file must be UTF-8") from error
        return _rows_to_checks(list(csv.reader(io.StringIO(text))))
    raise UploadError("upload a .csv or .xlsx file")


def topics(turn: Turn) -> list[str]:
    """What a turn was about: its intent, the responses said and the actions
    run (an utter_ response is both: listed once)."""
    return list(dict.fromkeys([turn.intent, *turn.responses, *turn.actions]))


def judge(check: Check, turns: list[Turn]) -> tuple[bool, str]:
    """Pass when the last turn has the expected topic and contains the expected
    reply (quotes, case and whitespace folded)."""
    last = turns[-1]
    if check.expected_topic and check.expected_topic not in topics(last):
        return False, f"expected topic {check.expected_topic}, got {', '.join(topics(last))}"
    if check.expected_reply and fold(check.expected_reply).text not in fold(last.reply_text).text:
        return False, "the reply does not contain the expected reply"
    return True, ""


async def run_checks(assistant: Assistant, suite: list[Check]) -> SuiteRun:
    started = time.monotonic()
    results = []
    for check in suite:
        turns = await assistant.converse(list(check.messages))
        passed, why = judge(check, turns)
        results.append(Result(check, turns, passed, why))
    said = {topic for result in results for turn in result.turns for topic in topics(turn)}
    uncovered = [
        name
        for name in assistant.responses
        if name not in said and not name.startswith(NOT_COVERED_BY_DESIGN)
    ]
    return SuiteRun(results, uncovered, round(time.monotonic() - started, 1))


@dataclass(frozen=True)
class Change:
    check: Check
    current: str
    candidate: str
    current_passed: bool
    candidate_passed: bool


def changes(current: SuiteRun, candidate: SuiteRun) -> list[Change]:
    """Every check whose reply (or pass/fail) differs between the two runs."""
    return [
        Change(a.check, a.reply, b.reply, a.passed, b.passed)
        for a, b in zip(current.results, candidate.results, strict=True)
        if a.reply != b.reply or a.passed != b.passed
    ]


def results_csv(run: SuiteRun) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "result", "why", "topics", "reply"])
    for result in run.results:
        check = result.check
        row = [
            check.question,
            check.expected_topic,
            check.expected_reply,
            "pass" if result.passed else "fail",
            result.why,
            " ".join(result.topics),
            result.reply,
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def checks_csv(suite: list[Check]) -> str:
    """A suite as an upload file (to keep in the repository for `make check`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for check in suite:
        row = [check.question, check.expected_topic, check.expected_reply]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


# --- stored suites -------------------------------------------------------------


def save_checks(
    engine: Engine, suite: str, found: list[Check], by: str, file: str | None = None
) -> int:
    """Add the checks to the suite; audited with their ids and the file's name
    (the questions themselves are not in the audit log)."""
    now = time.time()
    ids = []
    with engine.begin() as db:
        for check in found:
            added = db.execute(
                checks.insert().values(
                    suite=suite,
                    messages=check.question,
                    expected_topic=check.expected_topic,
                    expected_reply=check.expected_reply,
                    created_by=by,
                    created_at=now,
                )
            )
            ids.append(added.inserted_primary_key[0])
        if file is None:
            audit.record(db, by, "check saved", suite=suite, ids=ids)
        else:
            audit.record(db, by, "checks uploaded", suite=suite, file=file, count=len(ids), ids=ids)
    return len(found)


def suite_names(engine: Engine) -> list[tuple[str, int]]:
    query = (
        sa.select(checks.c.suite, sa.func.count()).group_by(checks.c.suite).order_by(checks.c.suite)
    )
    with engine.connect() as db:
        return [(row[0], row[1]) for row in db.execute(query)]


def load_suite(engine: Engine, suite: str) -> list[Check]:
    query = sa.select(checks).where(checks.c.suite == suite).order_by(checks.c.id)
    with engine.connect() as db:
        return [
            Check(
                split_messages(row.messages),
                row.expected_topic,
                row.expected_reply,
                row.id,
                row.suite,
            )
            for row in db.execute(query)
        ]


def delete_check(engine: Engine, check_id: int, by: str) -> None:
    with engine.begin() as db:
        suite = db.execute(sa.select(checks.c.suite).where(checks.c.id == check_id)).scalar()
        if db.execute(checks.delete().where(checks.c.id == check_id)).rowcount:
            audit.record(db, by, "check deleted", suite=suite, id=check_id)
