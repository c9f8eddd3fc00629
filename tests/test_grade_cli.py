"""`workbook grade` from the command line: help, bad input, and a batch killed with SIGKILL and resumed."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook import gradedb
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


def _records(out: Path) -> list[dict]:
    return gradedb.peek(out)


@pytest.mark.slow
def test_kill_9_mid_batch_then_resume(tmp_path: Path, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    for name in RESUME_SET:
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    out = tmp_path / "out"
    argv = [str(WORKBOOK), "grade", str(subs), "--out", str(out), "--jobs", "1", "--timeout-cell", "5",
            "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])]
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_records(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, f"the batch ended before it could be killed: {proc.stderr.read().decode()[-500:]}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _records(out)
    assert 2 <= len(done) < len(RESUME_SET)
    assert all(r["status"] == "graded" for r in done)  # never half-written
    assert not (out / "grades.csv").exists()

    # the key's helper module is shipped from beside the key, not found on sys.path
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


@pytest.mark.slow
def test_a_thread_executor_grades_safely(tmp_path: Path, course: dict[str, Path]) -> None:
    """Two threads in this process (a Dask worker with two threads is the same case): each drives its
    own worker process, so nothing of one submission's run (cwd, kernels) touches the other's."""
    from concurrent.futures import ThreadPoolExecutor

    subs = tmp_path / "subs"
    names = ("correct", "partial", "untouched", "renamed_variable")
    for name in names:
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    with ThreadPoolExecutor(max_workers=2) as pool:
        batch = grade_all(submissions=subs, out=tmp_path / "out", executor=pool, timeout_cell=5, **course)
    assert {r["student"]: (r["status"], r["score"]) for r in batch.records} == \
        {n: (EXPECTED[n]["status"], float(EXPECTED[n]["score"])) for n in names}


def test_a_folder_named_workbook_in_the_current_folder_does_not_shadow_the_grader(
        tmp_path: Path, course: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An instructor may keep a folder called ``workbook`` (say, with their submissions) where they run
    the grader: the grading workers (``python -m``) must not import the package's modules from there."""
    here = tmp_path / "here"
    (here / "workbook" / "submissions").mkdir(parents=True)
    (here / "workbook" / "grade.py").write_text("raise SystemExit('the wrong workbook.grade was imported')\n")
    shutil.copytree(FIXTURES / "submissions" / "correct", tmp_path / "subs" / "correct")
    monkeypatch.chdir(here)
    batch = grade_all(submissions=tmp_path / "subs", out=tmp_path / "out", jobs=1, timeout_cell=5, **course)
    assert [(r["status"], r["score"]) for r in batch.records] == [("graded", 7.0)]


def test_a_folder_without_any_notebook_is_an_error(tmp_path: Path, course: dict[str, Path]) -> None:
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])])
    assert result.exit_code == 1 and "no file of any notebook with a key (90_gradefix)" in result.output


@pytest.mark.slow
def test_a_killed_worker_costs_one_record(tmp_path: Path, course: dict[str, Path]) -> None:
    """Without a PID namespace a student can kill the grader's worker process: only the killer gets
    an error; the others are graded by a fresh worker."""
    subs = tmp_path / "subs"
    for name in ("correct", "attack_kill_grader", "partial"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    batch = grade_all(submissions=subs, out=tmp_path / "out", jobs=2, timeout_cell=5, isolation="none", **course)
    got = {r["student"]: (r["status"], r["score"]) for r in batch.records}
    assert got == {"correct": ("graded", 7.0), "partial": ("graded", 3.0), "attack_kill_grader": ("error", 0.0)}
    assert "worker died" in next(r for r in batch.records if r["student"] == "attack_kill_grader")["reason"]


@pytest.mark.slow
def test_without_the_box_the_network_attack_works(tmp_path: Path, course: dict[str, Path]) -> None:
    """The control for attack_network: unboxed, it reaches the loopback server and scores q1, so
    its 0 in the boxed batch comes from the sandbox."""
    from test_grade import answer_server

    server = answer_server()
    shutil.copytree(FIXTURES / "submissions" / "attack_network", tmp_path / "subs" / "attack_network")
    try:
        batch = grade_all(submissions=tmp_path / "subs", out=tmp_path / "out", jobs=1, timeout_cell=10,
                          isolation="none", **course)
    finally:
        server.shutdown()
        server.server_close()
    q1 = batch.records[0]["questions"][0]
    assert (q1["qid"], q1["status"], q1["points"]) == ("q1", "passed", 3.0)


def _children_of(pid: int) -> set[int]:
    """Every live process descended from ``pid`` (through /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.slow
def test_kill_9_of_the_grader_takes_its_workers_and_kernels_along(tmp_path: Path, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    for name in ("infinite_loop", "stubborn_loop"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    out = tmp_path / "out"
    argv = [str(WORKBOOK), "grade", str(subs), "--out", str(out), "--jobs", "2", "--timeout-cell", "20",
            "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    descendants: set[int] = set()
    while time.monotonic() < deadline:  # both workers with a kernel each: more than a handful of processes
        descendants = _children_of(proc.pid)
        if len(descendants) >= 6:
            break
        time.sleep(0.2)
    time.sleep(2)
    descendants |= _children_of(proc.pid)
    assert len(descendants) >= 6, f"the workers never started their kernels: {descendants}"
    proc.kill()  # SIGKILL to the grader alone, not its process group
    proc.wait()
    deadline = time.monotonic() + 15
    while _alive(descendants) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(descendants), "workers or kernels outlived the grader"
    time.sleep(1)
    assert not (out / "feedback").exists() and not list(out.rglob("*.json")), "something was written after the kill"
    assert not gradedb.peek(out), "a record was written after the kill"


@pytest.mark.slow
def test_a_second_grader_on_the_same_results_is_refused(tmp_path: Path, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(FIXTURES / "submissions" / "infinite_loop", subs / "infinite_loop")
    out = tmp_path / "out"
    argv = [str(WORKBOOK), "grade", str(subs), "--out", str(out), "--jobs", "1", "--timeout-cell", "20",
            "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])]
    first = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not (out / ".lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert second.returncode == 1
    message = second.stderr.strip().splitlines()
    assert len(message) == 1 and f"pid {first.pid}" in message[0] and str(out) in message[0], second.stderr
    assert not list(out.rglob("*.json")) and not gradedb.peek(out), "the refused grader wrote a record"


def test_the_hard_deadline_is_held_outside_the_worker() -> None:
    """A worker stuck where no in-process timer can reach it (here: unpickling its task) is stopped
    by the parent at the deadline, and the next task gets a fresh worker."""
    import pickle

    from workbook.worker import Worker, WorkerLost

    class Stuck:
        def __reduce__(self):
            return (time.sleep, (600,))

    worker = Worker()
    try:
        started = time.monotonic()
        with pytest.raises(WorkerLost, match="hard limit of 2 s"):
            worker.grade(pickle.dumps(Stuck()), deadline=2)
        assert time.monotonic() - started < 30
        with pytest.raises(WorkerLost, match="died"):  # a fresh worker; this task kills it
            worker.grade(pickle.dumps(type("Exit", (), {"__reduce__": lambda self: (os._exit, (7,))})()), deadline=60)
    finally:
        worker.stop()


def test_a_key_whose_helper_module_is_missing_stops_before_grading(tmp_path: Path, course: dict[str, Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (course["keys_dir"] / "gradefix_cases.py").unlink()
    monkeypatch.delitem(sys.modules, "gradefix_cases", raising=False)  # imported by earlier unit tests
    result = CliRunner().invoke(main, ["grade", str(FIXTURES / "submissions"), "--out", str(tmp_path / "out"),
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])])
    assert result.exit_code == 1
    line = result.output.strip()
    assert len(line.splitlines()) == 1 and "90_gradefix.yml" in line and "gradefix_cases" in line, line
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_a_change_to_the_grader_regrades(tmp_path: Path, course: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import workbook.grade as grade

    real = grade.grader_fingerprint()
    assert real["libraries"]["nbclient"] and real["libraries"]["scikit-learn"] and len(real["code"]) == 64
    shutil.copytree(FIXTURES / "submissions" / "not_a_notebook", tmp_path / "subs" / "not_a_notebook")
    args = dict(submissions=tmp_path / "subs", out=tmp_path / "out", **course)
    assert grade_all(**args).graded == 1  # not a notebook: a worker finds out, and there is a record
    assert grade_all(**args).reused == 1
    monkeypatch.setattr(grade, "grader_fingerprint", lambda: {**real, "code": "0" * 64})
    assert grade_all(**args).graded == 1


@pytest.mark.slow
def test_a_kernel_writing_to_its_file_descriptors_never_reaches_the_terminal(tmp_path: Path, course: dict[str, Path]) -> None:
    shutil.copytree(FIXTURES / "submissions" / "attack_fd_output", tmp_path / "subs" / "attack_fd_output")
    argv = [str(WORKBOOK), "grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--timeout-cell", "10",
            "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])]
    done = subprocess.run(argv, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    text = done.stdout + done.stderr
    assert len(text) < 20_000 and b"grade: 27" not in text and b"\x1b]0;" not in text and b"\x1b[2J" not in text
