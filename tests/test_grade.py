"""`workbook grade` on a folder of fixture submissions: one per bad case and per attack.

The fixture notebook and key (``tests/fixtures/grade/``) are the grader's own, so these tests do not
move with lecture content. ``expected.csv`` says, per student folder, the status and score it must
get; ``needs=full`` rows are attacks only the full sandbox stops (skipped where the OS allows less),
``needs=bwrap`` rows those whose outcome is the bwrap box's.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from handout_audit import remote_sources

import workbook
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


SECRET = "wb-grader-secret-3f9a"  # in the grader's environment during the batch: no page may show it


def _host_state() -> dict[str, object]:
    """What attack_host_writes tries to change on the host."""
    return {"dev": Path("/dev/wb-attack").exists(), "cgroup": Path("/sys/fs/cgroup/wb-attack").exists(),
            "swappiness": Path("/proc/sys/vm/swappiness").read_text(), "hostname": Path("/proc/sys/kernel/hostname").read_text()}


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"a": 1, "b": 2, "c": 3}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def answer_server() -> http.server.HTTPServer:
    """A loopback server offering q1's answer on the first free port where attack_network looks."""
    for port in range(38517, 38537):
        try:
            server = http.server.HTTPServer(("127.0.0.1", port), _Answer)
        except OSError:
            continue
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
    pytest.skip("no free port in 38517-38536 for the network attack's server")


@pytest.fixture(scope="module")
def batch(course: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    """Grade every fixture submission in one batch, with a loopback server offering the answer."""
    out = tmp_path_factory.mktemp("results")
    server = answer_server()
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_TEST_SECRET", SECRET)
    before = _host_state()
    try:
        result = grade_all(submissions=FIXTURES / "submissions", out=out, **course, **LIMITS)
    finally:
        server.shutdown()
        server.server_close()
        mp.undo()
    result.host_before, result.host_after = before, _host_state()
    yield result, out
    STUDENT_FILE.unlink(missing_ok=True)  # written where the box is weaker than full


def test_the_network_server_really_answers() -> None:
    """attack_network's server is reachable from the test process, so its 0 comes from the sandbox."""
    import urllib.request

    server = answer_server()
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
    if row["needs"] == "bwrap" and result.isolation.get("tool") != "bwrap":
        pytest.skip(f"{row['student']}'s outcome is that of the bwrap box (this machine: {result.isolation})")
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
    assert list(rows[0]) == ["student", "notebook", "question", "points", "max_points", "status", "message", "flags",
                             "auto_points", "comment", "override_reason"]  # the last three: what a reader added
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
    assert "data-chart='histogram'" in report and "Pass rate per question" in report and "Slowest cells" in report  # inline SVG


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


def _record(result, student: str) -> dict:
    return next(r for r in result.records if r["student"] == student)


def _page(out: Path, result, student: str) -> str:
    return (out / _record(result, student)["feedback"]).read_text(encoding="utf-8")


def test_a_hung_or_crashing_export_costs_its_own_question_only(batch) -> None:
    result, out = batch
    for student, status in (("export_interrupted", "timeout"), ("export_hang", "timeout"), ("export_crash", "kernel_died")):
        questions = {q["qid"]: q for q in _record(result, student)["questions"]}
        assert questions["q2"]["status"] == status and questions["q2"]["points"] == 0
        assert all(questions[q]["status"] == "passed" for q in ("q1", "q3", "q4")), student
        assert f"q2: {status}" in _record(result, student)["reason"]
        assert re.search(f"data-qid=.q2. data-status=.{status}.", _page(out, result, student))


def test_forged_exports_are_flagged_and_score_nothing(batch) -> None:
    result, _ = batch
    for student in ("attack_nan_exporter", "attack_post_export"):
        record = _record(result, student)
        assert record["score"] == 0 and record["tamper"] and "tampered" in record["tamper"][0], record["tamper"]


def test_every_id_has_its_own_record_and_page(batch) -> None:
    result, out = batch
    unicode, plain = _record(result, "유니코드 학생"), _record(result, "student-4bc76067")
    assert unicode["feedback"] != plain["feedback"]
    assert (unicode["score"], plain["score"]) == (7, 0)
    assert "sum(a == b" not in _page(out, result, "student-4bc76067")  # never the other student's solution
    assert _record(result, ".dot_student")["score"] == 7


def test_csv_files_neutralise_formulas(batch) -> None:
    _, out = batch
    for name in ("grades.csv", "summary.csv"):
        cells = [cell for row in csv.reader((out / name).open(encoding="utf-8")) for cell in row]
        assert "'=HYPERLINK" in cells and not any(c.startswith(("=", "+", "@")) for c in cells), name


def test_links_are_never_followed(batch) -> None:
    result, _ = batch
    for student in ("link_file", "link_folder"):
        record = _record(result, student)
        assert record["status"] == "invalid" and "link" in record["reason"], record["reason"]


def test_nothing_from_the_export_or_the_grader_reaches_a_page(batch) -> None:
    result, out = batch
    pages = [p.read_text(encoding="utf-8") for p in (out / "feedback").rglob("*.html")]
    assert pages and not any(SECRET in page for page in pages)
    assert "[1, 0, 1]" not in _page(out, result, "attack_update_display")  # a hidden input
    flood = out / _record(result, "attack_output_flood")["feedback"]
    assert flood.stat().st_size < 5000 * 1000 + 1_500_000
    library = _page(out, result, "interrupt_in_library")
    assert "installed code not shown" in library and "statistics.py" not in library and "site-packages" not in library


def test_the_box_leaves_the_host_as_it_was(batch) -> None:
    result, out = batch
    if result.isolation["level"] != "full":
        pytest.skip("only the full sandbox keeps /dev, /sys and /proc/sys read-only")
    assert result.host_after == result.host_before
    assert _record(result, "attack_environment")["score"] == 0
    if result.isolation.get("tool") == "bwrap" and os.geteuid() == 0:  # the socket folder is sealed once the kernel is up
        page = _page(out, result, "attack_host_writes")
        assert page.count("kernel-dir PermissionError") == 2 and "kernel-dir written ../" not in page


def _open_to_all(path: Path) -> str:
    """Shell lines (for a private mount namespace) that let any user reach ``path`` when a folder on
    the way is closed to them (a Python installation under /root): the closed folder is replaced by
    an empty, open tmpfs, and only the one child on the way is bound back."""
    closed = next((p for p in reversed(path.parents) if p != Path("/") and not p.stat().st_mode & 0o001), None)
    if closed is None:
        return ""
    child = closed / path.relative_to(closed).parts[0]
    stash = Path(tempfile.mkdtemp(prefix="wb-stash-"))
    return (f"mount --bind {shlex.quote(str(child))} {stash} && mount -t tmpfs -o mode=755 none {shlex.quote(str(closed))} && "
            f"mkdir -p {shlex.quote(str(child))} && mount --bind {stash} {shlex.quote(str(child))} && ")


@pytest.mark.slow
def test_the_same_batch_as_a_non_root_user(course: dict[str, Path]) -> None:
    """As root, the batch again as user 'nobody' (65534), whose box is made inside a user namespace."""
    if os.geteuid() != 0:
        pytest.skip("the main batch already ran as a non-root user")
    probe = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                            "unshare", "--user", "--map-root-user", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unprivileged user namespaces are not allowed here: {probe.stderr.decode().strip()}")
    base = Path(tempfile.mkdtemp(prefix="wb-nonroot-"))
    try:
        shutil.copytree(FIXTURES / "submissions", base / "subs", symlinks=True)
        shutil.copytree(course["keys_dir"].parent, base / "solutions")
        shutil.copytree(course["exercises"], base / "exercises")
        subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
        base.chmod(0o755)
        grade = [str(Path(sys.executable).with_name("workbook")), "grade", str(base / "subs"), "--out", str(base / "out"),
                 "--keys", str(base / "solutions" / "keys"), "--exercises", str(base / "exercises"),
                 "--timeout-cell", str(LIMITS["timeout_cell"]), "--timeout", str(LIMITS["timeout"]),
                 "--memory", str(LIMITS["memory_mb"]), "--jobs", "2"]
        script = (_open_to_all(Path(sys.base_prefix).resolve()) + "exec setpriv --reuid 65534 --regid 65534 --clear-groups "
                  + f"env -i PATH=/usr/bin:/bin HOME={base} LANG=C.UTF-8 " + " ".join(map(shlex.quote, grade)))
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        data = json.loads((base / "out" / "results.json").read_text(encoding="utf-8"))
        isolation = data["isolation"]
        assert isolation["user_namespace"] is True
        got = {r["student"]: (r["status"], r["score"]) for r in data["submissions"]}
        for row in EXPECTED:
            if (row["needs"] == "full" and isolation["level"] != "full") or \
                    (row["needs"] == "bwrap" and isolation.get("tool") != "bwrap"):
                continue
            assert got[row["student"]] == (row["status"], float(row["score"])), row["student"]
    finally:
        shutil.rmtree(base, ignore_errors=True)
