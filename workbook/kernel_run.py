"""Run one prepared submission with papermill in a fresh, boxed kernel; never raise on student code.

papermill parameterises and executes through a registered engine (``workbook-grade``) whose nbclient
client keeps going after a failing cell (``allow_errors``), interrupts a cell that runs past the
per-cell timeout (the cell gets an error, the next cell runs), and bounds what the kernel can send:

* every output path counts against one cap while it streams (stream, display, ``update_display``,
  errors); past the cap nothing more is kept, and widget state is never stored;
* a single message is as large as the kernel can make it, and the kernel's address space is capped
  (``--memory``); the message is then cut at the cap like any output. (A ZeroMQ size limit on the
  socket would not help the learner: the socket drops the connection with the message, and every
  later output and answer of the run is lost; ``attack_one_huge_message`` keeps its points);
* nothing a grader cell (the export) produces is kept or applied, except the one answer payload each
  export cell must send, which is taken out (see :mod:`workbook.export`);
* the kernel's own stdout/stderr file descriptors go nowhere, never to the grader's terminal.

A watchdog kills the kernel's box at the whole-notebook timeout. Interrupts are sent as a control
message (the kernel signals itself), so they reach the kernel in any box. The kernel starts through
:mod:`workbook.sandbox` and talks to us over ZeroMQ IPC sockets in its own folder. Each worker
process keeps one spare kernel booting in a fresh box, so a submission rarely waits for a kernel.
This module keeps per-process state (the spare kernel); :mod:`workbook.worker` runs it in a process
that grades one submission at a time.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .export import GRADER_TAG
from .kernel_export import MIME
from .sandbox import (KERNEL_UID, SCRATCH_MB, SHM_MB, TMP_MB, Box, holds_zygote, kernel_env, runtime_under_tmp, wrap,
                      zygote_argv)

ENGINE = "workbook-grade"
WARM_SWITCH = "WORKBOOK_WARM_KERNELS"  # "0": every kernel starts cold (a baseline, or a way out)
TRUNCATED = "\n[output truncated by the grader: this notebook's outputs passed {cap} kB]\n"
KEPT = ("status", "execute_input")  # the only messages processed from a grader cell, or past the cap


@dataclass
class RunState:
    """What the client saw during a run, beyond the notebook: filled in while the cells execute."""

    nonces: dict[str, str]  # qid -> nonce of its export cell
    answers: dict[str, Any] = field(default_factory=dict)  # qid -> payload data as sent
    stray: list[str] = field(default_factory=list)  # answer payloads outside their export cell
    started: list[int] = field(default_factory=list)  # cells sent to the kernel, in order
    begun: list[int] = field(default_factory=list)  # cells the kernel said it began (execute_input)
    finished: set[int] = field(default_factory=set)
    replies: dict[int, str] = field(default_factory=dict)  # cell index -> ename of a failed reply
    used: int = 0
    truncated: bool = False
    box: Box | None = None


@dataclass
class RunResult:
    """How a run ended: ``completed``, ``timeout``, ``kernel_died``, or ``kernel_error`` (the kernel
    broke the messaging protocol, e.g. a student patched ``json``, or the grader itself failed)."""

    nb: Any
    status: str
    state: RunState
    message: str = ""
    cells: list[dict[str, Any]] = field(default_factory=list)
    kernel_seconds: float = 0.0
    forked: bool = False  # the kernel was forked from a warm zygote (not started cold)

    @property
    def culprit(self) -> int | None:
        """Index (in the run's notebook) of the cell that stopped the kernel, if one did. A dead
        kernel never replied to the cell it died in (its last messages may never have left it); a
        hung kernel never begins the cells nbclient queues behind it after a per-cell timeout, so
        it is the last cell the kernel said it began."""
        if self.status == "kernel_died":
            sent = [i for i in self.state.started if i not in self.state.finished]
            return sent[0] if sent else None
        if self.status == "timeout":
            return self.state.begun[-1] if self.state.begun else None
        return None


def _size(msg: dict[str, Any]) -> int:
    content = msg.get("content", {})
    parts = [content.get("text", "")] + [str(v) for v in content.get("data", {}).values()] \
        + [str(t) for t in content.get("traceback", [])] + [str(content.get("evalue", ""))]
    data = content.get("data")
    if msg.get("msg_type", "").startswith("comm") and isinstance(data, dict):
        parts.append(str(data))
    return sum(len(p) for p in parts) + sum(len(b) for b in msg.get("buffers") or [])


def grader_cell(cell: Any) -> dict[str, Any] | None:
    """The grader's marker on a cell it added (``{"export": qid}`` or ``{"prelude": True}``)."""
    if GRADER_TAG not in cell.metadata.get("tags", []):
        return None
    return cell.metadata.get("workbook_grader", {})


def _register_engine() -> None:
    """Register the grading engine with papermill (idempotent; runs in each worker process)."""
    from nbformat.v4 import new_output
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class CappedClient(PapermillNotebookClient):
        """A papermill client that keeps outputs only up to ``state``'s cap and takes the answers out."""

        def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
            state: RunState = self.workbook_state
            kind = msg.get("msg_type", "")
            marker = grader_cell(cell)
            if kind == "execute_input":
                state.begun.append(cell_index)
            if kind in ("display_data", "execute_result") and MIME in msg.get("content", {}).get("data", {}):
                payload = msg["content"]["data"][MIME]
                qid = (marker or {}).get("export")
                if qid is not None and qid not in state.answers:
                    state.answers[qid] = payload
                else:  # a second payload, or one from a student cell: never an answer
                    state.stray.append(str(qid or f"cell {cell_index}"))
                return None
            if marker is not None and kind not in KEPT:
                return None  # nothing the export shows or updates reaches the notebook
            state.used += _size(msg)
            if state.used > self.workbook_cap and kind not in KEPT:
                if not state.truncated:
                    state.truncated = True
                    cell.outputs.append(new_output("stream", name="stderr", text=TRUNCATED.format(cap=self.workbook_cap // 1000)))
                return None
            return super().process_message(msg, cell, cell_index)

    class GradeEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: float | None = None, **kwargs: Any) -> Any:
            cap, state = kwargs.pop("output_cap"), kwargs.pop("state")
            kwargs.pop("managers").append(nb_man)  # lets the caller read the notebook even after a crash
            kwargs.pop("input_path", None)

            def began(cell: Any, cell_index: int) -> None:
                if not state.started:
                    seal(state.box)  # the kernel is up: its sockets exist, it needs no new file there
                state.started.append(cell_index)

            def ended(cell: Any, cell_index: int, execute_reply: Any) -> None:
                state.finished.add(cell_index)
                content = (execute_reply or {}).get("content", {})
                if content.get("status") != "ok":
                    state.replies[cell_index] = str(content.get("ename") or content.get("status") or "")

            client = CappedClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                  kernel_name=kernel_name, log_output=False, store_widget_state=False,
                                  on_cell_execute=began, on_cell_executed=ended, **kwargs)
            client.workbook_cap, client.workbook_state = cap, state
            return client.execute()

    papermill_engines.register(ENGINE, GradeEngine)


def _kernel_manager(box: Box, zygote: Zygote | None = None) -> Any:
    """A kernel manager whose kernel starts in ``box`` (cold, or forked by ``zygote``), uses IPC
    sockets in its folder, refuses oversized messages, and is interrupted by a control message."""
    import zmq.asyncio
    from jupyter_client.manager import AsyncKernelManager

    kernel_dir = box.home / "kernel"

    class BoxedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            if zygote is not None:
                return zygote.kernel_command(self.connection_file, kernel_dir, box.memory_mb)
            argv = super().format_kernel_cmd(extra_arguments) + ["--HistoryManager.enabled=False"]
            return wrap(argv, box)

        async def _async_interrupt_kernel(self) -> None:
            # A signal to the launcher's process group may never reach a kernel inside a box with its
            # own session; ipykernel answers this message by signalling itself.
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

        interrupt_kernel = _async_interrupt_kernel

        def client(self, **kwargs: Any) -> Any:
            # the client's sockets come from this manager's context (its reconnect interval; one
            # context to close in :func:`discard`), not from a fresh context per client
            return super().client(**{"context": self.context, **kwargs})

    context = zmq.asyncio.Context()
    # a client usually connects before the new kernel has made its sockets: retry every 10 ms, not
    # ZeroMQ's default 100 ms (a tenth of a second of every kernel start)
    context.setsockopt(zmq.RECONNECT_IVL, 10)
    km = BoxedKernelManager(kernel_name="python3", context=context)
    from .kernel_client import ReadyClient

    km.client_factory = ReadyClient  # ready without jupyter_client's fixed 0.2 s IOPub drain (twice per submission)
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
    preload: tuple[str, ...] = ()  # modules a warm kernel has imported before the submission starts


class Zygote:
    """A pre-imported interpreter in a bwrap box that forks each kernel into a fresh box of its own
    (:mod:`workbook.zygote`). One per worker process and :class:`BoxSpec`."""

    START_SECONDS = 120.0

    def __init__(self, spec: BoxSpec) -> None:
        self.root = spec.workroot / f"zygote-{secrets.token_hex(4)}"
        self.kernels = self.root / "kernels"
        self.kernels.mkdir(parents=True)
        if (spec.workroot / "mpl").is_dir():  # the warm font cache, copied into the box
            shutil.copytree(spec.workroot / "mpl", self.root / "mpl")
        self.control = self.kernels / "control.sock"
        self.box = Box(home=self.root, cwd=self.root / "h", hide=spec.hide, memory_mb=spec.memory_mb,
                       isolation=spec.isolation, shared=("kernels",))
        self.keep = [str(p) for p in runtime_under_tmp(self.box)]  # what each kernel carries across its fresh /tmp
        argv = zygote_argv([sys.executable, "-m", "workbook.zygote", str(self.control), json.dumps(list(spec.preload))],
                           self.box)
        if argv is None:
            raise RuntimeError("this box cannot hold a zygote")
        self._log = tempfile.TemporaryFile()
        env = kernel_env(self.box.cwd)
        self.process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                        start_new_session=True)
        deadline = time.monotonic() + self.START_SECONDS
        while not self.control.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self._log.seek(0)
                tail = self._log.read()[-300:].decode("utf-8", "replace").strip().splitlines()
                raise RuntimeError(f"the kernel zygote did not start ({tail[-1] if tail else 'no output'})")
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kernel_command(self, connection_file: str, kernel_dir: Path, memory_mb: int) -> list[str]:
        """The stub's command line that asks this zygote for a kernel on ``connection_file``."""
        home = kernel_dir.parent  # the same layout as a cold box: home/kernel, home/work
        request = {"connection_file": connection_file, "kernels": str(self.kernels),
                   "home": str(home), "cwd": str(home / "work"), "env": kernel_env(home), "uid": KERNEL_UID,
                   "memory_mb": memory_mb, "scratch_mb": SCRATCH_MB, "tmp_mb": TMP_MB, "shm_mb": SHM_MB,
                   "keep": self.keep}
        stub = Path(__file__).with_name("kernel_stub.py")
        return [sys.executable, "-I", "-S", str(stub), str(self.control), json.dumps(request)]

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


# Kernels are launched from one long-lived thread: the box dies with the thread that forked it
# (its parent-death signal), so that thread must live as long as the worker.
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook-kernel-launcher")
_spare: dict[BoxSpec, Future[tuple[Box, Any]]] = {}
_zygotes: dict[BoxSpec, Zygote] = {}
_cold: set[BoxSpec] = set()  # specs whose zygote failed: their kernels start cold


def _zygote(spec: BoxSpec) -> Zygote | None:
    """This worker's zygote for ``spec`` (started on first use), or None where kernels start cold."""
    if spec in _cold or not holds_zygote(spec.isolation) or os.environ.get(WARM_SWITCH, "1") == "0":
        return None
    zygote = _zygotes.get(spec)
    if zygote is not None and not zygote.alive():
        zygote.stop()
        zygote = None
    if zygote is None:
        for other in [s for s in _zygotes if s != spec]:  # another batch's: its folder is going
            _zygotes.pop(other).stop()
        zygote = _zygotes[spec] = Zygote(spec)
    return zygote


def _boot(spec: BoxSpec) -> tuple[Box, Any]:
    try:
        return _boot_in(spec, _zygote(spec))
    except Exception:
        if spec in _cold:
            raise
        _cold.add(spec)  # a zygote that cannot fork a working kernel: this worker's kernels start cold
        return _boot_in(spec, None)


def _boot_in(spec: BoxSpec, zygote: Zygote | None) -> tuple[Box, Any]:
    home = (zygote.kernels if zygote else spec.workroot) / secrets.token_hex(8)
    for sub in ("work", "kernel", "ipython"):
        (home / sub).mkdir(parents=True)
    if zygote is None and (spec.workroot / "mpl").is_dir():  # a warm font cache: building one costs seconds
        shutil.copytree(spec.workroot / "mpl", home / "mpl")
    box = Box(home=home, cwd=home / "work", hide=spec.hide, memory_mb=spec.memory_mb, isolation=spec.isolation)
    km = _kernel_manager(box, zygote)
    km.workbook_forked = zygote is not None
    try:
        asyncio.run(km.start_kernel(env=kernel_env(home), cwd=str(box.cwd),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
        if zygote is not None:
            asyncio.run(_ready(km))
    except Exception:
        discard(km)
        shutil.rmtree(home, ignore_errors=True)
        raise
    return box, km


async def _ready(km: Any, timeout: float = 60.0) -> None:
    """Wait until a forked kernel answers (it fails fast when the zygote could not make its box)."""
    client = km.client()
    client.start_channels()
    try:
        deadline = time.monotonic() + timeout
        while True:
            if not _alive(km):
                raise RuntimeError("the forked kernel exited before it answered")
            try:
                await client.wait_for_ready(timeout=min(2.0, max(0.1, deadline - time.monotonic())))
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
    finally:
        client.stop_channels()


def boot_ahead(spec: BoxSpec) -> None:
    """Start booting a kernel for ``spec`` now (unless one is already booting), for the next
    :func:`kernel_for` to take."""
    if spec not in _spare:
        _spare[spec] = _LAUNCHER.submit(_boot, spec)


def kernel_for(spec: BoxSpec) -> tuple[Box, Any]:
    """A started kernel in a fresh box, and the start of the next one: a worker's next submission
    finds its kernel booted while this one ran (kernel start-up is a second of the run otherwise)."""
    for other in [s for s in _spare if s != spec]:  # a spare from another batch: its folder is gone
        old_box, old_km = _spare.pop(other).result()
        discard(old_km)
    pending = _spare.pop(spec, None)
    try:
        box, km = pending.result() if pending else _LAUNCHER.submit(_boot, spec).result()
    except Exception:
        box, km = _LAUNCHER.submit(_boot, spec).result()
    if not _alive(km):
        discard(km)
        shutil.rmtree(box.home, ignore_errors=True)
        box, km = _LAUNCHER.submit(_boot, spec).result()
    _spare[spec] = _LAUNCHER.submit(_boot, spec)
    return box, km


@atexit.register
def discard_spares() -> None:
    """Kill this process's spare kernels and zygotes and remove their folders (at exit, or after a batch)."""
    while _spare:
        try:
            box, km = _spare.popitem()[1].result()
        except Exception:
            continue
        discard(km)
        shutil.rmtree(box.home, ignore_errors=True)
    while _zygotes:
        _zygotes.popitem()[1].stop()


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


def discard(km: Any) -> None:
    """Kill the kernel and close every socket of its manager and clients now (they share one
    context): a ZeroMQ context left to the garbage collector is closed in whatever thread collects
    it, and pyzmq's ``term`` there can block that thread for good (seen after a few kernels)."""
    kill(km)
    context = getattr(km, "context", None)
    if context is not None and not context.closed:
        context.destroy(linger=0)


def seal(box: Box | None) -> None:
    """Close the box's one host folder (ZeroMQ sockets, connection file) to the kernel once it has
    started: as root with bwrap the kernel runs as another user, so handing the folder and its
    files back to root leaves it nothing on the host it can write (the sockets stay connectable)."""
    if box is None or os.geteuid() != 0 or getattr(box.isolation, "tool", "") != "bwrap":
        return
    folder = box.home / "kernel"
    for path in [folder, *folder.iterdir()]:
        if not path.is_symlink():
            os.chown(path, 0, 0)
            os.chmod(path, 0o755 if path.is_dir() else 0o644 if path.is_file() else path.stat().st_mode & 0o777)


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


def run(nb: Any, *, box: Box, km: Any, parameters: dict[str, Any], nonces: dict[str, str], timeout_cell: float,
        timeout: float, output_cap: int) -> RunResult:
    """Execute ``nb`` with the started kernel ``km`` of ``box``, in this process (nothing is written
    where the kernel could reach it). The kernel is killed at the end."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _register_engine()
    watchdog_fired = threading.Event()
    managers: list[Any] = []
    state = RunState(nonces=dict(nonces), box=box)

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
            start_timeout=60, execution_timeout=timeout_cell, output_cap=output_cap, state=state, km=km,
            managers=managers, allow_errors=True, interrupt_on_timeout=True, raise_on_iopub_timeout=False,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran past {timeout_cell:g} s",
                              "traceback": [f"CellTimeoutError: cell ran past {timeout_cell:g} s; interrupted"]},
        )
    except PapermillExecutionError:
        pass  # a student cell failed: expected, and already recorded in the notebook
    except (DeadKernelError, RuntimeError) as err:
        status, message = "kernel_died", f"the kernel died ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
    except Exception as err:  # keep the batch going, and say what it was
        status, message = "kernel_error", f"the run failed: {type(err).__name__}: {str(err)[:300]}"
    finally:
        timer.cancel()
        kill(km)  # nothing the kernel started may outlive its grading
    if watchdog_fired.is_set():
        status, message = "timeout", f"the notebook ran past the {timeout:g} s limit and was stopped"
    executed = managers[0].nb if managers else nb
    in_kernel = sum(float(c.metadata.get("papermill", {}).get("duration") or 0) for c in executed.cells)
    return RunResult(nb=executed, status=status, state=state, message=message, cells=_cell_times(executed),
                     kernel_seconds=round(in_kernel, 3), forked=getattr(km, "workbook_forked", False))
