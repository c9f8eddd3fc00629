"""``workbook grade``: grade a folder of submissions safely, in parallel, resumably.

For each (student, notebook): validate the file, check its locked cells against the release, run it
with papermill in a boxed kernel (``workbook.sandbox``) with ``grading=True`` and a per-student
``seed``, let the kernel export the declared answers as plain data (``workbook.export``), and judge
them against the source key in the grader's process (``workbook.judge``). Each record is saved as soon
as it is done (``workbook.gradebook``); feedback pages and the class report come from
``workbook.report``. The pool is any ``concurrent.futures.Executor`` (a Dask client's executor too).

A submission's status: ``graded``; ``invalid`` (not a notebook, wrong notebook or format), ``missing``
(nothing submitted), ``duplicate`` (two files for one notebook) - none of these is run; ``timeout``
and ``kernel_died`` (graded again once with the culprit cell skipped; the status stays, the points
come from that run); ``kernel_error`` (the kernel broke its own messaging); ``error`` (the grader's
own failure: graded again on the next run).
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import gradebook, keys
from .atomic import write_atomic
from .submissions import InvalidSubmission, Submission, discover, read_notebook, submitted_notebooks

GRADER_VERSION = "1"


@dataclass(frozen=True)
class Options:
    """Limits for every submission's run (they are part of each record's hash)."""

    timeout_cell: float = 60.0
    timeout: float = 600.0
    memory_mb: int = 2048
    output_kb: int = 5000
    lang: str = "en"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to grade one submission (picklable, no open files)."""

    sub: Submission
    key: dict[str, Any]
    released: str
    seed: int
    digest: str
    options: Options
    isolation: Any
    workroot: Path
    hide: tuple[Path, ...]
    out: Path


@dataclass
class Batch:
    """What a call to :func:`grade_all` did."""

    records: list[dict[str, Any]]
    graded: int
    reused: int
    files: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.records)


def seed_for(student: str, notebook: str) -> int:
    """The per-student seed injected as the ``seed`` parameter (stable across reruns)."""
    return int(hashlib.sha256(f"{student}/{notebook}".encode()).hexdigest()[:8], 16) % 2**31


def _record(sub: Submission, key: dict[str, Any], *, status: str, reason: str = "", digest: str = "",
            seed: int = 0, lang: str = "en") -> dict[str, Any]:
    """A record with no run: every question at 0 points with the submission's status."""
    from .i18n import pick

    questions = [{"qid": str(q), "title": pick(s.get("title"), lang), "status": status, "points": 0.0,
                  "max_points": float(s["points"]), "message": reason, "hint": ""}
                 for q, s in key["questions"].items()]
    return {"student": sub.student, "notebook": sub.notebook, "origin": sub.origin,
            "hash": digest, "status": status, "reason": reason, "seed": seed, "score": 0.0,
            "max_score": sum(q["max_points"] for q in questions), "questions": questions, "tamper": [],
            "cells": [], "seconds": 0.0, "feedback": None}


def _prepare(nb: Any, plan: dict[str, Any], export_path: Path) -> tuple[Any, str]:
    """The submission with the grader's prelude first and export cell last; returns it and the nonce."""
    import nbformat

    from .export import GRADER_TAG, export_cells

    prelude, export, nonce = export_cells(plan, export_path)
    for cell in nb.cells:  # a student's copy of a grader cell must not hide their own work
        tags = cell.metadata.get("tags", [])
        if GRADER_TAG in tags:
            cell.metadata["tags"] = [t for t in tags if t != GRADER_TAG]
    first = nbformat.v4.new_code_cell(prelude)
    last = nbformat.v4.new_code_cell(export)
    for cell in (first, last):
        cell.metadata["tags"] = [GRADER_TAG]
    nb.cells = [first, *nb.cells, last]
    return nb, nonce


def grade_submission(task: Task) -> dict[str, Any]:
    """Grade one submission (runs in a worker process; never raises, never runs student code here)."""
    try:
        return _grade(task, time.perf_counter())
    except Exception as err:  # the grader's own bug must cost one record, not the batch
        where = traceback.extract_tb(err.__traceback__)[-1]
        return _record(task.sub, task.key, status="error", digest=task.digest, seed=task.seed, lang=task.options.lang,
                       reason=f"grader error: {type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})")


def _attempt(task: Task, nb: Any, plan: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """One boxed run of ``nb`` (a copy is prepared): the run's result and the exported answers."""
    from . import kernel_run
    from .export import EXPORT_FILE, read_answers

    opts = task.options
    box, km = kernel_run.kernel_for(kernel_run.BoxSpec(task.workroot, task.hide, opts.memory_mb, task.isolation))
    try:
        export_path = box.home / "export" / EXPORT_FILE
        prepared, nonce = _prepare(copy.deepcopy(nb), plan, export_path)
        run = kernel_run.run(prepared, box=box, km=km,
                             parameters={"grading": True, "seed": task.seed, "lang": opts.lang},
                             timeout_cell=opts.timeout_cell, timeout=opts.timeout, output_cap=opts.output_kb * 1000)
        return run, read_answers(export_path, nonce)
    finally:
        kernel_run.kill(km)
        shutil.rmtree(box.home, ignore_errors=True)


def _fatal_cell(run: Any) -> int | None:
    """The submission's index of the cell that killed or hung the kernel. A kernel that died leaves
    its cell without an execute reply; a hung kernel never begins the cells queued behind the cell
    it hangs in, so that is the last cell it began."""
    from .export import GRADER_TAG

    started = [c for c in run.nb.cells if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    timing = [c.metadata.get("execution", {}) for c in started]
    if run.status == "kernel_died":
        found = [c for c, t in zip(started, timing) if "shell.execute_reply" not in t][:1]
    else:
        found = [c for c, t in zip(started, timing) if "iopub.execute_input" in t][-1:]
    if not found or GRADER_TAG in found[0].metadata.get("tags", []):
        return None  # nothing ran, or it was the grader's export: there is no student cell to skip
    return found[0].metadata.get("workbook_grader", {}).get("index")


def _grade(task: Task, started: float) -> dict[str, Any]:
    import nbformat

    from . import judge, report, tamper
    from .export import plan_of

    sub, opts, key = task.sub, task.options, task.key
    released = nbformat.reads(task.released, as_version=4)
    try:
        nb = read_notebook(sub, released)
    except InvalidSubmission as err:
        return _record(sub, key, status="invalid", reason=str(err), digest=task.digest, seed=task.seed, lang=opts.lang)
    changes = tamper.locked_changes(released, nb)
    hidden = {str(q): judge.hidden_cases(s, task.seed) for q, s in key["questions"].items()}
    plan = plan_of(key, hidden)
    for index, cell in enumerate(nb.cells):
        cell.metadata["workbook_grader"] = {"index": index}  # to name a fatal cell after the run
    run, answers = _attempt(task, nb, plan)
    status, reason = ("graded", "") if run.status == "completed" else (run.status, run.message)
    fatal = _fatal_cell(run) if run.status in ("kernel_died", "timeout") else None
    if fatal is not None:
        # one more run without the cell that killed or hung the kernel, so the rest still earns credit;
        # the status keeps saying what happened
        nb.cells[fatal].source = f"# skipped by the grader: this cell stopped the notebook ({run.status})"
        retry, retry_answers = _attempt(task, nb, plan)
        if retry.status == "completed":
            run, answers = retry, retry_answers
            reason += f"; the cause was cell {fatal} (counting from 0): graded again with it skipped"
    if status == "graded" and answers is None:
        reason = "the answers could not be exported (the export cell failed or was subverted)"
    verdicts = [v.to_dict() for v in judge.judge(key, answers, seed=task.seed, hidden=hidden, lang=opts.lang)]
    record = {
        "student": sub.student, "notebook": sub.notebook, "origin": sub.origin, "hash": task.digest,
        "status": status, "reason": reason, "seed": task.seed,
        "score": round(sum(v["points"] for v in verdicts), 4),
        "max_score": sum(v["max_points"] for v in verdicts), "questions": verdicts, "tamper": changes,
        "cells": run.cells,
        "seconds": run.kernel_seconds,  # every cell the kernel ran, the export included
        "wall": round(time.perf_counter() - started, 3), "feedback": None,
    }
    page = Path("feedback") / gradebook.safe_name(sub.student) / f"{sub.notebook}.html"
    for cell in run.nb.cells:
        cell.metadata.pop("workbook_grader", None)
    write_atomic(task.out / page, report.feedback_html(run.nb, record, key["prefix"], task.options.lang))
    record["feedback"] = str(page)
    return record


def _warm_worker(modules: tuple[str, ...] = ()) -> None:
    """Import the heavy libraries once per worker process, not once per submission: the notebook
    tools, and ``modules`` (the keys' reference functions and checkers, e.g. scikit-learn)."""
    import importlib

    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401

    from . import handouts, judge, kernel_run, report  # noqa: F401

    handouts.offline_exporter("en")  # loading the HTML templates costs a second: pay it before the first submission
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue  # the verdict names the problem when the key is used


def _owner_alive(workroot: Path) -> bool:
    if not (workroot / "owner.pid").exists():  # just created by another grader, or very old
        return time.time() - workroot.stat().st_mtime < 3600
    try:
        os.kill(int((workroot / "owner.pid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def _new_workroot(isolation: Any) -> Path:
    """The batch's private folder (under /tmp, which every boxed kernel sees replaced by its own)."""
    parent = Path("/tmp" if isolation.level == "full" else tempfile.gettempdir())
    for stale in parent.glob("wb-grade-*"):  # left by a grader killed with SIGKILL
        if not _owner_alive(stale):
            shutil.rmtree(stale, ignore_errors=True)
    workroot = Path(tempfile.mkdtemp(prefix="wb-grade-", dir=parent))
    (workroot / "owner.pid").write_text(str(os.getpid()))
    return workroot


def _warm_fonts(workroot: Path) -> None:
    """A warm matplotlib font cache in ``workroot/mpl`` to copy into each box: a kernel that builds
    its own spends seconds on it."""
    env = {**os.environ, "MPLCONFIGDIR": str(workroot / "mpl"), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True, timeout=300)


def _load_keys(keys_dir: Path, exercises: Path) -> dict[str, tuple[dict[str, Any], str, str]]:
    """notebook -> (source key, key hash, released notebook text) for every notebook with both."""
    found = {}
    for path in sorted(Path(keys_dir).glob("*.yml")):
        key = keys.load_source(path)
        release = Path(exercises) / f"{key['notebook']}.ipynb"
        if release.exists():
            found[key["notebook"]] = (key, hashlib.sha256(path.read_bytes()).hexdigest(), release.read_text(encoding="utf-8"))
    return found


def grade_all(*, submissions: Path, out: Path, keys_dir: Path = Path("solutions/keys"),
              exercises: Path = Path("exercises"), notebooks: list[str] | None = None, jobs: int | None = None,
              timeout_cell: float = 60.0, timeout: float = 600.0, memory_mb: int = 2048, output_kb: int = 5000,
              force: bool = False, lang: str = "en", executor: Executor | None = None,
              progress: bool = False) -> Batch:
    """Grade every submission under ``submissions`` into ``out`` (see the module docstring).

    ``notebooks`` defaults to those with a key and a release that some file claims. Raises
    FileNotFoundError for a missing folder and ValueError when there is nothing to grade against.
    """
    from .sandbox import probe, visible_hides

    out = Path(out)
    available = _load_keys(keys_dir, exercises)
    if not available:
        raise ValueError(f"{keys_dir}: no answer key with a released notebook in {exercises}")
    if not Path(submissions).is_dir():
        raise FileNotFoundError(f"{submissions}: submissions folder not found")
    wanted = notebooks or submitted_notebooks(submissions, sorted(available))
    if not wanted:
        raise ValueError(f"{submissions}: no file of any notebook with a key ({', '.join(sorted(available))}); "
                         "see `workbook grade --help` for the layouts")
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ValueError(f"no key or release for notebook(s): {', '.join(unknown)}")
    found, ignored = discover(Path(submissions), wanted)
    options = Options(float(timeout_cell), float(timeout), int(memory_mb), int(output_kb), lang)  # stable hash
    isolation = probe(memory_mb)
    records: dict[tuple[str, str], dict[str, Any]] = {}
    tasks: list[Task] = []
    reused = 0
    workroot = _new_workroot(isolation)
    hide = visible_hides([Path(keys_dir), Path(keys_dir).parent, Path(submissions), out], keep=[workroot])
    for sub in found:
        key, key_hash, released = available[sub.notebook]
        seed = seed_for(sub.student, sub.notebook)
        digest = hashlib.sha256(json.dumps([GRADER_VERSION, sub.problem, sub.reason, sub.digest, key_hash,
                                            hashlib.sha256(released.encode()).hexdigest(), asdict(options), seed])
                                .encode()).hexdigest()
        old = None if force else gradebook.read_record(out, sub.student, sub.notebook)
        if old is not None and old.get("hash") == digest and old.get("status") != "error":
            records[(sub.student, sub.notebook)] = old
            reused += 1
        elif sub.problem:
            records[(sub.student, sub.notebook)] = _record(sub, key, status=sub.problem, reason=sub.reason,
                                                           digest=digest, seed=seed, lang=lang)
            gradebook.write_record(out, records[(sub.student, sub.notebook)])
        else:
            tasks.append(Task(sub, key, released, seed, digest, options, isolation, workroot, hide, out))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    pool = executor or (_new_pool(workers, _judge_modules(tasks)) if tasks else None)
    try:
        if executor is None and pool is not None:
            for _ in range(workers):  # the workers start (and import) while the font cache is built
                pool.submit(int)
        _warm_fonts(workroot)
        _run_tasks(tasks, records, out, pool, progress=progress)
    finally:
        if executor is None and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        from .kernel_run import discard_spares

        discard_spares()  # an in-process executor keeps its spare kernel here
        shutil.rmtree(workroot, ignore_errors=True)
    ordered = [records[k] for k in sorted(records)]
    meta = {"generated_by": f"workbook grade {GRADER_VERSION}", "options": asdict(options),
            "isolation": isolation.to_dict(), "notebooks": wanted, "ignored_files": ignored}
    from .report import class_report

    files = gradebook.write_gradebook(out, ordered, wanted, meta)
    write_atomic(out / "report.html", class_report(ordered, meta))
    return Batch(records=ordered, graded=len(tasks), reused=reused, files=[*files, out / "report.html"],
                 ignored=ignored, isolation=isolation.to_dict())


def _new_pool(workers: int, modules: tuple[str, ...]) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm_worker, initargs=(modules,))


def _judge_modules(tasks: list[Task]) -> tuple[str, ...]:
    """The modules the keys of ``tasks`` call for judging (references, checkers, seeded cases)."""
    fields = ("reference", "checker", "hidden_from_seed", "answer_from_seed")
    return tuple(sorted({spec[f].partition(":")[0] for task in tasks for spec in task.key["questions"].values()
                         for f in fields if spec.get(f)}))


def _run_tasks(tasks: list[Task], records: dict[tuple[str, str], dict[str, Any]], out: Path,
               pool: Executor | None, *, progress: bool) -> None:
    """Grade ``tasks`` on the executor, saving each record the moment it arrives.

    If a worker process dies (only possible where the kernel is not in its own PID namespace: a
    student's code killed its parent), our own pool breaks and every unfinished task fails with it.
    Those are then graded one at a time in a one-worker pool, so the one that kills that pool is
    known: it alone is recorded as an ``error``.
    """
    from tqdm import tqdm

    if not tasks or pool is None:
        return
    bar = tqdm(total=len(tasks), desc="grading", unit="submission", disable=not progress, file=sys.stderr)
    failures = 0

    def save(task: Task, record: dict[str, Any]) -> None:
        nonlocal failures
        records[(task.sub.student, task.sub.notebook)] = record
        gradebook.write_record(out, record)
        failures += record["status"] != "graded"
        bar.update(1)
        bar.set_postfix(failed=failures)

    def failed(task: Task, reason: str) -> dict[str, Any]:
        return _record(task.sub, task.key, status="error", digest=task.digest, seed=task.seed,
                       lang=task.options.lang, reason=reason)

    suspects: list[Task] = []
    futures = {pool.submit(grade_submission, task): task for task in tasks}
    for future in as_completed(futures):
        try:
            save(futures[future], future.result())
        except BrokenProcessPool:
            suspects.append(futures[future])
        except Exception as err:  # e.g. a remote executor's failure: one record, not the batch
            save(futures[future], failed(futures[future], f"grader error: {type(err).__name__}: {err}"))
    single: ProcessPoolExecutor | None = None
    try:
        for task in suspects:
            single = single or _new_pool(1, _judge_modules(suspects))
            try:
                save(task, single.submit(grade_submission, task).result())
            except BrokenProcessPool:
                save(task, failed(task, "the grading worker process died while grading this submission"))
                single.shutdown(wait=True)
                single = None
    finally:
        if single is not None:
            single.shutdown(wait=True)
    bar.close()
