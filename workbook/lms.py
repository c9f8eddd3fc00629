"""``workbook export RESULTS --to canvas|moodle|csv``: grades for a learning-management system.

The scores are the gradebook's effective ones (reviews and late penalties applied), one column per
notebook. A roster (CSV, one row per learner) maps the grader's student ids to the LMS's::

    student,name,canvas_id,sis_user_id,sis_login_id,section,email,username,idnumber
    s01,"Kim, Minji",1001,2026-0001,minji,AI-1,minji@example.com,minji,2026-0001

Only ``student`` and the columns the chosen LMS needs are required (Canvas: ``name`` and
``canvas_id``; Moodle: the identifier column, ``email`` by default). A learner in the gradebook but
not in the roster cannot be placed in the LMS file: they are returned (and listed by the command),
never dropped silently; a roster learner without a submission gets an empty cell.

* **Canvas** (gradebook import): ``Student, ID, SIS User ID, SIS Login ID, Section`` then one column
  per assignment, and a second row ``Points Possible`` with each assignment's maximum.
* **csv**: ``grades.csv``, ``summary.csv``, ``results.json`` and ``report.html`` written again from
  the gradebook (after a review session, say).
* **Moodle** (grade import, CSV): the identifier column (``Email address``, ``Username`` or
  ``ID number``), then one column per grade item, mapped on Moodle's import page.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gradebook import _csv, effective_records, export_files

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_KEYS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


class RosterError(ValueError):
    """The roster is malformed; the message is one line naming the file and the line."""


@dataclass
class Export:
    path: Path | None
    written: int  # learners in the file
    not_in_roster: list[str]


def load_roster(path: Path, needed: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """student id -> roster row; RosterError (file:line: problem) on a missing column, an empty or
    repeated student id, or an empty required cell."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"{path}: cannot read the roster ({err})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("student", *needed) if c not in header]
    if missing:
        raise RosterError(f"{path}:1: the roster needs the column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})")
    roster: dict[str, dict[str, str]] = {}
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        student = row.get("student", "")
        if not student:
            raise RosterError(f"{path}:{line}: empty student id")
        if student in roster:
            raise RosterError(f"{path}:{line}: student {student!r} is listed twice")
        empty = [c for c in needed if not row.get(c)]
        if empty:
            raise RosterError(f"{path}:{line}: student {student!r} has no {', '.join(empty)}")
        roster[student] = row
    return roster


def _table(out: Path) -> tuple[list[str], dict[str, dict[str, float]], dict[str, float]]:
    """Notebooks, student -> notebook -> effective score, notebook -> points possible."""
    records = effective_records(out)
    notebooks = sorted({r["notebook"] for r in records})
    scores: dict[str, dict[str, float]] = {}
    possible: dict[str, float] = {}
    for r in records:
        scores.setdefault(r["student"], {})[r["notebook"]] = round(float(r["score"]), 4)
        possible[r["notebook"]] = max(possible.get(r["notebook"], 0.0), float(r["max_score"]))
    return notebooks, scores, possible


def export_lms(out: Path, to: str, *, roster: Path | None = None, target: Path | None = None,
               moodle_key: str = "email") -> Export:
    """Write the LMS file for ``to`` (``canvas``, ``moodle``) or re-export ``grades.csv``,
    ``summary.csv`` and ``results.json`` (``csv``)."""
    out = Path(out)
    if to == "csv":  # the gradebook's own files, and the class report, with the reviews and penalties so far
        from . import gradedb
        from .atomic import write_atomic
        from .report import class_report

        files = export_files(out)
        records = effective_records(out)
        with gradedb.connect(out) as conn:
            meta = gradedb.get_meta(conn, "batch", {})
        write_atomic(out / "report.html", class_report(records, meta))
        return Export(files[0].parent, len({r["student"] for r in records}), [])
    if roster is None:
        raise ValueError(f"--to {to} needs --roster (a CSV mapping student ids to {to} ids)")
    notebooks, scores, possible = _table(out)
    if to == "canvas":
        people = load_roster(roster, ("name", "canvas_id"))
        header = [*CANVAS_COLUMNS, *notebooks]
        rows: list[list[Any]] = [["Points Possible", "", "", "", "", *(possible[n] for n in notebooks)]]
        for student, person in sorted(people.items(), key=lambda kv: kv[1]["name"]):
            mine = scores.get(student, {})
            rows.append([person["name"], person["canvas_id"], person.get("sis_user_id", ""), person.get("sis_login_id", ""),
                         person.get("section", ""), *(mine.get(n, "") for n in notebooks)])
    elif to == "moodle":
        if moodle_key not in MOODLE_KEYS:
            raise ValueError(f"--moodle-key must be one of {', '.join(MOODLE_KEYS)}")
        people = load_roster(roster, (moodle_key,))
        header = [MOODLE_KEYS[moodle_key], *notebooks]
        rows = [[person[moodle_key], *(scores.get(student, {}).get(n, "") for n in notebooks)]
                for student, person in sorted(people.items())]
    else:
        raise ValueError(f"unknown LMS {to!r}: canvas, moodle or csv")
    from .atomic import write_atomic

    path = Path(target) if target else out / "lms" / f"{to}.csv"
    write_atomic(path, _csv(rows, header))
    return Export(path, len(people), sorted(set(scores) - set(people)))
