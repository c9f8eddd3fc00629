"""Execute a notebook headless with papermill, and read back the checks it showed."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .check import MIME

KERNEL = "python3"


@contextmanager
def _environ(extra: dict[str, str] | None) -> Iterator[None]:
    """Set environment variables for the kernel about to start (it inherits ours), then restore."""
    saved = {k: os.environ.get(k) for k in (extra or {})}
    os.environ.update(extra or {})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute_notebook(path: Path, *, output: Path | None = None, parameters: dict[str, Any] | None = None,
                     cwd: Path | None = None, timeout_cell: float | None = 120,
                     env: dict[str, str] | None = None) -> Any:
    """Run ``path`` top to bottom in a fresh kernel; return the executed nbformat node.

    Raises papermill's PapermillExecutionError on the first failing cell (tests want that); the grader
    uses its own tolerant run.
    """
    import papermill

    path = Path(path)
    with _environ(env):
        return papermill.execute_notebook(
            str(path), str(output) if output else None, parameters=parameters or {},
            cwd=str(cwd or path.parent), kernel_name=KERNEL, execution_timeout=timeout_cell,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        )


def check_results(nb: Any) -> list[dict[str, Any]]:
    """Every check result a notebook's outputs show, in order: ``{"qid", "status", "score"}``."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if MIME in data:
                found.append(dict(data[MIME]))
    return found


def error_outputs(nb: Any) -> list[str]:
    """The ``ename: evalue`` of every error output in an executed notebook."""
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells for o in c.get("outputs", [])
            if o.get("output_type") == "error"]
