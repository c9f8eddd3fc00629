"""`workbook grade` from the command line: help, bad input, and a batch killed with SIGKILL and resumed."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook.assign import Paths, assign
from workbook.cli import main
from workbook.grade import grade_all

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
EXPECTED = {r["student"]: r for r in csv.DictReader((FIXTURES / "expected.csv").open(encoding="utf-8"))}
WORKBOOK = Path(sys.executable).with_name("workbook")
RESUME_SET = ("correct", "partial", "untouched", "renamed_variable")


@pytest.fixture()
def course(tmp_path: Path) -> dict[str, Path]:
    shutil.copytree(FIXTURES / "solutions", tmp_path / "solutions")
    assign(paths=Paths(tmp_path / "solutions", tmp_path / "exercises", tmp_path / "learner_keys"))
    return {"keys_dir": tmp_path / "solutions" / "keys", "exercises": tmp_path / "exercises"}


def test_help_names_the_layouts_and_the_isolation_fallback() -> None:
    result = CliRunner().invoke(main, ["grade", "--help"])
    assert result.exit_code == 0
    for text in ("<student_id>/<NN_topic>.ipynb", "<student_id>_<NN_topic>.ipynb", "<student_id>.zip",
                 "--jobs", "--timeout-cell", "--memory", "--force", "where it does not"):
        assert text in result.output


def test_missing_folder_is_a_one_line_error(tmp_path: Path, course: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "out"),
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"]),
                                       "--notebook", "90_gradefix"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope'}: submissions folder not found"


def test_unknown_notebook_is_an_error(tmp_path: Path, course: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["grade", str(FIXTURES / "submissions"), "--out", str(tmp_path / "out"),
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"]),
                                       "--notebook", "07_nothing"])
    assert result.exit_code == 1 and "07_nothing" in result.output


def _records(out: Path) -> list[Path]:
    return sorted((out / "records").rglob("*.json")) if (out / "records").exists() else []


@pytest.mark.slow
def test_kill_9_mid_batch_then_resume(tmp_path: Path, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    for name in RESUME_SET:
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    out = tmp_path / "out"
    argv = [str(WORKBOOK), "grade", str(subs), "--out", str(out), "--jobs", "1", "--timeout-cell", "5",
            "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])]
    env = {**os.environ, "PYTHONPATH": str(FIXTURES)}
    proc = subprocess.Popen(argv, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_records(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, f"the batch ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _records(out)
    assert 2 <= len(done) < len(RESUME_SET)
    assert all(json.loads(p.read_text())["status"] == "graded" for p in done)  # never half-written
    assert not (out / "grades.csv").exists()

    sys.path.insert(0, str(FIXTURES))
    try:
        batch = grade_all(submissions=subs, out=out, jobs=2, timeout_cell=5, **course)
        assert (batch.reused, batch.graded) == (len(done), len(RESUME_SET) - len(done))
        scores = {r["student"]: (r["status"], r["score"]) for r in batch.records}
        assert scores == {s: (EXPECTED[s]["status"], float(EXPECTED[s]["score"])) for s in RESUME_SET}
        rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
        assert len(rows) == 4 * len(RESUME_SET)

        # a changed submission is graded again, and only that one
        changed = subs / "untouched" / "90_gradefix.ipynb"
        changed.write_text(changed.read_text(encoding="utf-8").replace("labels = ...", "labels = {'a': 1}"), encoding="utf-8")
        again = grade_all(submissions=subs, out=out, jobs=2, timeout_cell=5, **course)
        assert (again.reused, again.graded) == (len(RESUME_SET) - 1, 1)
        assert next(r for r in again.records if r["student"] == "untouched")["score"] == 1.0
        forced = grade_all(submissions=subs, out=out, jobs=2, timeout_cell=5, force=True, **course)
        assert (forced.reused, forced.graded) == (0, len(RESUME_SET))
    finally:
        sys.path.remove(str(FIXTURES))


@pytest.mark.slow
def test_any_executor_can_run_the_batch(tmp_path: Path, course: dict[str, Path]) -> None:
    """The batch goes through the concurrent.futures.Executor interface (here a thread in this
    process; a Dask client's executor is another)."""
    from concurrent.futures import ThreadPoolExecutor

    subs = tmp_path / "subs"
    for name in ("correct", "partial"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    sys.path.insert(0, str(FIXTURES))
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            batch = grade_all(submissions=subs, out=tmp_path / "out", executor=pool, timeout_cell=5, **course)
    finally:
        sys.path.remove(str(FIXTURES))
    assert {r["student"]: r["score"] for r in batch.records} == {"correct": 7.0, "partial": 3.0}


def test_a_folder_without_any_notebook_is_an_error(tmp_path: Path, course: dict[str, Path]) -> None:
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])])
    assert result.exit_code == 1 and "no file of any notebook with a key (90_gradefix)" in result.output


@pytest.mark.slow
def test_a_killed_worker_costs_one_record(tmp_path: Path, course: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a PID namespace a student can kill the grader's worker process: the pool breaks, the
    unfinished submissions are graded again one at a time, and only the killer gets an error."""
    import workbook.sandbox

    monkeypatch.setattr(workbook.sandbox, "probe", lambda memory_mb: workbook.sandbox.Isolation("none", True))
    subs = tmp_path / "subs"
    for name in ("correct", "attack_kill_grader", "partial"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    monkeypatch.syspath_prepend(str(FIXTURES))
    batch = grade_all(submissions=subs, out=tmp_path / "out", jobs=2, timeout_cell=5, **course)
    got = {r["student"]: (r["status"], r["score"]) for r in batch.records}
    assert got == {"correct": ("graded", 7.0), "partial": ("graded", 3.0), "attack_kill_grader": ("error", 0.0)}
    assert "worker process died" in next(r for r in batch.records if r["student"] == "attack_kill_grader")["reason"]


@pytest.mark.slow
def test_without_the_box_the_network_attack_works(tmp_path: Path, course: dict[str, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for attack_network: unboxed, it reaches the loopback server and scores q1, so
    its 0 in the boxed batch comes from the sandbox."""
    import http.server
    import threading

    import workbook.sandbox
    from test_grade import _Answer

    monkeypatch.setattr(workbook.sandbox, "probe", lambda memory_mb: workbook.sandbox.Isolation("none", True))
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("GRADE_TEST_PORT", str(server.server_port))
    monkeypatch.syspath_prepend(str(FIXTURES))
    shutil.copytree(FIXTURES / "submissions" / "attack_network", tmp_path / "subs" / "attack_network")
    try:
        batch = grade_all(submissions=tmp_path / "subs", out=tmp_path / "out", jobs=1, timeout_cell=10, **course)
    finally:
        server.shutdown()
        server.server_close()
    q1 = batch.records[0]["questions"][0]
    assert (q1["qid"], q1["status"], q1["points"]) == ("q1", "passed", 3.0)
