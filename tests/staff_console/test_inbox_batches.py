"""The inbox reads the tracker store in bounded batches; a turn cut by a
batch's end is left whole for the next collection, so its reason is not lost."""

from __future__ import annotations

from collections import namedtuple

from console.inbox import BATCH, complete_turns

Row = namedtuple("Row", "id sender_id type_name data")


def batch(types: list[str]) -> list[Row]:
    return [Row(i + 1, "patient", kind, "{}") for i, kind in enumerate(types)]


def test_a_full_batch_stops_before_its_last_patient_message() -> None:
    rows = batch(["user", "bot"] * (BATCH // 2 - 1) + ["user", "bot"])
    kept = complete_turns(rows)
    assert len(kept) == BATCH - 2
    assert kept[-1].type_name == "bot"


def test_a_partial_batch_is_read_whole() -> None:
    rows = batch(["user", "bot", "user"])
    assert complete_turns(rows) == rows
