"""Grading workers: one process per slot, one submission at a time, supervised from outside.

A :class:`Worker` is a child process (``python -m workbook.worker``) that imports the notebook tools
once, probes the sandbox once, and then grades the tasks it is sent, one at a time, over a private
socket: a pickled :class:`workbook.grade.Task` in, a JSON reply (the record and the feedback page)
out. The worker writes nothing into the results folder; the grader's own process does.

The parent holds the deadline: when a task is not answered in time, or the worker dies, the parent
kills the worker's whole process group (its kernels die with it: they carry a parent-death signal)
and answers for that task alone; the next task gets a fresh worker. A worker dies with the process
that started it (``PR_SET_PDEATHSIG``), so killing the grader with SIGKILL stops every worker and
kernel at once.

Each thread that calls :func:`grade_payload` has its own worker, so a thread pool of N threads grades
N submissions at once (the grader's own pool, or a ``ThreadPoolExecutor`` passed in). On a Dask
worker, :func:`grade_payload_alone` is used instead: one grading process per Dask worker process,
one submission at a time, however many threads that worker has (its other threads wait their turn).
Worker processes are started from one long-lived launcher thread, because a parent-death signal
fires when the *thread* that forked the child ends, and an executor may retire its threads.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from .lean_imports import skip_unused

skip_unused()  # before the worker imports nbformat: see workbook.lean_imports

PR_SET_PDEATHSIG = 1
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook-worker-launcher")


class WorkerLost(RuntimeError):
    """The worker did not answer: it ran past the deadline or died. The message says which."""


def _die_with_parent(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's deadline still applies
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


class Worker:
    """One grading process, started on first use and replaced after it is lost."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._log = tempfile.TemporaryFile()

    def _start(self) -> None:
        mine, theirs = socket.socketpair()
        self._proc = _LAUNCHER.submit(
            subprocess.Popen, [sys.executable, "-P", "-m", "workbook.worker", str(theirs.fileno()), str(os.getpid())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._log, start_new_session=True).result()
        theirs.close()
        self._conn = Connection(mine.detach())

    def grade(self, payload: bytes, deadline: float) -> dict[str, Any]:
        """Send one task and wait at most ``deadline`` seconds for its reply."""
        if self._proc is None or self._proc.poll() is not None:
            self.stop()
            self._start()
        assert self._conn is not None
        try:
            self._conn.send_bytes(payload)
            if self._conn.poll(deadline):
                return json.loads(self._conn.recv_bytes().decode("utf-8"))
            reason = f"grading did not finish within the hard limit of {deadline:g} s; the worker was stopped"
        except (EOFError, OSError, ValueError):
            reason = f"the grading worker died ({self._last_error()})"
        self.stop()
        raise WorkerLost(reason)

    def _last_error(self) -> str:
        code = self._proc.poll() if self._proc else None
        self._log.seek(0)
        lines = [line for line in self._log.read()[-4000:].decode("utf-8", "replace").splitlines() if line.strip()]
        return f"exit code {code}" + (f": {lines[-1][:200]}" if lines else "")

    def stop(self) -> None:
        """Kill the worker's process group (it and anything it started) and forget it."""
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.wait()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None


_local = threading.local()
_alone = {"lock": threading.Lock(), "worker": None}
_prestarted: list[Worker] = []  # started before any thread asked for one


def prestart(count: int) -> None:
    """Start ``count`` grading processes now, so their imports overlap the grader's own setup; the
    first ``count`` threads that grade take them. :func:`stop_prestarted` ends those not taken."""
    while len(_prestarted) < count:
        worker = Worker()
        worker._start()
        _prestarted.append(worker)


def stop_prestarted() -> None:
    while _prestarted:
        _prestarted.pop().stop()


def grade_payload(payload: bytes, deadline: float) -> dict[str, Any]:
    """Grade one pickled task on this thread's worker; raises :class:`WorkerLost`. This is what the
    grader submits to a thread pool."""
    worker = getattr(_local, "worker", None)
    if worker is None:
        try:
            worker = _prestarted.pop()
        except IndexError:
            worker = Worker()
        _local.worker = worker
    return worker.grade(payload, deadline)


def grade_payload_alone(payload: bytes, deadline: float) -> dict[str, Any]:
    """Grade one pickled task on this process's single worker, one task at a time whatever the number
    of threads calling: what the grader submits to a Dask cluster (a module-level function, so Dask
    can ship it by name). The deadline counts from when the task's turn comes."""
    with _alone["lock"]:
        if _alone["worker"] is None:
            _alone["worker"] = Worker()
        reply = _alone["worker"].grade(payload, deadline)
    try:
        from distributed import get_worker

        reply["record"]["worker"] = get_worker().address  # which cluster worker graded it
    except (ImportError, ValueError):
        pass
    return reply


def _serve(conn: Connection) -> None:
    from . import grade_one as grade

    # the heavy imports run while the first task comes and, once it has, while its first kernel boots
    warm = threading.Thread(target=grade.warm_worker, name="workbook-warm", daemon=True)
    warm.start()
    first = True
    while True:
        try:
            payload = conn.recv_bytes()
        except EOFError:
            return
        task = pickle.loads(payload)
        if first:
            grade.prepare(task)
            warm.join()
            first = False
        started = time.perf_counter()
        reply = grade.grade_submission(task)
        reply["record"]["worker_seconds"] = round(time.perf_counter() - started, 3)
        conn.send_bytes(json.dumps(reply, ensure_ascii=False).encode("utf-8"))


def main(argv: list[str]) -> None:
    """Entry point of a worker process: ``python -m workbook.worker FD PARENT_PID``."""
    fd, parent = int(argv[0]), int(argv[1])
    _die_with_parent(parent)
    conn = Connection(fd)
    try:
        _serve(conn)
    finally:
        from . import grade_one as grade

        grade.cleanup_worker()


if __name__ == "__main__":
    main(sys.argv[1:])
