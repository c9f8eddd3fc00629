"""LMS export: Canvas's and Moodle's import CSVs, the roster (and its errors), learners missing from it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook import gradebook, gradedb
from workbook.cli import main
from workbook.lms import RosterError, export_lms, load_roster

ROSTER = """\
student,name,canvas_id,sis_user_id,sis_login_id,section,email
s01,"Kim, Minji",1001,2026-0001,minji,AI-1,minji@example.com
s02,"Lee, Joon",1002,2026-0002,joon,AI-2,joon@example.com
s03,"=HYPERLINK(1)",1003,2026-0003,park,AI-2,park@example.com
"""


def _record(student: str, notebook: str, score: float, max_score: float = 10.0) -> dict:
    return {"student": student, "notebook": notebook, "status": "graded", "score": score, "max_score": max_score,
            "hash": "h", "tamper": [], "reason": "",
            "questions": [{"qid": "q1", "title": "", "status": "passed", "points": score, "max_points": max_score, "message": ""}]}


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    for student, nb, score in [("s01", "02_ai_ethics", 9.0), ("s01", "03_career_building", 7.0),
                               ("s02", "02_ai_ethics", 10.0), ("ghost", "02_ai_ethics", 5.0)]:
        gradebook.write_record(out, _record(student, nb, score, 12.0 if nb == "03_career_building" else 10.0))
    with gradedb.connect(out) as db:
        gradedb.put_penalties(db, [{"student": "s02", "notebook": "02_ai_ethics", "submitted": None, "source": "mtime",
                                    "due": None, "days_late": 1, "fraction": 0.1, "rule": "10% per day"}])
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return out


def test_canvas_has_its_header_and_points_possible_rows(results: Path) -> None:
    done = export_lms(results, "canvas", roster=results.parent / "roster.csv")
    rows = list(csv.reader(done.path.open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "02_ai_ethics", "03_career_building"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10.0", "12.0"]
    body = {r[0]: r[1:] for r in rows[2:]}
    assert body["Kim, Minji"] == ["1001", "2026-0001", "minji", "AI-1", "9.0", "7.0"]
    assert body["Lee, Joon"] == ["1002", "2026-0002", "joon", "AI-2", "9.0", ""]  # late: 10 - 10 %
    assert body["'=HYPERLINK(1)"][4:] == ["", ""]  # no submission: empty; a formula is neutralised
    assert done.not_in_roster == ["ghost"]


def test_moodle_is_keyed_by_the_identifier_column(results: Path) -> None:
    done = export_lms(results, "moodle", roster=results.parent / "roster.csv")
    rows = list(csv.reader(done.path.open(encoding="utf-8")))
    assert rows[0] == ["Email address", "02_ai_ethics", "03_career_building"]
    assert rows[1:] == [["minji@example.com", "9.0", "7.0"], ["joon@example.com", "9.0", ""], ["park@example.com", "", ""]]


def test_the_command_lists_learners_missing_from_the_roster_and_fails(results: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(results), "--to", "canvas", "--roster", str(results.parent / "roster.csv")])
    assert result.exit_code == 1
    assert "not in the roster (not exported): ghost" in result.output
    ok = CliRunner().invoke(main, ["export", str(results), "--to", "csv"])
    assert ok.exit_code == 0 and (results / "summary.csv").exists() and (results / "results.json").exists()
    assert "Late submissions (1)" in (results / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "where", "problem"), [
    ("student,name\ns01,Kim\n", ":1:", "needs the column(s) canvas_id"),
    (ROSTER + "s02,Lee again,1009,,,,\n", ":5:", "student 's02' is listed twice"),
    (ROSTER + ",Nobody,1010,,,,\n", ":5:", "empty student id"),
    (ROSTER.replace("s02,\"Lee, Joon\",1002", "s02,\"Lee, Joon\","), ":3:", "student 's02' has no canvas_id"),
])
def test_a_malformed_roster_is_one_line_naming_file_and_line(tmp_path: Path, text: str, where: str, problem: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as err:
        load_roster(path, ("name", "canvas_id"))
    message = str(err.value)
    assert len(message.splitlines()) == 1 and message.startswith(f"{path}{where}") and problem in message, message
