"""Grade on a Dask cluster: connect to a scheduler, look at its workers, and submit to them.

The grader's client sends each task to the cluster as data (the submission's bytes, the key, the
released notebook, the key's helper modules; see :class:`workbook.grade.Task`) and gets back the
record and the feedback page; no worker needs the course files or a shared file system, only this
package installed. Each Dask worker process grades one submission at a time in its own grading
process (:func:`workbook.worker.grade_payload_alone`), whatever its thread count. A worker that dies
mid-task loses only its in-flight tasks: the scheduler runs them again on another worker.
"""

from __future__ import annotations

import socket
from concurrent.futures import Executor
from typing import Any

CONNECT_SECONDS = 10.0


class ClusterError(RuntimeError):
    """The cluster cannot be used; the message says which scheduler and why, in one line."""


def connect(address: str, *, timeout: float = CONNECT_SECONDS) -> Any:
    """A ``distributed.Client`` connected to ``address`` (``tcp://HOST:PORT``) with at least one worker."""
    try:
        from distributed import Client
    except ImportError as err:  # pragma: no cover - a dependency of this package
        raise ClusterError(f"{address}: dask.distributed is not installed ({err})") from None
    if "://" not in address:
        raise ClusterError(f"{address}: a scheduler address looks like tcp://HOST:PORT")
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise ClusterError(f"{address}: no Dask scheduler answered within {timeout:g} s ({type(err).__name__})") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(f"{address}: the scheduler has no worker (start `dask worker {address}` on a machine)") from None
    return client


def is_dask(executor: Executor | None) -> bool:
    """True for a Dask client's executor (``client.get_executor()``)."""
    return executor is not None and type(executor).__module__.startswith("distributed")


def slots(executor: Executor) -> int:
    """How many submissions a Dask executor grades at once: one per worker process."""
    client = getattr(executor, "_client", None)
    return max(1, len(client.scheduler_info().get("workers", {}))) if client is not None else 1


def _describe_worker(memory_mb: int) -> dict[str, Any]:
    """Run on each Dask worker: its host name and the best box it can give."""
    from .sandbox import probe

    box = probe(memory_mb)
    return {"host": socket.gethostname(), "level": box.level, "tool": box.tool, "warnings": list(box.warnings)}


def describe_workers(executor: Executor, memory_mb: int) -> dict[str, dict[str, Any]]:
    """Worker address -> its host and isolation (the sandbox probe runs on every worker)."""
    client = getattr(executor, "_client", None)
    if client is None:
        return {}
    return client.run(_describe_worker, memory_mb)
