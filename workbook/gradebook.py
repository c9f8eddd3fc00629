"""The gradebook on disk: one record per graded submission, and the CSV/JSON files built from them.

``RESULTS_DIR/records/<student>/<NN_topic>.json`` is written (atomically) as soon as a submission is
graded, so killing the grader loses nothing already graded; a rerun reuses every record whose
``hash`` (submission, key, release and options) is unchanged. ``grades.csv``, ``summary.csv`` and
``results.json`` are rebuilt from the records at the end of every batch, each through a temporary
file and a rename.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

from .atomic import write_atomic

GRADE_COLUMNS = ("student", "notebook", "question", "points", "max_points", "status", "message", "flags")


def safe_name(text: str) -> str:
    """A file name for a student id: kept as is when plain, else made plain and tagged with a hash."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}", text):
        return text
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:60] or "student"
    return f"{plain}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def record_path(out: Path, student: str, notebook: str) -> Path:
    """Where the record of one student's notebook is kept."""
    return Path(out) / "records" / safe_name(student) / f"{notebook}.json"


def write_record(out: Path, record: dict[str, Any]) -> None:
    """Save one submission's record (atomically)."""
    write_atomic(record_path(out, record["student"], record["notebook"]), json.dumps(record, ensure_ascii=False, indent=1))


def read_record(out: Path, student: str, notebook: str) -> dict[str, Any] | None:
    """A saved record, or None when there is none or it is unreadable (it is then graded again)."""
    try:
        record = json.loads(record_path(out, student, notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("student") == student else None


def _csv(rows: list[dict[str, Any]] | list[list[Any]], header: list[str] | tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(col, "") for col in header] if isinstance(row, dict) else row)
    return buffer.getvalue()


def grade_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per student x notebook x question."""
    rows = []
    for record in records:
        flags = "; ".join(record.get("tamper", []) + ([record["reason"]] if record["status"] != "graded" and record.get("reason") else []))
        for q in record["questions"]:
            rows.append({"student": record["student"], "notebook": record["notebook"], "question": q["qid"],
                         "points": q["points"], "max_points": q["max_points"], "status": q["status"],
                         "message": q["message"], "flags": flags})
    return rows


def summary_rows(records: list[dict[str, Any]], notebooks: list[str]) -> tuple[list[str], list[list[Any]]]:
    """One row per student: points per notebook, total, maximum, and flags (non-graded statuses, tampering)."""
    header = ["student", *notebooks, "total", "max_total", "flags"]
    students: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        students.setdefault(record["student"], {})[record["notebook"]] = record
    rows = []
    for student in sorted(students):
        mine = students[student]
        points = [round(mine[n]["score"], 4) if n in mine else 0 for n in notebooks]
        flags = [f"{n}: {mine[n]['status']}" for n in notebooks if n in mine and mine[n]["status"] != "graded"]
        flags += [f"{n}: tampered" for n in notebooks if n in mine and mine[n].get("tamper")]
        rows.append([student, *points, round(sum(points), 4),
                     round(sum(mine[n]["max_score"] for n in notebooks if n in mine), 4), "; ".join(flags)])
    return header, rows


def write_gradebook(out: Path, records: list[dict[str, Any]], notebooks: list[str], meta: dict[str, Any]) -> list[Path]:
    """Write ``grades.csv``, ``summary.csv`` and ``results.json``; return their paths."""
    out = Path(out)
    header, rows = summary_rows(records, notebooks)
    files = {
        out / "grades.csv": _csv(grade_rows(records), GRADE_COLUMNS),
        out / "summary.csv": _csv(rows, header),
        out / "results.json": json.dumps({**meta, "submissions": records}, ensure_ascii=False, indent=1) + "\n",
    }
    for path, text in files.items():
        write_atomic(path, text)
    return list(files)
