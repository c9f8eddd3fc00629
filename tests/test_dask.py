"""Grading on a real Dask cluster: `dask scheduler` and `dask worker` started as separate processes.

Each worker runs in its own temporary folder and shares no results folder with the client: the
client sends every submission as data and writes the results itself. One worker is killed with
SIGKILL mid-batch; its in-flight submission is graded again on the other worker, and the results
must equal a local run's on the same submissions.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook import gradedb
from workbook.assign import Paths, assign
from workbook.cli import main
from workbook.cluster import ClusterError, connect
from workbook.grade import grade_all

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
EXPECTED = {r["student"]: r for r in csv.DictReader((FIXTURES / "expected.csv").open(encoding="utf-8"))}
DASK = Path(sys.executable).with_name("dask")
# right, partial, untouched, and hostile ones: an infinite loop, a killer, a key reader, a patched check
MIXED = ("correct", "partial", "untouched", "error_cell", "infinite_loop", "os_exit", "attack_read_key",
         "attack_check", "attack_builtins", "renamed_variable", "sys_exit", "memory_bomb")
LIMITS = {"timeout_cell": 3.0, "timeout": 20.0, "memory_mb": 1024}

pytestmark = pytest.mark.slow


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    cwd.mkdir(parents=True, exist_ok=True)
    log = (cwd / "log.txt").open("wb")
    return subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """A scheduler and two single-threaded workers on 127.0.0.1, each in its own folder."""
    base = tmp_path_factory.mktemp("dask")
    info = base / "scheduler" / "scheduler.json"
    scheduler = _start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(info)], base / "scheduler")
    deadline = time.monotonic() + 60
    while not info.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    workers = [_start([str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                       "--host", "127.0.0.1", "--name", f"w{i}", "--local-directory", str(base / f"w{i}")],
                      base / f"w{i}") for i in range(2)]
    client = connect(address)
    client.wait_for_workers(2, timeout=60)
    names = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
    client.close()
    yield {"address": address, "workers": workers, "base": base, "w0": names["w0"]}
    for proc in [*workers, scheduler]:
        _stop(proc)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURES / "solutions", base / "solutions")
    assign(paths=Paths(base / "solutions", base / "exercises", base / "learner_keys"))
    return {"keys_dir": base / "solutions" / "keys", "exercises": base / "exercises"}


def _outcome(records: list[dict]) -> dict[str, tuple]:
    """What must not depend on where a submission ran."""
    return {r["student"]: (r["status"], r["score"], bool(r["tamper"]),
                           tuple((q["qid"], q["status"], q["points"]) for q in r["questions"])) for r in records}


def test_a_cluster_grades_like_a_local_run_and_survives_a_killed_worker(tmp_path: Path, cluster: dict,
                                                                         course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    for name in MIXED:
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    local = grade_all(submissions=subs, out=tmp_path / "local", jobs=2, **LIMITS, **course)

    out = tmp_path / "cluster"
    victim = cluster["workers"][0]
    killed: list[str] = []

    def graded_by_w0() -> bool:
        return any(r.get("worker") == cluster["w0"] for r in gradedb.peek(out))

    def kill_when_busy() -> None:  # w0 dies after its first record, with its next task in flight
        while not graded_by_w0():
            time.sleep(0.05)
        _stop(victim)
        killed.append("w0")

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    remote = grade_all(submissions=subs, out=out, scheduler=cluster["address"], **LIMITS, **course)
    killer.join(timeout=5)
    assert killed == ["w0"], "the worker was to be killed mid-batch"

    assert _outcome(remote.records) == _outcome(local.records)
    for record in remote.records:
        assert record["status"] != "error", (record["student"], record["reason"])
        want = EXPECTED[record["student"]]
        assert (record["status"], record["score"]) == (want["status"], float(want["score"])), record["student"]
        assert record["worker"].startswith("tcp://127.0.0.1:")
        assert record["isolation"] == local.isolation["level"]
    assert len({r["worker"] for r in remote.records}) == 2, "both workers graded until one was killed"
    assert {r["worker"] for r in remote.records} <= set(remote.workers), "each worker was probed before grading"
    meta = json.loads((out / "results.json").read_text())
    assert meta["workers"] and all(w["level"] == local.isolation["level"] for w in meta["workers"].values())
    assert meta["isolation"]["weaker_workers"] == []


def test_a_second_cluster_run_reuses_every_record(tmp_path: Path, cluster: dict, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    for name in ("correct", "partial"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    first = grade_all(submissions=subs, out=tmp_path / "out", scheduler=cluster["address"], **LIMITS, **course)
    assert first.graded == 2
    again = grade_all(submissions=subs, out=tmp_path / "out", jobs=1, **LIMITS, **course)
    assert (again.graded, again.reused) == (0, 2), "a cluster's records are the same as a local run's"


def test_cli_grades_on_the_scheduler_and_names_each_worker(tmp_path: Path, cluster: dict, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(FIXTURES / "submissions" / "correct", subs / "correct")
    result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(tmp_path / "out"), "--scheduler", cluster["address"],
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"]),
                                       "--timeout-cell", "5"])
    assert result.exit_code == 0, result.output
    assert "1 graded" in result.output
    assert "worker tcp://127.0.0.1:" in result.output and "isolation" in result.output


def test_no_scheduler_is_a_one_line_error(tmp_path: Path, course: dict[str, Path]) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(FIXTURES / "submissions" / "correct", subs / "correct")
    result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9",
                                       "--keys", str(course["keys_dir"]), "--exercises", str(course["exercises"])])
    assert result.exit_code == 1
    assert "tcp://127.0.0.1:9: no Dask scheduler answered" in result.output and len(result.output.strip().splitlines()) == 1
    with pytest.raises(ClusterError, match="tcp://HOST:PORT"):
        connect("127.0.0.1:9")
