"""The gradebook database: migrations, import of old results folders, transactions under concurrent
writers (two graders, a grader and a reviewer), the review version check, effective scores."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from workbook import gradebook, gradedb

NB = "90_gradefix"


def _record(student: str, notebook: str = NB, *, score: float = 1.0, rubric: bool = False) -> dict:
    questions = [{"qid": "q1", "title": "", "status": "passed", "points": score, "max_points": 3.0, "message": "ok", "hint": ""}]
    if rubric:
        questions.append({"qid": "q2", "title": "Essay", "status": "manual", "points": 0.0, "max_points": 4.0,
                          "message": "", "hint": "", "answer": "my essay",
                          "rubric": [{"id": "a", "points": 3.0, "text": "A"}, {"id": "b", "points": 2.0, "text": "B"}]})
    return {"student": student, "notebook": notebook, "origin": f"{student}/{notebook}.ipynb", "hash": f"h-{student}",
            "status": "graded", "reason": "", "seed": 1, "score": score, "tamper": [], "cells": [],
            "max_score": sum(q["max_points"] for q in questions), "questions": questions, "feedback": None}


def test_a_version_1_file_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / gradedb.DB_NAME
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in gradedb.MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO submissions VALUES ('ann', ?, 'graded', 1, 3, 'h', ?, 'then')", (NB, json.dumps(_record("ann"))))
    conn.close()
    with gradedb.connect(tmp_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == gradedb.SCHEMA_VERSION == 3
        assert gradedb.get_record(db, "ann", NB)["student"] == "ann"
        assert gradedb.save_review(db, "ann", NB, "q1", base_version=0, ticks=[], comment="fine", override=None,
                                   reason="")["version"] == 1


def test_a_file_from_a_newer_workbook_is_refused_in_one_line(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / gradedb.DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(gradedb.GradebookError, match=r"gradebook.sqlite: gradebook schema version 99 is newer"):
        with gradedb.connect(tmp_path):
            pass


def test_a_file_that_is_not_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / gradedb.DB_NAME).write_text("these are my notes, not a gradebook\n" * 100)
    with pytest.raises(gradedb.GradebookError, match="gradebook.sqlite: not a usable gradebook"):
        with gradedb.connect(tmp_path):
            pass


def test_an_old_results_folder_with_json_records_is_imported_on_first_use(tmp_path: Path) -> None:
    for student in ("ann", "bob"):
        path = gradebook.record_path(tmp_path, student, NB)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(_record(student, score=2.0 if student == "bob" else 1.0)))
    broken = gradebook.record_path(tmp_path, "cid", NB)
    broken.parent.mkdir(parents=True)
    broken.write_text('{"student": "cid", "notebook"')  # half-written by an old grader: graded again
    damaged = gradebook.record_path(tmp_path, "dan", NB)
    damaged.parent.mkdir(parents=True)
    damaged.write_text(json.dumps({**_record("dan"), "questions": [{"qid": "q1"}]}))  # no points: skipped whole
    assert gradebook.read_record(tmp_path, "bob", NB)["score"] == 2.0
    assert gradebook.read_record(tmp_path, "cid", NB) is None
    assert gradebook.read_record(tmp_path, "dan", NB) is None
    with gradedb.connect(tmp_path) as db:
        assert gradedb.get_meta(db, "imported_json_records") == 2
    (gradebook.record_path(tmp_path, "bob", NB)).write_text(json.dumps(_record("bob", score=0.0)))
    assert gradebook.read_record(tmp_path, "bob", NB)["score"] == 2.0  # imported once, not on every open


def _writer(out: str, prefix: str, count: int) -> None:
    for i in range(count):
        gradebook.write_record(Path(out), _record(f"{prefix}{i:03d}", rubric=True))


def _reviewer(out: str, count: int) -> None:
    with gradedb.connect(Path(out)) as db:
        for i in range(count):
            gradedb.save_review(db, f"r{i:03d}", NB, "q2", base_version=0, ticks=["a"], comment=f"c{i}",
                                override=None, reason="")


def test_two_graders_and_a_reviewer_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    """The lock keeps a second `workbook grade` out (tests/test_grade_cli.py); even without it, two
    processes saving records and a third saving reviews into one gradebook lose no row and leave a
    sound file."""
    gradebook.write_record(tmp_path, _record("seed"))  # the schema exists before the race
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), "g", 120)),
             ctx.Process(target=_writer, args=(str(tmp_path), "r", 120)),
             ctx.Process(target=_reviewer, args=(str(tmp_path), 120))]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    with gradedb.connect(tmp_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 241
        assert db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 241 * 2 - 1
        assert db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 120
    scores = {r["student"]: r["score"] for r in gradebook.effective_records(tmp_path)}
    # a review saved before or after its record was (re)written counts either way: ticks "a" = 3 points
    assert all(scores[f"r{i:03d}"] == 4.0 for i in range(120)) and scores["g000"] == 1.0


def test_a_regrade_keeps_the_reviews_of_the_submission(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", rubric=True))
    with gradedb.connect(tmp_path) as db:
        gradedb.save_review(db, "ann", NB, "q2", base_version=0, ticks=["a", "b"], comment="good", override=None, reason="")
    gradebook.write_record(tmp_path, _record("ann", rubric=True, score=3.0))
    (record,) = gradebook.effective_records(tmp_path)
    assert record["score"] == 3.0 + 4.0  # ticks worth 5, capped at the question's 4
    assert record["questions"][1]["review"]["comment"] == "good"


def test_a_save_based_on_an_old_version_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", rubric=True))
    with gradedb.connect(tmp_path) as first, gradedb.connect(tmp_path) as second:
        base = gradedb.get_review(first, "ann", NB, "q2")["version"]
        assert gradedb.get_review(second, "ann", NB, "q2")["version"] == base == 0
        gradedb.save_review(first, "ann", NB, "q2", base_version=base, ticks=["a"], comment="first", override=None, reason="")
        with pytest.raises(gradedb.Conflict, match="saved elsewhere"):
            gradedb.save_review(second, "ann", NB, "q2", base_version=base, ticks=["b"], comment="second",
                                override=None, reason="")
        kept = gradedb.get_review(second, "ann", NB, "q2")
    assert (kept["comment"], kept["ticks"], kept["version"]) == ("first", ["a"], 1)


def test_an_override_needs_a_reason_and_replaces_the_automatic_points(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", score=1.0))
    with gradedb.connect(tmp_path) as db:
        with pytest.raises(ValueError, match="needs a reason"):
            gradedb.save_review(db, "ann", NB, "q1", base_version=0, ticks=[], comment="", override=3.0, reason=" ")
        assert gradedb.get_review(db, "ann", NB, "q1")["version"] == 0
        gradedb.save_review(db, "ann", NB, "q1", base_version=0, ticks=[], comment="", override=2.5,
                            reason="the key's rounding was too strict")
    gradebook.export_files(tmp_path, {"notebooks": [NB]})
    rows = (tmp_path / "grades.csv").read_text()
    assert '"ann","90_gradefix","q1",2.5,3.0,"overridden"' in rows and "rounding was too strict" in rows
    assert "1.0" in rows.split("\n")[1]  # the automatic points stay beside it


def test_a_failing_write_is_rolled_back_whole(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", score=1.0))
    bad = _record("ann", score=2.0)
    bad["questions"].append({"qid": "q1"})  # a second q1, and without points: the insert fails
    with pytest.raises((KeyError, sqlite3.IntegrityError)):
        gradebook.write_record(tmp_path, bad)
    assert gradebook.read_record(tmp_path, "ann", NB)["score"] == 1.0
    with gradedb.connect(tmp_path) as db:
        assert db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 1


def test_a_late_penalty_comes_off_the_total(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", score=3.0))
    with gradedb.connect(tmp_path) as db:
        gradedb.put_penalties(db, [{"student": "ann", "notebook": NB, "submitted": "2026-03-03T10:00:00+09:00",
                                    "source": "timestamp.txt", "due": "2026-03-01T23:59:00+09:00", "days_late": 2,
                                    "fraction": 0.2, "rule": "10% per day"}])
    gradebook.export_files(tmp_path, {"notebooks": [NB]})
    summary = (tmp_path / "summary.csv").read_text()
    assert '"ann",2.4,2.4,3.0,"90_gradefix: late 2 day(s), -20%"' in summary


def test_a_reader_sees_the_old_or_the_new_record_never_half(tmp_path: Path) -> None:
    gradebook.write_record(tmp_path, _record("ann", score=1.0))
    stop = threading.Event()
    seen: set[float] = set()
    torn: list[dict] = []

    def read() -> None:
        while not stop.is_set():
            record = gradebook.read_record(tmp_path, "ann", NB)
            if record["questions"][0]["points"] != record["score"]:
                torn.append(record)
            seen.add(record["score"])

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(200):
        gradebook.write_record(tmp_path, _record("ann", score=float(i % 3)))
    stop.set()
    reader.join()
    assert not torn and seen <= {0.0, 1.0, 2.0} and len(seen) > 1


@pytest.mark.slow
def test_a_grade_run_while_a_reviewer_saves_loses_neither(tmp_path: Path) -> None:
    import shutil

    from workbook.assign import Paths, assign
    from workbook.grade import grade_all

    fixtures = Path(__file__).parent / "fixtures" / "grade"
    shutil.copytree(fixtures / "solutions", tmp_path / "solutions")
    assign(paths=Paths(tmp_path / "solutions", tmp_path / "exercises", tmp_path / "learner_keys"))
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("correct", "partial", "untouched"):
        shutil.copytree(fixtures / "submissions" / name, subs / name)
    gradebook.write_record(out, _record("reviewed-before"))
    stop, saved, errors = threading.Event(), [], []

    def review() -> None:
        with gradedb.connect(out) as db:
            while not stop.is_set():
                try:
                    row = gradedb.save_review(db, "reviewed-before", NB, "q1", base_version=len(saved), ticks=[],
                                              comment=f"pass {len(saved)}", override=None, reason="")
                    saved.append(row["version"])
                except Exception as err:  # noqa: BLE001 - any failure is the test's failure
                    errors.append(err)
                    return

    reviewer = threading.Thread(target=review)
    reviewer.start()
    try:
        batch = grade_all(submissions=subs, out=out, keys_dir=tmp_path / "solutions" / "keys",
                          exercises=tmp_path / "exercises", jobs=2, timeout_cell=10)
    finally:
        stop.set()
        reviewer.join()
    assert not errors and len(saved) > 1
    assert batch.graded == 3
    with gradedb.connect(out) as db:
        assert gradedb.get_review(db, "reviewed-before", NB, "q1")["version"] == len(saved)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    students = {r["student"] for r in gradedb.peek(out)}
    assert students == {"correct", "partial", "untouched", "reviewed-before"}
    summary = (out / "summary.csv").read_text()
    assert all(f'"{s}"' in summary for s in students)
