"""The unanswered-questions inbox.

Patient turns answered "I don't know" (the trained out_of_scope intent, the
scope check, the FallbackClassifier's low confidence, or Rasa's core fallback)
are read from the tracker store's events table, where the patients'
conversations already are, by a periodic job of the console. Each message is
scrubbed of personal data (console/scrub.py) before it is stored; the inbox
keeps no sender id and only the day. A shared cursor in the console database
makes each turn collected once, whichever console process reads it.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console import audit
from console.db import cursors, inbox, inbox_notes
from console.scrub import scrub
from console.turns import decision

CURSOR = "tracker_events"
BATCH = 5000  # events per collection: bounded work per run
I_DONT_KNOW = {"utter_out_of_scope", "utter_default"}
MAX_TEXT = 2000


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    reason: str
    day: str


def reason(parse: dict[str, Any], said: list[str]) -> str | None:
    """Why this turn belongs in the inbox, or None."""
    layer = decision(parse).layer
    if layer == "scope check":
        return "scope check"
    if layer == "fallback":
        return "low confidence"
    if said and set(said) & I_DONT_KNOW:
        return "I don't know"
    return None


def _events(tracker_url: str, after: int) -> list[Any]:
    url = sa.engine.make_url(tracker_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return []  # opening it would create the patients' database before Rasa does
    engine = sa.create_engine(url, future=True)
    try:
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        query = (
            sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.data)
            .where(events.c.id > after, events.c.type_name.in_(["user", "bot"]))
            .order_by(events.c.id)
            .limit(BATCH)
        )
        with engine.connect() as db:
            return list(db.execute(query))
    except sa.exc.NoSuchTableError:
        return []  # no patient has written yet
    finally:
        engine.dispose()


def unanswered(rows: list[Any]) -> list[tuple[str, str, float]]:
    """(text, reason, timestamp) of each unanswered user turn among the rows."""
    turns: dict[str, tuple[dict[str, Any], list[str]]] = {}
    found = []

    def close(sender: str) -> None:
        event, said = turns.pop(sender, ({}, []))
        why = reason(event.get("parse_data") or {}, said) if event else None
        if why and event.get("text") and not str(event["text"]).startswith("/"):
            found.append((str(event["text"]), why, float(event.get("timestamp") or 0)))

    for row in rows:
        data = json.loads(row.data)
        if row.type_name == "user":
            close(row.sender_id)
            turns[row.sender_id] = (data, [])
        elif row.sender_id in turns:
            turns[row.sender_id][1].append(str((data.get("metadata") or {}).get("utter_action")))
    for sender in list(turns):
        close(sender)
    return found


# Who the audit log names for the automatic purge of old questions.
RETENTION_JOB = "retention job"


def complete_turns(rows: list[Any]) -> list[Any]:
    """A full batch may end inside a turn, its replies still unread: stop before
    the batch's last patient message, which the next collection reads whole."""
    if len(rows) < BATCH:
        return rows
    last_user = max((i for i, row in enumerate(rows) if row.type_name == "user"), default=0)
    return rows[:last_user] if last_user else rows


def collect(engine: Engine, tracker_url: str, by: str | None = None) -> int:
    """Read new patient turns into the inbox; how many were added. Audited when
    someone asked for it (`by`; also when nothing was new), in the transaction
    that adds the questions; the periodic collection is not audited."""
    with engine.connect() as db:
        row = db.execute(sa.select(cursors.c.position).where(cursors.c.name == CURSOR)).first()
    position = row.position if row else 0
    rows = complete_turns(_events(tracker_url, position))
    if not rows:
        return _nothing_new(engine, by)
    new_position = rows[-1].id
    added = 0
    with engine.begin() as db:
        if row is None:
            db.execute(cursors.insert().values(name=CURSOR, position=new_position))
        else:
            claimed = db.execute(
                cursors.update()
                .where(cursors.c.name == CURSOR, cursors.c.position == position)
                .values(position=new_position)
            )
            if claimed.rowcount != 1:  # another console process collected these turns
                if by is not None:
                    audit.record(db, by, "inbox collected", added=0)
                return 0
        for text, why, timestamp in unanswered(rows):
            day = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).date()
            db.execute(
                inbox.insert().values(
                    text=scrub(text[:MAX_TEXT]), reason=why, day=day.isoformat(), reviewed=False
                )
            )
            added += 1
        if by is not None:
            audit.record(db, by, "inbox collected", added=added)
    return added


def _nothing_new(engine: Engine, by: str | None) -> int:
    if by is not None:
        audit.record_now(engine, by, "inbox collected", added=0)
    return 0


def purge_older_than(engine: Engine, days: int, today: datetime.date | None = None) -> int:
    """Delete inbox questions (and their notes) collected more than `days` days
    ago; how many. Audited as the retention job when any went."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    cutoff = (today - datetime.timedelta(days=days)).isoformat()
    with engine.begin() as db:
        old = sa.select(inbox.c.id).where(inbox.c.day < cutoff)
        db.execute(inbox_notes.delete().where(inbox_notes.c.item_id.in_(old)))
        purged = db.execute(inbox.delete().where(inbox.c.day < cutoff)).rowcount
        if purged:
            audit.record(db, RETENTION_JOB, "inbox purged", count=purged, days=days)
    return purged


def pending(engine: Engine) -> list[Item]:
    query = sa.select(inbox).where(inbox.c.reviewed.is_(False)).order_by(inbox.c.id.desc())
    with engine.connect() as db:
        return [Item(row.id, row.text, row.reason, row.day) for row in db.execute(query)]


def mark_reviewed(engine: Engine, item_id: int, by: str) -> None:
    """Audited with the question's id only (its text is a patient's words)."""
    with engine.begin() as db:
        marked = db.execute(
            inbox.update()
            .where(inbox.c.id == item_id, inbox.c.reviewed.is_(False))
            .values(reviewed=True)
        )
        if marked.rowcount:
            audit.record(db, by, "question marked reviewed", id=item_id)


# --- groups of similar questions ------------------------------------------------------

# Cosine similarity (dot / 2 of the project's two-block features) a question
# needs with a group's representative to join it. Chosen on hand-written
# pairs (tests/staff_console/test_inbox_groups.py): paraphrases scored 0.47
# ("how much will it cost" / "how much does the treatment cost"), 0.49 ("where
# do I park" / "where can I park my car"), 0.74 and above; unrelated questions
# sharing words scored at most 0.41 ("what dose of radiation will I get with
# igrt" / "how much radiation dose do I get") and 0.38 ("what does radiation
# cost" / the dose question). 0.45 sits between the two.
SIMILAR = 0.45
MAX_NOTE = 2000


@dataclass(frozen=True)
class Group:
    representative: Item  # the oldest question of the group
    members: list[Item]
    notes: list[str]

    @property
    def ids(self) -> str:
        return ",".join(str(item.id) for item in self.members)


def grouped(items: list[Item], notes: dict[int, str] | None = None) -> list[Group]:
    """Greedy grouping: oldest first, each question joins the group whose
    representative is most similar (at least SIMILAR), else starts one. The
    most frequent groups come first (then the newest)."""
    if not items:
        return []
    from components.text_features import features, vectorizers  # sklearn: loaded when needed

    ordered = sorted(items, key=lambda item: item.id)
    rows = features(vectorizers(), [item.text for item in ordered])
    leaders: list[int] = []  # row of each group's representative
    members: list[list[Item]] = []
    for row, item in enumerate(ordered):
        if leaders:
            similarity = (rows[leaders] @ rows[row].T).toarray().ravel() / 2
            best = int(similarity.argmax())
            if similarity[best] >= SIMILAR:
                members[best].append(item)
                continue
        leaders.append(row)
        members.append([item])
    notes = notes or {}
    groups = [
        Group(group[0], group, list(dict.fromkeys(notes[i.id] for i in group if i.id in notes)))
        for group in members
    ]
    return sorted(groups, key=lambda g: (-len(g.members), -max(i.id for i in g.members)))


def pending_groups(engine: Engine) -> list[Group]:
    items = pending(engine)
    query = sa.select(inbox_notes).where(inbox_notes.c.item_id.in_([item.id for item in items]))
    with engine.connect() as db:
        notes = {row.item_id: row.note for row in db.execute(query)}
    return grouped(items, notes)


def parse_ids(value: str | None) -> list[int]:
    """The ids a group's form posts ("3,5,8"); malformed parts are ignored."""
    return sorted({int(part) for part in (value or "").split(",") if part.strip().isdigit()})


def mark_group_reviewed(engine: Engine, ids: list[int], by: str) -> int:
    """Every still-pending question of the group, in one transaction; audited
    with ids only."""
    if not ids:
        return 0
    with engine.begin() as db:
        marked = db.execute(
            inbox.update()
            .where(inbox.c.id.in_(ids), inbox.c.reviewed.is_(False))
            .values(reviewed=True)
        ).rowcount
        if marked:
            audit.record(db, by, "question group marked reviewed", ids=ids, marked=marked)
    return marked


def note_group(engine: Engine, ids: list[int], note: str, by: str) -> int:
    """Keep the note on each pending question of the group (an empty note
    removes it). Audited with the note's length only: staff may quote patients."""
    note = note.strip()[:MAX_NOTE]
    with engine.begin() as db:
        found = [
            row.id
            for row in db.execute(
                sa.select(inbox.c.id).where(inbox.c.id.in_(ids), inbox.c.reviewed.is_(False))
            )
        ]
        if not found:
            return 0
        db.execute(inbox_notes.delete().where(inbox_notes.c.item_id.in_(found)))
        if note:
            now = time.time()
            db.execute(
                inbox_notes.insert(),
                [{"item_id": i, "note": note, "written_at": now} for i in found],
            )
        audit.record(db, by, "question group noted", ids=found, length=len(note))
    return len(found)


EXPORT_HEADER = """\
# Suggested training examples from the unanswered-questions inbox.
# SUGGESTIONS ONLY, for a developer to review; never trained automatically.
# Rename each intent, merge it into an existing one or drop it, and write its
# response. Texts are scrubbed patients' questions ([NAME], [PHONE], ... stand
# for what was removed); nothing here says who asked.
"""


def _example(text: str) -> str:
    one_line = " ".join(text.split())
    # "[NAME](" would read as an entity annotation in Rasa's format.
    return re.sub(r"\]([({\[])", r"] \1", one_line)


def export_yaml(groups: list[Group]) -> str:
    """The pending groups as Rasa NLU data (version 3.1), one intent per group."""
    lines = [EXPORT_HEADER, 'version: "3.1"']
    blocks = []
    for number, group in enumerate(groups, start=1):
        examples = list(dict.fromkeys(_example(item.text) for item in group.members))
        examples = [text for text in examples if text]
        if not examples:
            continue
        blocks.append(f"- intent: suggested_group_{number}")
        blocks.append("  examples: |")
        blocks.extend(f"    - {text}" for text in examples)
    lines.append("nlu:" if blocks else "nlu: []")
    return "\n".join(lines + blocks) + "\n"


def export(engine: Engine, by: str) -> str:
    """The download, audited with counts only."""
    groups = pending_groups(engine)
    text = export_yaml(groups)
    audit.record_now(
        engine,
        by,
        "inbox suggestions exported",
        groups=len(groups),
        questions=sum(len(group.members) for group in groups),
    )
    return text
