"""Run one prepared submission with papermill in a fresh, boxed kernel; never raise on student code.

papermill parameterises and executes through a registered engine (``workbook-grade``) whose client
keeps going after a failing cell (nbclient's ``allow_errors``), interrupts a cell that runs past the
per-cell timeout (the cell gets an error, the next cell runs), and caps the size of the outputs it
keeps. A watchdog kills the kernel's process group at the whole-notebook timeout. The kernel starts
through :mod:`workbook.sandbox` and talks to us over ZeroMQ IPC sockets in its own folder.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    seconds: float = 0.0
    cells: list[dict[str, Any]] = field(default_factory=list)


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
            kwargs.pop("input_path", None)
            client = CappedClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                  kernel_name=kernel_name, log_output=False, **kwargs)
            client.output_cap = cap
            return client.execute()

    papermill_engines.register(ENGINE, GradeEngine)


def _kernel_manager(box: Box) -> type:
    """A kernel manager class whose kernels start in ``box`` and use IPC sockets in its folder."""
    from jupyter_client.manager import AsyncKernelManager

    kernel_dir = box.home / "kernel"

    class BoxedKernelManager(AsyncKernelManager):
        started: list[Any] = []

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(kernel_dir / "ipc")
            self.connection_file = str(kernel_dir / "connection.json")
            BoxedKernelManager.started.append(self)

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            argv = super().format_kernel_cmd(extra_arguments) + ["--HistoryManager.enabled=False"]
            return wrap(argv, box)

    return BoxedKernelManager


def _kill_group(manager_class: type) -> None:
    for km in manager_class.started:
        process = getattr(km.provisioner, "process", None)
        pgid = getattr(km.provisioner, "pgid", None)
        if process is not None and pgid and process.poll() is None:  # unreaped: the group id is still ours
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _cell_times(nb: Any) -> list[dict[str, Any]]:
    times = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("papermill", {})
        if cell.cell_type == "code" and meta.get("duration") is not None:
            times.append({"index": index, "seconds": round(float(meta["duration"]), 3), "status": meta.get("status")})
    return times


def run(nb: Any, *, box: Box, output: Path, parameters: dict[str, Any], timeout_cell: float,
        timeout: float, output_cap: int) -> RunResult:
    """Execute ``nb`` in ``box``; the executed notebook is written to ``output`` (outside the box)."""
    import nbformat
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _register_engine()
    manager_class = _kernel_manager(box)
    for sub in ("kernel", "ipython", "mpl"):
        (box.home / sub).mkdir(parents=True, exist_ok=True)
    watchdog_fired = threading.Event()

    def watchdog() -> None:
        watchdog_fired.set()
        _kill_group(manager_class)

    timer = threading.Timer(timeout, watchdog)
    saved_env = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env(box.home))
    start = time.perf_counter()
    status, message = "completed", ""
    timer.start()
    try:
        papermill.execute_notebook(
            nb, str(output), parameters=parameters, engine_name=ENGINE, kernel_name="python3",
            cwd=str(box.cwd), progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            start_timeout=60, execution_timeout=timeout_cell, output_cap=output_cap,
            allow_errors=True, interrupt_on_timeout=True, raise_on_iopub_timeout=False,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran past {timeout_cell:g} s",
                              "traceback": [f"CellTimeoutError: cell ran past {timeout_cell:g} s; interrupted"]},
            kernel_manager_class=manager_class, shutdown_kernel="immediate",
        )
    except PapermillExecutionError:
        pass  # a student cell failed: expected, and already recorded in the notebook
    except (DeadKernelError, RuntimeError) as err:
        status, message = "kernel_died", f"the kernel died ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
    except Exception as err:  # keep the batch going, and say what it was
        status, message = "kernel_error", f"the run failed: {type(err).__name__}: {err}"
    finally:
        timer.cancel()
        _kill_group(manager_class)  # nothing the kernel started may outlive its grading
        os.environ.clear()
        os.environ.update(saved_env)
    seconds = time.perf_counter() - start
    if watchdog_fired.is_set():
        status, message = "timeout", f"the notebook ran past the {timeout:g} s limit and was stopped"
    try:
        executed = nbformat.read(output, as_version=4)
    except (OSError, ValueError):
        executed = nb
    if status == "completed":
        died = [c for c in executed.cells if c.metadata.get("papermill", {}).get("exception")
                and any(o.get("ename") == "DeadKernelError" for o in c.get("outputs", []))]
        if died:
            status, message = "kernel_died", "the kernel died"
    return RunResult(nb=executed, status=status, message=message, seconds=seconds, cells=_cell_times(executed))
