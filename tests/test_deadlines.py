"""Deadlines and late penalties: the course file (and its errors), the rule, where submission times come from."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workbook import gradebook, gradedb
from workbook.deadlines import CourseFileError, Penalty, days_late, load_course, penalties, submitted_at
from workbook.submissions import discover

KST = timezone(timedelta(hours=9))
NB = "02_ai_ethics"
COURSE = """\
timezone: "+09:00"
notebooks:
  02_ai_ethics: 2026-03-01T23:59
penalty:
  per_day: 0.10
  max: 0.30
  zero_after_days: 7
  grace_minutes: 10
extensions:
  late_but_excused: {02_ai_ethics: 3}
"""


def _course(tmp_path: Path, text: str = COURSE) -> Path:
    path = tmp_path / "course.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("days", "fraction"), [(0, 0.0), (1, 0.1), (2, 0.2), (3, 0.3), (5, 0.3), (7, 0.3), (8, 1.0)])
def test_the_rule_is_per_day_capped_and_zero_after_n_days(days: int, fraction: float) -> None:
    assert Penalty(per_day=0.1, max=0.3, zero_after_days=7).fraction(days) == pytest.approx(fraction)


def test_days_late_counts_started_days_after_the_grace() -> None:
    due = datetime(2026, 3, 1, 23, 59, tzinfo=KST)
    assert days_late(due + timedelta(minutes=9), due, grace_minutes=10) == 0
    assert days_late(due + timedelta(minutes=11), due, grace_minutes=10) == 1
    assert days_late(due + timedelta(days=1, seconds=1), due) == 2
    assert days_late(due - timedelta(days=3), due) == 0


def test_the_course_file_reads_dates_in_its_timezone_and_extensions_in_days(tmp_path: Path) -> None:
    course = load_course(_course(tmp_path))
    assert course.due[NB] == datetime(2026, 3, 1, 23, 59, tzinfo=KST)
    assert course.due_for("late_but_excused", NB) == datetime(2026, 3, 4, 23, 59, tzinfo=KST)
    assert course.due_for("anyone", NB) == course.due[NB]


@pytest.mark.parametrize(("old", "new", "line", "problem"), [
    ("02_ai_ethics: 2026-03-01T23:59", "02_ai_ethics: next friday", 3, "not a date-time"),
    ("per_day: 0.10", "per_day: 10", 5, "per_day must be a number >= 0 and <= 1"),
    ("max: 0.30", "maximum: 0.30", 6, "unknown penalty field 'maximum'"),
    ("{02_ai_ethics: 3}", "{03_career_building: 3}", 10, "which has no due date"),
    ("{02_ai_ethics: 3}", "{02_ai_ethics: -2}", 10, "days must be >= 0"),
    ('timezone: "+09:00"', 'timezone: "Seoul"', 1, "timezone must look like +09:00"),
    ("extensions:", "extension:", 9, "unknown field 'extension'"),
    ("  per_day: 0.10", "  per_day: [0.10", 6, "not YAML"),
])
def test_a_malformed_course_file_is_one_line_naming_file_and_line(tmp_path: Path, old: str, new: str, line: int,
                                                                   problem: str) -> None:
    assert old in COURSE
    path = _course(tmp_path, COURSE.replace(old, new))
    with pytest.raises(CourseFileError) as err:
        load_course(path)
    text = str(err.value)
    assert len(text.splitlines()) == 1 and text.startswith(f"{path}:{line}:") and problem in text, text


def _stamp(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_submission_times_come_from_timestamp_file_then_zip_entry_then_mtime(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    body = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (subs / "with_stamp").mkdir(parents=True)
    (subs / "with_stamp" / f"{NB}.ipynb").write_bytes(body)
    (subs / "with_stamp" / "timestamp.txt").write_text("2026-03-02 10:00:00 UTC\n")
    (subs / "plain").mkdir()
    (subs / "plain" / f"{NB}.ipynb").write_bytes(body)
    _stamp(subs / "plain" / f"{NB}.ipynb", datetime(2026, 3, 1, 12, 0, tzinfo=KST))
    with zipfile.ZipFile(subs / "zipped.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"{NB}.ipynb", date_time=(2026, 3, 3, 9, 30, 0)), body)
    with zipfile.ZipFile(subs / "zipped_stamp.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"{NB}.ipynb", date_time=(2026, 3, 3, 9, 30, 0)), body)
        archive.writestr("timestamp.txt", "2026-03-01T20:00:00+09:00")
    found, _ = discover(subs, [NB])
    got = {s.student: submitted_at(s, KST) for s in found}
    assert got["with_stamp"] == (datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc), "timestamp.txt")
    assert got["plain"] == (datetime(2026, 3, 1, 12, 0, tzinfo=KST), "mtime")
    assert got["zipped"] == (datetime(2026, 3, 3, 9, 30, tzinfo=KST), "zip entry")
    assert got["zipped_stamp"] == (datetime(2026, 3, 1, 20, 0, tzinfo=KST), "timestamp.txt")


def test_two_late_learners_and_one_extension_in_the_gradebook(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    stamps = {"on_time": "2026-03-01T22:00:00+09:00", "two_days": "2026-03-03T09:00:00+09:00",
              "very_late": "2026-03-12T09:00:00+09:00", "late_but_excused": "2026-03-03T09:00:00+09:00"}
    for student, stamp in stamps.items():
        (subs / student).mkdir(parents=True)
        (subs / student / f"{NB}.ipynb").write_text("{}")
        (subs / student / "timestamp.txt").write_text(stamp)
        gradebook.write_record(out, {"student": student, "notebook": NB, "status": "graded", "score": 10.0,
                                     "max_score": 10.0, "hash": "h", "tamper": [], "reason": "",
                                     "questions": [{"qid": "q1", "title": "", "status": "passed", "points": 10.0,
                                                    "max_points": 10.0, "message": ""}]})
    found, _ = discover(subs, [NB])
    rows = penalties(load_course(_course(tmp_path)), found)
    with gradedb.connect(out) as db:
        gradedb.put_penalties(db, rows)
    got = {r["student"]: (r["days_late"], r["fraction"], r["source"]) for r in rows}
    assert got == {"on_time": (0, 0.0, "timestamp.txt"), "two_days": (2, 0.2, "timestamp.txt"),
                   "very_late": (11, 1.0, "timestamp.txt"), "late_but_excused": (0, 0.0, "timestamp.txt")}
    scores = {r["student"]: r["score"] for r in gradebook.effective_records(out)}
    assert scores == {"on_time": 10.0, "two_days": 8.0, "very_late": 0.0, "late_but_excused": 10.0}
    assert next(r for r in rows if r["student"] == "late_but_excused")["rule"].endswith("(extension)")
