"""Run one prepared submission with papermill in a fresh, boxed kernel; never raise on student code.

papermill parameterises and executes through a registered engine (``workbook-grade``) whose client
keeps going after a failing cell (nbclient's ``allow_errors``), interrupts a cell that runs past the
per-cell timeout (the cell gets an error, the next cell runs), and caps the size of the outputs it
keeps. A watchdog kills the kernel's process group at the whole-notebook timeout. The kernel starts
through :mod:`workbook.sandbox` and talks to us over ZeroMQ IPC sockets in its own folder. Each
worker keeps one spare kernel booting in a fresh box, so a submission rarely waits for a kernel.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import shutil
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .export import GRADER_TAG
from .sandbox import Box, kernel_env, wrap

ENGINE = "workbook-grade"
TRUNCATED = "\n[output truncated by the grader: this notebook's outputs passed {cap} kB]\n"


@dataclass
class RunResult:
    """How a run ended: ``completed``, ``timeout``, ``kernel_died``, or ``kernel_error`` (the kernel
    broke the messaging protocol, e.g. a student patched ``json``, or the grader itself failed)."""

    nb: Any
    status: str
    message: str = ""
    cells: list[dict[str, Any]] = field(default_factory=list)
    kernel_seconds: float = 0.0


def _size(msg: dict[str, Any]) -> int:
    content = msg.get("content", {})
    parts = [content.get("text", "")] + [str(v) for v in content.get("data", {}).values()] \
        + [str(t) for t in content.get("traceback", [])]
    return sum(len(p) for p in parts)


def _register_engine() -> None:
    """Register the grading engine with papermill (idempotent; runs in each worker process)."""
    from nbformat.v4 import new_output
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class CappedClient(PapermillNotebookClient):
        """A papermill client that stops keeping outputs past ``output_cap`` characters in total."""

        output_cap = 1_000_000

        def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
            used = getattr(self, "_used", 0) + _size(msg)
            self._used = used
            if used <= self.output_cap:
                return super().output(outs, msg, display_id, cell_index)
            if not getattr(self, "_noted", False):
                self._noted = True
                note = new_output("stream", name="stderr", text=TRUNCATED.format(cap=self.output_cap // 1000))
                outs.append(note)
            return None

    class GradeEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: float | None = None, **kwargs: Any) -> Any:
            cap = kwargs.pop("output_cap")
            kwargs.pop("managers").append(nb_man)  # lets the caller read the notebook even after a crash
            kwargs.pop("input_path", None)
            client = CappedClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                  kernel_name=kernel_name, log_output=False, **kwargs)
            client.output_cap = cap
            return client.execute()

    papermill_engines.register(ENGINE, GradeEngine)


def _kernel_manager(box: Box) -> Any:
    """A kernel manager whose kernel starts in ``box`` and uses IPC sockets in its folder."""
    from jupyter_client.manager import AsyncKernelManager

    kernel_dir = box.home / "kernel"

    class BoxedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            argv = super().format_kernel_cmd(extra_arguments) + ["--HistoryManager.enabled=False"]
            return wrap(argv, box)

    km = BoxedKernelManager(kernel_name="python3")
    km.transport = "ipc"
    km.ip = str(kernel_dir / "ipc")
    km.connection_file = str(kernel_dir / "connection.json")
    return km


@dataclass(frozen=True)
class BoxSpec:
    """What every box of a batch shares; :func:`kernel_for` makes a fresh box from it."""

    workroot: Path
    hide: tuple[Path, ...]
    memory_mb: int
    isolation: Any


# Kernels are launched from one long-lived thread: the box dies with the thread that forked it
# (its parent-death signal), so that thread must live as long as the worker.
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook-kernel-launcher")
_spare: dict[BoxSpec, Future[tuple[Box, Any]]] = {}


def _boot(spec: BoxSpec) -> tuple[Box, Any]:
    home = spec.workroot / secrets.token_hex(8)
    for sub in ("work", "export", "kernel", "ipython"):
        (home / sub).mkdir(parents=True)
    if (spec.workroot / "mpl").is_dir():  # a warm font cache: building one costs seconds
        shutil.copytree(spec.workroot / "mpl", home / "mpl")
    box = Box(home=home, cwd=home / "work", hide=spec.hide, memory_mb=spec.memory_mb, isolation=spec.isolation)
    km = _kernel_manager(box)
    try:
        asyncio.run(km.start_kernel(env=kernel_env(home), cwd=str(box.cwd)))
    except Exception:
        shutil.rmtree(home, ignore_errors=True)
        raise
    return box, km


def kernel_for(spec: BoxSpec) -> tuple[Box, Any]:
    """A started kernel in a fresh box, and the start of the next one: a worker's next submission
    finds its kernel booted while this one ran (kernel start-up is a second of the run otherwise)."""
    for other in [s for s in _spare if s != spec]:  # a spare from another batch: its folder is gone
        old_box, old_km = _spare.pop(other).result()
        kill(old_km)
    pending = _spare.pop(spec, None)
    try:
        box, km = pending.result() if pending else _LAUNCHER.submit(_boot, spec).result()
    except Exception:
        box, km = _LAUNCHER.submit(_boot, spec).result()
    if not _alive(km):
        kill(km)
        shutil.rmtree(box.home, ignore_errors=True)
        box, km = _LAUNCHER.submit(_boot, spec).result()
    _spare[spec] = _LAUNCHER.submit(_boot, spec)
    return box, km


@atexit.register
def discard_spares() -> None:
    """Kill this process's spare kernels and remove their folders (at exit, or after a batch run in
    this process)."""
    while _spare:
        try:
            box, km = _spare.popitem()[1].result()
        except Exception:
            continue
        kill(km)
        shutil.rmtree(box.home, ignore_errors=True)


def _alive(km: Any) -> bool:
    process = getattr(km.provisioner, "process", None)
    return process is not None and process.poll() is None


def kill(km: Any) -> None:
    """Kill a kernel's whole process group (the box), if it still runs."""
    pgid = getattr(km.provisioner, "pgid", None)
    if pgid and _alive(km):  # unreaped: the group id is still ours
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _cell_times(nb: Any) -> list[dict[str, Any]]:
    """Run time of each of the student's code cells; ``index`` counts the submission's own cells
    (the grader's cells and papermill's injected parameters are not counted)."""
    times, index = [], 0
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if tags & {GRADER_TAG, "injected-parameters", "papermill-error-cell-tag"}:
            continue
        meta = cell.metadata.get("papermill", {})
        if cell.cell_type == "code" and meta.get("duration") is not None:
            times.append({"index": index, "seconds": round(float(meta["duration"]), 3), "status": meta.get("status")})
        index += 1
    return times


def run(nb: Any, *, box: Box, km: Any, parameters: dict[str, Any], timeout_cell: float,
        timeout: float, output_cap: int) -> RunResult:
    """Execute ``nb`` with the started kernel ``km`` of ``box``, in this process (nothing is written
    where the kernel could reach it). The kernel is killed at the end."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _register_engine()
    watchdog_fired = threading.Event()
    managers: list[Any] = []

    def watchdog() -> None:
        watchdog_fired.set()
        kill(km)

    timer = threading.Timer(timeout, watchdog)
    status, message = "completed", ""
    timer.start()
    try:
        papermill.execute_notebook(
            nb, None, parameters=parameters, engine_name=ENGINE, kernel_name="python3",
            cwd=str(box.cwd), progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            start_timeout=60, execution_timeout=timeout_cell, output_cap=output_cap, km=km, managers=managers,
            allow_errors=True, interrupt_on_timeout=True, raise_on_iopub_timeout=False,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran past {timeout_cell:g} s",
                              "traceback": [f"CellTimeoutError: cell ran past {timeout_cell:g} s; interrupted"]},
        )
    except PapermillExecutionError:
        pass  # a student cell failed: expected, and already recorded in the notebook
    except (DeadKernelError, RuntimeError) as err:
        status, message = "kernel_died", f"the kernel died ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
    except Exception as err:  # keep the batch going, and say what it was
        status, message = "kernel_error", f"the run failed: {type(err).__name__}: {err}"
    finally:
        timer.cancel()
        kill(km)  # nothing the kernel started may outlive its grading
    if watchdog_fired.is_set():
        status, message = "timeout", f"the notebook ran past the {timeout:g} s limit and was stopped"
    executed = managers[0].nb if managers else nb
    in_kernel = sum(float(c.metadata.get("papermill", {}).get("duration") or 0) for c in executed.cells)
    return RunResult(nb=executed, status=status, message=message, cells=_cell_times(executed),
                     kernel_seconds=round(in_kernel, 3))
