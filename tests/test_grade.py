"""`workbook grade` on a folder of fixture submissions: one per bad case and per attack.

The fixture notebook and key (``tests/fixtures/grade/``) are the grader's own, so these tests do not
move with lecture content. ``expected.csv`` says, per student folder, the status and score it must
get; ``needs=full`` rows are attacks only the full sandbox stops (skipped where the OS allows less).
"""

from __future__ import annotations

import csv
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

import workbook
from handout_audit import remote_sources
from workbook.assign import Paths, assign
from workbook.grade import grade_all

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
EXPECTED = list(csv.DictReader((FIXTURES / "expected.csv").open(encoding="utf-8")))
LIMITS = {"timeout_cell": 3.0, "timeout": 15.0, "memory_mb": 1024, "jobs": 2}
STUDENT_FILE = Path(workbook.__file__).parent / "_written_by_a_student.txt"  # attack_write_package

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A key folder and a released exercise folder, made by `assign` from the fixture solution."""
    base = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURES / "solutions", base / "solutions")
    assign(paths=Paths(base / "solutions", base / "exercises", base / "learner_keys"))
    return {"keys_dir": base / "solutions" / "keys", "exercises": base / "exercises"}


@pytest.fixture(autouse=True)
def _fixture_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURES))  # the key's seeded cases live in gradefix_cases.py


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"a": 1, "b": 2, "c": 3}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def batch(course: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    """Grade every fixture submission in one batch, with a loopback server offering the answer."""
    out = tmp_path_factory.mktemp("results")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(FIXTURES))
    mp.setenv("GRADE_TEST_PORT", str(server.server_port))  # attack_network fetches the answer there
    try:
        result = grade_all(submissions=FIXTURES / "submissions", out=out, **course, **LIMITS)
    finally:
        server.shutdown()
        server.server_close()
        mp.undo()
    yield result, out
    STUDENT_FILE.unlink(missing_ok=True)  # written where the box is weaker than full


def test_the_network_server_really_answers() -> None:
    """attack_network's server is reachable from the test process, so its 0 comes from the sandbox."""
    import urllib.request

    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        got = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=5).read())
    finally:
        server.shutdown()
        server.server_close()
    assert got == {"a": 1, "b": 2, "c": 3}


def test_every_fixture_has_a_row() -> None:
    names = {p.name.removesuffix("_90_gradefix.ipynb").removesuffix(".zip")
             for p in (FIXTURES / "submissions").iterdir()}
    assert names == {row["student"] for row in EXPECTED}


@pytest.mark.parametrize("row", EXPECTED, ids=[r["student"] for r in EXPECTED])
def test_status_and_score(batch, row: dict[str, str]) -> None:
    result, _ = batch
    if row["needs"] == "full" and result.isolation["level"] != "full":
        pytest.skip(f"only the full sandbox stops {row['student']} (this machine: {result.isolation['level']})")
    record = next(r for r in result.records if r["student"] == row["student"])
    assert (record["status"], record["score"]) == (row["status"], float(row["score"])), record["reason"]
    assert len(record["tamper"]) == int(row["tampered"]), record["tamper"]
    assert record["max_score"] == 7
    if record["status"] != "graded":
        assert record["reason"], "a submission that is not graded needs a one-line reason"


def test_grades_csv_has_a_row_per_question(batch) -> None:
    result, out = batch
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert len(rows) == 4 * len(EXPECTED)
    assert list(rows[0]) == ["student", "notebook", "question", "points", "max_points", "status", "message", "flags"]
    partial = {r["question"]: r for r in rows if r["student"] == "partial"}
    assert (partial["q1"]["status"], float(partial["q1"]["points"])) == ("partial", 2.0)
    renamed = {r["question"]: r for r in rows if r["student"] == "renamed_variable"}
    assert renamed["q1"]["status"] == "missing" and "labels" in renamed["q1"]["message"]
    summary = {r["student"]: r for r in csv.DictReader((out / "summary.csv").open(encoding="utf-8"))}
    assert float(summary["correct"]["total"]) == 7 and "timeout" in summary["stubborn_loop"]["flags"]


def test_results_json_and_report(batch) -> None:
    result, out = batch
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["isolation"]["level"] in ("full", "network", "none")
    correct = next(s for s in data["submissions"] if s["student"] == "correct")
    assert correct["cells"] and all(c["seconds"] >= 0 for c in correct["cells"])
    report = (out / "report.html").read_text(encoding="utf-8")
    for row in EXPECTED:
        if row["status"] not in ("graded",):
            assert row["student"] in report
    assert "<svg" in report and "Pass rate per question" in report and "Slowest cells" in report


def test_feedback_shows_verdicts_but_no_hidden_inputs(batch, course: dict[str, Path]) -> None:
    _, out = batch
    page = (out / "feedback" / "partial" / "90_gradefix.html").read_text(encoding="utf-8")
    assert page.count("workbook-verdict") >= 4 and re.search(r"data-status=.partial.", page)
    assert "Count the letters." in page  # the hint of a question not passed
    assert "[1, 0, 1]" not in page and "_wb_" not in page and "answers.json" not in page
    assert remote_sources(page) == []  # viewable offline, like the handouts
    huge = out / "feedback" / "huge_output" / "90_gradefix.html"
    assert huge.stat().st_size < 2_000_000 and "output truncated by the grader" in huge.read_text(encoding="utf-8")


def test_seed_varies_per_student_and_is_judged_with_it(batch) -> None:
    result, _ = batch
    graded = [r for r in result.records if r["status"] == "graded"]
    assert len({r["seed"] for r in graded}) == len(graded)
    correct = [r for r in graded if r["score"] == 7]
    assert len(correct) >= 3  # the seeded total and seeded hidden cases pass for each correct student


def test_attacks_leave_no_trace(batch) -> None:
    result, _ = batch
    if result.isolation["level"] != "full":
        pytest.skip("only the full sandbox makes the package read-only")
    assert not STUDENT_FILE.exists()


def test_rerun_reuses_everything_and_force_does_not(batch, course: dict[str, Path]) -> None:
    result, out = batch
    again = grade_all(submissions=FIXTURES / "submissions", out=out, notebooks=["90_gradefix"],
                      **course, **LIMITS)
    assert again.graded == 0 and again.reused == len(EXPECTED)
    assert [r["score"] for r in again.records] == [r["score"] for r in result.records]
