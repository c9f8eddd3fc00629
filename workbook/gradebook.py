"""The gradebook: one record per graded submission, kept in ``RESULTS/gradebook.sqlite``
(:mod:`workbook.gradedb`), and the CSV/JSON files exported from it.

A record is saved (one transaction) as soon as a submission is graded, so killing the grader loses
nothing already graded; a rerun reuses every record whose ``hash`` (submission, key, release and
options) is unchanged. ``grades.csv``, ``summary.csv`` and ``results.json`` are exported from the
database at the end of every batch (and by ``workbook export``), each through a temporary file and
a rename; they show the *effective* scores: the automatic points, replaced by a reviewer's rubric
ticks (free-response questions) or override, less any late penalty (:func:`effective`).

Every file is named through :func:`safe_name`, which is injective (and stays so on a case-insensitive
file system), so one student never reads or overwrites another's feedback page. Every text cell of a
CSV export is neutralised against formula injection. :func:`results_lock` keeps a second grader out
of a results folder that one is writing.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import gradedb
from .atomic import write_atomic

GRADE_COLUMNS = ("student", "notebook", "question", "points", "max_points", "status", "message", "flags",
                 "auto_points", "comment", "override_reason")


_PLAIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,80}")
_TAGGED = re.compile(r".*-[0-9a-f]{8,}")  # what a tagged name (or an old-style one) ends with
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
TAG_LENGTH = 16  # hex digits of sha256: 64 bits


def safe_name(text: str) -> str:
    """A file name for a student id, distinct for distinct ids, also when case is ignored.

    A plain id (lower-case letters, digits, ``._-``, not looking like a tagged name, not a reserved
    Windows device name) is kept as is; any other id becomes its plain part (``[A-Za-z0-9_-]``)
    tagged with 16 hex digits of its sha256. Kept names never end like a tagged one and are lower case, so a kept and a
    tagged name never meet; two tagged names meet only if the hashes do (see :func:`check_distinct`).
    """
    if _PLAIN.fullmatch(text) and not _TAGGED.fullmatch(text) and text.split(".")[0] not in _RESERVED:
        return text
    plain = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")[:60] or "student"  # no dot: "con.txt-…" is a device
    return f"{plain}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:TAG_LENGTH]}"


def check_distinct(ids: Iterable[str]) -> None:
    """Raise ValueError naming both ids if two student ids would share a file (case ignored)."""
    seen: dict[str, str] = {}
    for student in sorted(set(ids)):
        name = safe_name(student).lower()
        if name in seen:
            raise ValueError(f"student ids {seen[name]!r} and {student!r} would share the file name "
                             f"{safe_name(student)!r}; rename one of them")
        seen[name] = student


def feedback_path(student: str, notebook: str) -> Path:
    """Where one student's feedback page of a notebook goes, relative to the results folder."""
    return Path("feedback") / safe_name(student) / f"{notebook}.html"


def record_path(out: Path, student: str, notebook: str) -> Path:
    """Where a results folder from before the database kept one record (imported on first use)."""
    return Path(out) / "records" / safe_name(student) / f"{notebook}.json"


def write_record(out: Path, record: dict[str, Any]) -> None:
    """Save one submission's record (one transaction; reviews and penalties are kept)."""
    with gradedb.connect(out) as conn:
        gradedb.put_record(conn, record)


def read_record(out: Path, student: str, notebook: str) -> dict[str, Any] | None:
    """A saved record, or None when there is none (it is then graded)."""
    with gradedb.connect(out) as conn:
        record = gradedb.get_record(conn, student, notebook)
    return record if isinstance(record, dict) and record.get("student") == student else None


def effective(record: dict[str, Any], reviews: dict[tuple[str, str, str], dict[str, Any]],
              penalty: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record as it counts: each question's automatic points replaced by its review (an override,
    else for a free-response question the points of the ticked rubric items, capped at its maximum),
    then the late penalty taken off the total. The automatic points stay in ``auto_points``."""
    out = {**record, "questions": []}
    for q in record["questions"]:
        review = reviews.get((record["student"], record["notebook"], str(q["qid"])))
        q = {**q, "auto_points": q["points"], "auto_status": q["status"]}
        if review is not None:
            q["review"] = {k: review[k] for k in ("ticks", "comment", "override", "reason", "version", "saved_at")}
            if review["override"] is not None:
                q["points"], q["status"] = float(review["override"]), "overridden"
            elif q.get("rubric") is not None and review["read"]:
                ticked = sum(float(item["points"]) for item in q["rubric"] if item["id"] in review["ticks"])
                q["points"], q["status"] = min(ticked, float(q["max_points"])), "reviewed"
        out["questions"].append(q)
    raw = round(sum(q["points"] for q in out["questions"]), 4)
    out["raw_score"] = raw
    out["penalty"] = penalty
    fraction = float(penalty["fraction"]) if penalty else 0.0
    out["score"] = round(raw * (1 - fraction), 4)
    return out


def effective_records(out: Path, notebooks: list[str] | None = None) -> list[dict[str, Any]]:
    """Every record of the results folder as it counts (see :func:`effective`)."""
    with gradedb.connect(out) as conn:
        records, reviews, penalties = gradedb.all_records(conn, notebooks), gradedb.all_reviews(conn), gradedb.all_penalties(conn)
    return [effective(r, reviews, penalties.get((r["student"], r["notebook"]))) for r in records]


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms


def neutralise(cell: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula (OWASP): a string starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return (or their full-width forms) gets a leading single quote.
    Numbers stay numbers. :func:`_csv` also quotes every string, so a carriage return inside a
    message cannot start a new row whose first cell is a formula."""
    if isinstance(cell, str) and cell.startswith(_FORMULA):
        return "'" + cell
    return cell


def _csv(rows: list[dict[str, Any]] | list[list[Any]], header: list[str] | tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)  # strings quoted, numbers bare
    writer.writerow([neutralise(col) for col in header])
    for row in rows:
        cells = [row.get(col, "") for col in header] if isinstance(row, dict) else row
        writer.writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def grade_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per student x notebook x question."""
    rows = []
    for record in records:
        flags = "; ".join(record.get("tamper", []) + ([record["reason"]] if record["status"] != "graded" and record.get("reason") else []))
        for q in record["questions"]:
            rows.append({"student": record["student"], "notebook": record["notebook"], "question": q["qid"],
                         "points": q["points"], "max_points": q["max_points"], "status": q["status"],
                         "message": q["message"], "flags": flags, "auto_points": q.get("auto_points", q["points"]),
                         "comment": (q.get("review") or {}).get("comment", ""),
                         "override_reason": (q.get("review") or {}).get("reason", "")})
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
        flags += [f"{n}: late {mine[n]['penalty']['days_late']} day(s), -{100 * mine[n]['penalty']['fraction']:g}%"
                  for n in notebooks if n in mine and (mine[n].get("penalty") or {}).get("days_late")]
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


def export_files(out: Path, meta: dict[str, Any] | None = None) -> list[Path]:
    """Export ``grades.csv``, ``summary.csv`` and ``results.json`` from the gradebook database, with
    effective scores (reviews and penalties applied). ``meta`` (the last batch's options, isolation,
    notebooks) is stored when given, else the stored one is used."""
    with gradedb.connect(out) as conn:
        if meta is not None:
            gradedb.set_meta(conn, "batch", meta)
        meta = gradedb.get_meta(conn, "batch", {})
    records = effective_records(out)
    notebooks = sorted(set(meta.get("notebooks", [])) | {r["notebook"] for r in records})
    return write_gradebook(out, records, notebooks, {**meta, "notebooks": notebooks})


class ResultsLocked(RuntimeError):
    """Another grader holds the results folder; the message is one line naming it."""


@contextmanager
def results_lock(out: Path) -> Iterator[dict[str, Any]]:
    """Hold ``out/.lock`` (an exclusive ``flock``) while grading into ``out``; creates ``out``.

    The holder's pid, host and start time are written into the file; a second holder gets
    ResultsLocked saying who it is. The kernel drops the lock when the holder's process dies (even
    by SIGKILL), so no stale lock is ever left; the descriptor is close-on-exec, so kernels and
    workers started by the grader do not keep it.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            raise ResultsLocked(f"{out}: another `workbook grade` is writing here (pid {holder.get('pid', '?')} on "
                                f"{holder.get('host', '?')} since {holder.get('since', '?')}); "
                                "wait for it to finish or stop it") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        try:
            yield info
        finally:
            os.ftruncate(fd, 0)  # still held: nobody reads a finished holder's name
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> dict[str, Any]:
    """Who holds the lock, from its file (it may be a moment before the holder has written it)."""
    deadline = time.monotonic() + 1.0
    while True:
        try:
            holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
            if isinstance(holder, dict):
                return {k: str(v).replace("\n", " ")[:100] for k, v in holder.items()}
        except ValueError:
            pass
        if time.monotonic() > deadline:
            return {}
        time.sleep(0.05)
