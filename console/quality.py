"""The model-quality page's data: the NLU cross-validation report, the reading
grade of every response, and the last dev-set score, each read from files that
a make target (or the page's refresh button, which runs the same target)
writes. Nothing is computed on a page view.

    make nlu-report      REPORTS_DIR/nlu/        Rasa's 3-fold cross-validation
    make reading-grades  REPORTS_DIR/quality/reading_grades.json
    make score           REPORTS_DIR/dev_score.json   (the assistant must be running)

A refresh is a background job: one at a time per kind across every console
process (a row in the shared database is claimed), killed after its time
limit, and killed with the console. `python -m console.quality grades|score`
are the make targets' commands.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import textstat
import yaml
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from clinic.settings import current, template_values
from console import audit
from console.db import quality_jobs

PROJECT = Path(__file__).resolve().parents[1]
GRADE_TARGET = 8.0
NLU_IMAGES = ("intent_confusion_matrix.png", "intent_histogram.png")
AVERAGES = ("macro avg", "weighted avg", "micro avg")
# A fraction such as "116/119" in the scorer's output: its summary line.
SCORE_LINE = re.compile(r"\d+\s*/\s*\d+")
SCORE_TIMEOUT_SECONDS = 30 * 60


@dataclass(frozen=True)
class Job:
    label: str
    target: str  # the make target it runs
    timeout_seconds: int


JOBS = {
    # Three trainings of the whole pipeline on a shared 2-core machine.
    "nlu": Job("Cross-validation report", "nlu-report", 45 * 60),
    "grades": Job("Reading grades", "reading-grades", 120),
}


# --- reading the reports ------------------------------------------------------------


def nlu_report(reports: Path) -> dict[str, Any] | None:
    """Per-intent scores (weakest first), the averages, the images present."""
    path = reports / "nlu" / "intent_report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    intents = sorted(
        (
            {"name": name, **{key: scores.get(key) for key in ("precision", "recall", "support")},
             "f1": scores.get("f1-score")}
            for name, scores in report.items()
            if isinstance(scores, dict) and "f1-score" in scores and name not in AVERAGES
        ),
        key=lambda row: (row["f1"] if row["f1"] is not None else 0.0, row["name"]),
    )  # fmt: skip
    return {
        "generated_at": path.stat().st_mtime,
        "accuracy": report.get("accuracy"),
        "macro_f1": (report.get("macro avg") or {}).get("f1-score"),
        "weighted_f1": (report.get("weighted avg") or {}).get("f1-score"),
        "intents": intents,
        "images": [name for name in NLU_IMAGES if (reports / "nlu" / name).is_file()],
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def grades_file(reports: Path) -> Path:
    return reports / "quality" / "reading_grades.json"


def reading_grades_report(reports: Path) -> dict[str, Any] | None:
    return _read_json(grades_file(reports))


def dev_score(reports: Path) -> dict[str, Any] | None:
    return _read_json(reports / "dev_score.json")


def model_stamp(model: Path) -> dict[str, Any] | None:
    """What identifies a model file without reading it (tens of MB)."""
    try:
        stat = model.stat()
    except OSError:
        return None
    return {"path": str(model), "mtime": stat.st_mtime, "size": stat.st_size}


# --- reading grades (make reading-grades) ----------------------------------------


def _variant_label(variant: dict[str, Any]) -> str:
    names = [str(c.get("name")) for c in variant.get("condition") or []]
    if "clinic_phone_known" in names:
        return "with the clinic's phone"
    if "message_language" in names:
        return "Spanish too"
    return ""


class _Blanks(dict):
    """Leaves a placeholder the settings do not fill as its bare name ({site}: site)."""

    def __missing__(self, key: str) -> str:
        return key


def reading_grades(domain_file: Path) -> list[dict[str, Any]]:
    """The Flesch-Kincaid grade of every response variant, as a patient reads it."""
    responses = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["responses"]
    values = _Blanks({k: str(v) for k, v in template_values(current()).items()})
    rows = []
    for name, variants in responses.items():
        for variant in variants:
            text = variant.get("text") or ""
            filled = text.format_map(values)
            rows.append(
                {
                    "name": name,
                    "variant": _variant_label(variant),
                    "grade": round(float(textstat.flesch_kincaid_grade(filled)), 1),
                    "text": filled,
                }
            )
    return sorted(rows, key=lambda row: -row["grade"])


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Written whole, then renamed: the page never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)


# --- the dev-set score (make score) -------------------------------------------------


def score_summary(output: str, exit_code: int) -> str:
    """The scorer's last line with a count such as 116/119, else its exit code.
    Only that line is kept: the output may quote the dev set's questions."""
    lines = [line.strip() for line in output.splitlines() if SCORE_LINE.search(line)]
    return lines[-1][:300] if lines else f"the scorer exited with code {exit_code}"


def run_score(eval_dir: Path, url: str, model: Path) -> dict[str, Any]:
    command = [sys.executable, str(eval_dir / "score.py"), "--url", url,
               "--cases", str(eval_dir / "dev_cases.yml")]  # fmt: skip
    started = time.time()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=SCORE_TIMEOUT_SECONDS, check=False
    )
    return {
        "finished_at": time.time(),
        "seconds": round(time.time() - started),
        "exit_code": done.returncode,
        "summary": score_summary(done.stdout + "\n" + done.stderr, done.returncode),
        "model": model_stamp(model),
        "url": url,
    }


# --- refresh jobs ---------------------------------------------------------------------


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(quality_jobs).on_conflict_do_nothing()


def claim(engine: Engine, name: str, user: str, now: float | None = None) -> bool:
    """Mark the job running for this process; False when one is running already.
    A run older than its time limit (its console died) can be claimed again."""
    now = time.time() if now is None else now
    stale = now - JOBS[name].timeout_seconds - 60
    jobs = quality_jobs.c
    with engine.begin() as db:
        db.execute(
            _insert_ignoring_duplicates(engine).values(
                name=name, state="new", started_at=0, started_by=user
            )
        )
        claimed = db.execute(
            quality_jobs.update()
            .where(jobs.name == name)
            .where(sa.or_(jobs.state != "running", jobs.started_at < stale))
            .values(state="running", started_at=now, finished_at=None, started_by=user)
        )
        if claimed.rowcount == 1:
            audit.record(db, user, "report refresh started", report=name)
    return claimed.rowcount == 1


def finish(engine: Engine, name: str, state: str) -> None:
    with engine.begin() as db:
        db.execute(
            quality_jobs.update()
            .where(quality_jobs.c.name == name)
            .values(state=state, finished_at=time.time())
        )


def statuses(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as db:
        rows = db.execute(sa.select(quality_jobs)).all()
    return {row.name: dict(row._mapping) for row in rows if row.state != "new"}


def job_command(name: str, reports: Path) -> list[str]:
    # -o install: a refresh never reinstalls the shared virtualenv.
    return ["make", "--no-print-directory", "-o", "install", JOBS[name].target,
            f"REPORTS_DIR={reports}"]  # fmt: skip


async def run_job(engine: Engine, name: str, reports: Path, running: dict[str, Any]) -> str:
    """Run a claimed job to its end or its time limit; its final state."""
    log = reports / "quality" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    state = "failed"
    try:
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *job_command(name, reports),
                cwd=PROJECT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its children are killed with it
            )
            running[name] = process
            try:
                code = await asyncio.wait_for(process.wait(), JOBS[name].timeout_seconds)
                state = "done" if code == 0 else "failed"
            except asyncio.TimeoutError:
                kill(process)
                await process.wait()
                state = "timed out"
    finally:
        running.pop(name, None)
        finish(engine, name, state)
    return state


def kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(process.pid, signal.SIGKILL)


# --- the make targets' commands ---------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a model-quality report.")
    parser.add_argument("what", choices=["grades", "score"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--domain", type=Path, default=PROJECT / "domain.yml")
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--eval-dir", type=Path, default=PROJECT.parent / "shared" / "eval")
    parser.add_argument("--model", type=Path, default=PROJECT / "models" / "current.tar.gz")
    args = parser.parse_args(argv)
    if args.what == "grades":
        rows = reading_grades(args.domain)
        write_json(
            args.out, {"generated_at": time.time(), "target": GRADE_TARGET, "responses": rows}
        )
        above = sum(row["grade"] > GRADE_TARGET for row in rows)
        print(f"{len(rows)} response variants, {above} above grade {GRADE_TARGET:g}: {args.out}")
        return 0
    result = run_score(args.eval_dir, args.url, args.model)
    write_json(args.out, result)
    print(f"dev set: {result['summary']} ({args.out})")
    return 0 if result["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
