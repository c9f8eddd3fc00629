"""Grade one submission, inside a worker process (``workbook.worker``): run it boxed, export its
answers one question at a time, judge them, and build the feedback page.

The process grades one submission at a time and keeps its own state here: the isolation it probed
(per memory cap), its private work folder under /tmp with a warm matplotlib cache, and the key's
helper modules, shipped as source with each task. It writes nothing outside that folder: the record
and the page go back to the grader, which writes the results folder.

A run that a cell kills or hangs is run again without that cell (at most ``MAX_RUNS`` runs); when
the culprit is a question's own export (a function that never returns or calls ``os._exit``),
the run is repeated without that export, so only that question is lost.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from .font_cache import font_cache
from .grade import MAX_RUNS, Task, capped_isolation, record_without_run
from .submissions import InvalidSubmission, read_notebook

_WORKER: dict[str, Any] = {}  # this worker process's isolation (per memory cap), work folder, helper folder


def warm_worker() -> None:
    """Import the heavy libraries once per worker process, not once per submission."""
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401

    from . import handouts, judge, kernel_run, report  # noqa: F401

    handouts.offline_exporter("en")  # loading the HTML templates costs a second: pay it before the first submission


def prepare(task: Task) -> None:
    """Before this worker's first submission: probe its box, make its folder, and start its first
    kernel booting (in the kernel launcher's thread, with the zygote it needs), so that the worker's
    own imports and the kernel's start overlap. A failure here is left for the grading to report."""
    from . import kernel_run

    try:
        isolation, workroot = _worker_env(task)
        kernel_run.boot_ahead(box_spec(task, isolation, workroot))
    except Exception:  # noqa: BLE001 - grade_submission meets it again and records it
        pass


def box_spec(task: Task, isolation: Any, workroot: Path) -> Any:
    """What every kernel of ``task``'s batch shares on this worker (see :class:`kernel_run.BoxSpec`)."""
    from . import kernel_run

    hide = tuple(p for p in task.hide if p.is_dir())  # the grader's folders; on another machine they may not exist
    return kernel_run.BoxSpec(workroot, hide, task.options.memory_mb, isolation, task.preload)


def cleanup_worker() -> None:
    """Remove this worker's folders and kernels (at its end)."""
    from .kernel_run import discard_spares

    discard_spares()
    if "workroot" in _WORKER:
        shutil.rmtree(_WORKER["workroot"], ignore_errors=True)


def _owner_alive(workroot: Path) -> bool:
    """False only for a work folder whose owner process is gone (another user's folder counts as alive)."""
    try:
        if not (workroot / "owner.pid").exists():  # just created by another worker, or very old
            return time.time() - workroot.stat().st_mtime < 3600
        os.kill(int((workroot / "owner.pid").read_text()), 0)
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    return True


def _new_workroot(isolation: Any) -> Path:
    """The worker's private folder (under /tmp, which every boxed kernel sees replaced by its own)."""
    parent = Path("/tmp" if isolation.level == "full" else tempfile.gettempdir())
    for stale in parent.glob("wb-grade-*"):  # left by a worker killed with SIGKILL
        if not _owner_alive(stale):
            shutil.rmtree(stale, ignore_errors=True)
    workroot = Path(tempfile.mkdtemp(prefix="wb-grade-", dir=parent))
    (workroot / "owner.pid").write_text(str(os.getpid()))
    # a warm matplotlib font cache to copy into each box: a kernel that builds its own spends seconds on it
    try:
        shutil.copytree(font_cache(), workroot / "mpl", ignore=shutil.ignore_patterns("done"))
    except (OSError, RuntimeError, subprocess.SubprocessError):
        pass  # the kernels build their own, slowly, as they would without the grader
    return workroot


def _worker_env(task: Task) -> tuple[Any, Path]:
    """This worker's isolation for the task's memory cap (the grader's own probe when the task brings it,
    from a grader on this machine; else probed here, once) and its work folder."""
    from .sandbox import probe

    isolations = _WORKER.setdefault("isolation", {})
    wanted = (task.options.memory_mb, task.options.isolation)
    if wanted not in isolations:
        isolations[wanted] = task.probed or capped_isolation(probe(task.options.memory_mb), task.options.isolation)
    isolation = isolations[wanted]
    if "workroot" not in _WORKER:
        _WORKER["workroot"] = _new_workroot(isolation)
    return isolation, _WORKER["workroot"]


def _use_helpers(helpers: tuple[tuple[str, str], ...], workroot: Path) -> None:
    """Make the key's helper modules (shipped as source) importable in this worker."""
    if not helpers:
        return
    tag = hashlib.sha256(json.dumps(helpers).encode()).hexdigest()[:16]
    folder = workroot / f"helpers-{tag}"
    if _WORKER.get("helpers") == folder:
        return
    folder.mkdir(exist_ok=True)
    for name, source in helpers:
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
        sys.modules.pop(name, None)  # another batch's module of that name
    if _WORKER.get("helpers") in sys.path:
        sys.path.remove(_WORKER["helpers"])
    sys.path.insert(0, str(folder))
    _WORKER["helpers"] = str(folder)
    importlib.invalidate_caches()


def grade_submission(task: Task) -> dict[str, Any]:
    """Grade one submission in this (worker) process: ``{"record", "page"}`` (the feedback page's
    HTML or None). Never raises; never writes outside the worker's own folder."""
    try:
        isolation, workroot = _worker_env(task)
        _use_helpers(task.helpers, workroot)
        return _grade(task, isolation, workroot, time.perf_counter())
    except Exception as err:  # the grader's own bug must cost one record, not the batch
        where = traceback.extract_tb(err.__traceback__)[-1]
        return {"page": None, "record": record_without_run(
            task.sub, task.key, status="error", digest=task.digest, seed=task.seed, lang=task.options.lang,
            reason=f"grader error: {type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})")}


def _prepare(nb: Any, plan: dict[str, Any], skipped: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The submission with the grader's prelude first and one export cell per question last (none
    for the ``skipped`` questions); returns it and the nonce of each export cell."""
    import nbformat

    from .export import GRADER_TAG, export_cells

    prelude, exports = export_cells({q: item for q, item in plan.items() if q not in skipped})
    for cell in nb.cells:  # a student's copy of a grader cell must not hide their own work
        tags = cell.metadata.get("tags", [])
        if GRADER_TAG in tags:
            cell.metadata["tags"] = [t for t in tags if t != GRADER_TAG]
    first = nbformat.v4.new_code_cell(prelude, metadata={"tags": [GRADER_TAG], "workbook_grader": {"prelude": True}})
    last = [nbformat.v4.new_code_cell(e.source, metadata={"tags": [GRADER_TAG], "workbook_grader": {"export": e.qid}})
            for e in exports]
    nb.cells = [first, *nb.cells, *last]
    return nb, {e.qid: e.nonce for e in exports}


def _attempt(task: Task, nb: Any, plan: dict[str, Any], skipped: dict[str, Any], isolation: Any,
             workroot: Path) -> Any:
    """One boxed run of ``nb`` (a copy is prepared)."""
    from . import kernel_run

    opts = task.options
    box, km = kernel_run.kernel_for(box_spec(task, isolation, workroot))
    try:
        prepared, nonces = _prepare(copy.deepcopy(nb), plan, skipped)
        return kernel_run.run(prepared, box=box, km=km, parameters={"grading": True, "seed": task.seed, "lang": opts.lang},
                              nonces=nonces, timeout_cell=opts.timeout_cell, timeout=opts.timeout,
                              output_cap=opts.output_kb * 1000)
    finally:
        kernel_run.discard(km)
        shutil.rmtree(box.home, ignore_errors=True)


def _culprit(run: Any) -> tuple[str, Any] | None:
    """What stopped a run that died or hung: ``("cell", index in the submission)`` or
    ``("export", qid)``; None when it was nothing a rerun could skip."""
    index = run.culprit
    if index is None:
        return None
    marker = run.nb.cells[index].metadata.get("workbook_grader", {})
    if "export" in marker:
        return "export", marker["export"]
    if "index" in marker:
        return "cell", marker["index"]
    return None


def _answers(run: Any, skipped: dict[str, tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    """Each question's exported answer (or why there is none), and at most one tamper flag that
    sums up what was wrong with the export."""
    from .export import parse_payload
    from .kernel_run import grader_cell

    answers: dict[str, Any] = {}
    problems = [f"an answer payload came from outside its export cell ({where})" for where in dict.fromkeys(run.state.stray)]
    cells = {m["export"]: (i, c) for i, c in enumerate(run.nb.cells) if "export" in (m := grader_cell(c) or {})}
    for qid, (index, cell) in cells.items():
        if qid in run.state.answers:
            answer, why = parse_payload(run.state.answers[qid], nonce=run.state.nonces[qid], qid=qid)
            if answer is None:
                problems.append(f"{qid}: {why}")
                answers[qid] = {"rejected": f"{why}; the export was tampered with"}
            else:
                answers[qid] = answer
        elif index not in run.state.finished:
            answers[qid] = {"not_exported": "the notebook stopped before this answer was exported"}
        else:
            ename = run.state.replies.get(index, "")
            if ename in ("CellTimeoutError", "KeyboardInterrupt"):
                answers[qid] = {"timeout": "the answer did not finish exporting within the per-cell time limit "
                                           "(a function that does not return?); it was stopped"}
            else:
                answers[qid] = {"not_exported": f"the export of this answer failed ({ename or 'no answer was sent'})"}
    for qid, (status, why) in skipped.items():
        answers[qid] = {status: why}
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return answers, [f"the export was tampered with: {problems[0]}{more}"] if problems else []


def _grade(task: Task, isolation: Any, workroot: Path, started: float) -> dict[str, Any]:
    import nbformat

    from . import judge, report, tamper
    from .export import plan_of
    from .kinds import manual

    sub, opts, key = task.sub, task.options, task.key
    editions = [nbformat.reads(text, as_version=4) for text in task.released]
    try:
        nb = read_notebook(sub, editions[0])  # the editions differ in their Markdown only
    except InvalidSubmission as err:
        return {"page": None, "record": record_without_run(sub, key, status="invalid", reason=str(err), digest=task.digest,
                                                seed=task.seed, lang=opts.lang)}
    changes = min((tamper.locked_changes(e, nb) for e in editions), key=len)  # against the edition it came from
    hidden = {str(q): judge.hidden_cases(s, task.seed) for q, s in key["questions"].items()}
    plan = plan_of(key, hidden)
    for index, cell in enumerate(nb.cells):
        cell.metadata["workbook_grader"] = {"index": index}  # to name a fatal cell after the run
    skipped: dict[str, tuple[str, str]] = {}  # qid -> (status, why): its export stopped a run
    notes: list[str] = []
    first = None
    for _ in range(MAX_RUNS):
        run = _attempt(task, nb, plan, skipped, isolation, workroot)
        first = first or run
        culprit = _culprit(run)
        if culprit is None:
            break
        # run again without what killed or hung the kernel, so the rest still earns credit; the
        # status keeps saying what happened
        what, which = culprit
        if what == "export":
            skipped[which] = (run.status, "exporting this answer " + ("killed the kernel" if run.status == "kernel_died"
                                                                     else "hung the kernel past the notebook limit"))
            notes.append(f"{which}: its export {'killed' if run.status == 'kernel_died' else 'hung'} the kernel; graded again without it")
        else:
            nb.cells[which].source = f"# skipped by the grader: this cell stopped the notebook ({run.status})"
            notes.append(f"the cause was cell {which} (counting from 0): graded again with it skipped")
    status, reason = ("graded", "") if first.status == "completed" else (first.status, first.message)
    if run.status not in ("completed",) and run is not first:
        notes.append(f"the last run ended too: {run.message}")
    answers, flags = _answers(run, skipped)
    verdicts = [v.to_dict() for v in judge.judge(key, answers, seed=task.seed, hidden=hidden, lang=opts.lang)]
    manual.attach_figure(run.nb, verdicts, key["prefix"])  # free response: the figure the learner drew, if any
    own = [f"{v['qid']}: {v['status']}" for v in verdicts if v["status"] in ("timeout", "kernel_died")]
    reason = "; ".join(p for p in [reason, *notes, *own] if p)
    record = {
        "student": sub.student, "notebook": sub.notebook, "origin": sub.origin, "hash": task.digest,
        "status": status, "reason": reason, "seed": task.seed,
        "score": round(sum(v["points"] for v in verdicts), 4),
        "max_score": sum(v["max_points"] for v in verdicts), "questions": verdicts, "tamper": changes + flags,
        "cells": run.cells, "isolation": isolation.to_dict()["level"], "host": socket.gethostname(),
        "kernel": "forked" if run.forked else "cold",
        "seconds": run.kernel_seconds,  # every cell the kernel ran, the export included
        "wall": round(time.perf_counter() - started, 3), "feedback": None,
    }
    for cell in run.nb.cells:
        cell.metadata.pop("workbook_grader", None)
    return {"record": record, "page": report.feedback_html(run.nb, record, key["prefix"], opts.lang)}
