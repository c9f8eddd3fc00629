"""``workbook grade``: grade a folder of submissions safely, in parallel, resumably.

For each (student, notebook): validate the file, check its locked cells against the release, run it
with papermill in a boxed kernel (``workbook.sandbox``) with ``grading=True`` and a per-student
``seed``, take each declared answer out of the kernel as plain data, one export cell per question
(``workbook.export``), and judge them against the source key (``workbook.judge``). Grading happens
in worker processes (``workbook.worker``), one submission at a time each, under a hard deadline
held by this process; only this process writes the results folder, and only while it holds the
folder's lock. Each record is saved as soon as it arrives (``workbook.gradebook``); feedback pages
and the class report come from ``workbook.report``.

A submission's status: ``graded``; ``invalid`` (not a notebook, wrong notebook or format, a link),
``missing`` (nothing submitted), ``duplicate`` (two files for one notebook) - none of these is run;
``timeout`` and ``kernel_died`` (graded again with the culprit cell skipped; the status stays, the
points come from that run); ``kernel_error`` (the kernel broke its own messaging); ``error`` (the
grader's own failure, or the hard deadline: graded again on the next run).

A question's status is the verdict's (``workbook.judge``), or ``timeout`` / ``kernel_died`` when its
own export hung or killed the kernel: that question scores 0, the others are graded.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import os
import pickle
import sys
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import gradebook, gradedb, keys
from .atomic import write_atomic
from .submissions import (
    InvalidSubmission,
    Submission,
    discover,
    submitted_notebooks,
)

GRADER_VERSION = "2"
MAX_RUNS = 3  # a submission runs at most this often: once, then once more per culprit cell skipped
FIELDS = ("reference", "checker", "hidden_from_seed", "answer_from_seed")  # a key's ``module:function`` fields
VERSIONED = ("ipykernel", "jupyter_client", "nbclient", "nbconvert", "nbformat", "papermill", "pyzmq", "ipywidgets",
             "numpy", "pandas", "scipy", "scikit-learn", "fairlearn", "sacrebleu", "rouge-score", "matplotlib")


@dataclass(frozen=True)
class Options:
    """Limits for every submission's run (they are part of each record's hash)."""

    timeout_cell: float = 60.0
    timeout: float = 600.0
    memory_mb: int = 2048
    output_kb: int = 5000
    lang: str = "en"
    isolation: str = "best"  # or a weaker level to stop at ("network", "none"): for tests and trusted work

    @property
    def deadline(self) -> float:
        """The hard limit on one submission, enforced from outside its worker: every run it may
        need, each with its kernel start, plus the feedback page."""
        return MAX_RUNS * (self.timeout + 30) + 60


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to grade one submission: plain data, no paths it must read."""

    sub: Submission  # holds its bytes (Submission.from_bytes)
    key: dict[str, Any]
    released: tuple[str, ...]  # the text of each released edition (tamper checks use the closest)
    seed: int
    digest: str
    options: Options
    hide: tuple[Path, ...] = ()
    helpers: tuple[tuple[str, str], ...] = ()  # (module name, source) of the key's helper modules
    preload: tuple[str, ...] = ()  # what a warm kernel imports before the submission runs (the releases' imports)
    probed: Any = None  # the grader's own probe of this machine, for its local workers (a Dask worker probes its own)


@dataclass
class Batch:
    """What a call to :func:`grade_all` did."""

    records: list[dict[str, Any]]
    graded: int
    reused: int
    files: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)  # Dask worker -> host and isolation

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.records)


def seed_for(student: str, notebook: str) -> int:
    """The per-student seed injected as the ``seed`` parameter (stable across reruns)."""
    return int(hashlib.sha256(f"{student}/{notebook}".encode()).hexdigest()[:8], 16) % 2**31


def record_without_run(sub: Submission, key: dict[str, Any], *, status: str, reason: str = "", digest: str = "",
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


def capped_isolation(isolation: Any, cap: str) -> Any:
    """``isolation``, or the weaker level ``cap`` when the caller asked for no more than that."""
    from dataclasses import replace

    from .sandbox import LEVELS

    if cap == "best" or LEVELS.index(isolation.level) >= LEVELS.index(cap):
        return isolation
    return replace(isolation, level=cap, warnings=(*isolation.warnings, f"isolation capped at {cap!r} by the caller"))


def releases(exercises: Path, notebook: str) -> tuple[Path, ...]:
    """The released editions of ``notebook``: ``exercises/NN.ipynb`` and every language edition
    ``exercises/<lang>/NN.ipynb`` (a learner may submit any of them)."""
    flat = Path(exercises) / f"{notebook}.ipynb"
    editions = sorted(p for p in Path(exercises).glob(f"*/{notebook}.ipynb") if p.is_file())
    return tuple([flat] if flat.is_file() else []) + tuple(editions)


def _load_keys(keys_dir: Path, exercises: Path) -> dict[str, tuple[dict[str, Any], str, tuple[str, ...], Path]]:
    """notebook -> (source key, key hash, released editions' text, key file) for every notebook with both."""
    found = {}
    for path in sorted(Path(keys_dir).glob("*.yml")):
        key = keys.load_source(path)
        editions = releases(exercises, key["notebook"])
        if editions:
            found[key["notebook"]] = (key, hashlib.sha256(path.read_bytes()).hexdigest(),
                                      tuple(p.read_text(encoding="utf-8") for p in editions), path)
    return found


def _helpers(key: dict[str, Any], path: Path) -> tuple[tuple[str, str], ...]:
    """The key's helper modules beside its file, as (name, source) to ship to the workers. Every
    ``module:function`` the key names must resolve, from there or from the installed packages, or
    this raises ValueError naming the key file, the question and the field."""
    import importlib.util

    found: dict[str, str] = {}
    for qid, spec in key["questions"].items():
        for name in FIELDS:
            if not spec.get(name):
                continue
            module, _, attr = str(spec[name]).partition(":")
            beside = path.parent / f"{module}.py"
            try:
                if beside.is_file():  # loaded under a private name: the check must not shadow anything
                    loader = importlib.util.spec_from_file_location(f"_wb_key_helper_{module}", beside)
                    target: Any = importlib.util.module_from_spec(loader)
                    loader.loader.exec_module(target)
                    for part in attr.split("."):
                        target = getattr(target, part)
                    found[module] = beside.read_text(encoding="utf-8")
                else:
                    keys.resolve(str(spec[name]))
            except Exception as err:
                raise ValueError(f"{path}: {qid}.{name} {spec[name]!r} cannot be used ({type(err).__name__}: {err}); "
                                 f"put {module}.py beside the key or install it") from None
    return tuple(sorted(found.items()))


def grader_fingerprint() -> dict[str, Any]:
    """What the grader is made of: a hash of this package's files and the versions of the libraries
    that run or judge a submission. Part of every record's hash: a fix regrades."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    versions = {"python": sys.version.split()[0]}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {"version": GRADER_VERSION, "code": digest.hexdigest(), "libraries": versions}


def _preload(releases: list[tuple[str, ...]], keys: list[dict[str, Any]], private: set[str]) -> tuple[str, ...]:
    """What a warm kernel imports before a submission runs: every module the released notebooks import
    at the top of a code cell, and the library modules the self-checks call (a key's ``reference``
    and ``checker``, e.g. scikit-learn's metrics: a second of import in the learner's kernel
    otherwise). Never a key's own helper modules (``private``): those are not in the box."""
    from .zygote import imports_of

    def code(cell: dict[str, Any]) -> str:
        return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]

    # the releases are the course's own files, read as plain JSON (nbformat's import and schema cost
    # this process a third of a second)
    sources = [code(c) for editions in releases for c in json.loads(editions[0])["cells"] if c["cell_type"] == "code"]
    called = [spec[field].partition(":")[0] for key in keys for spec in key.get("questions", {}).values()
              for field in ("reference", "checker") if isinstance(spec.get(field), str)]
    return tuple(m for m in dict.fromkeys([*imports_of(sources), *called]) if m.split(".")[0] not in private)


def _submit(pool: Executor, task: Task) -> Future[dict[str, Any]]:
    from .cluster import is_dask
    from .worker import grade_payload, grade_payload_alone

    work = grade_payload_alone if is_dask(pool) else grade_payload  # one grading process per Dask worker
    return pool.submit(work, pickle.dumps(task), task.options.deadline)


def grade_all(*, submissions: Path, out: Path, keys_dir: Path = Path("solutions/keys"),
              exercises: Path = Path("exercises"), notebooks: list[str] | None = None, jobs: int | None = None,
              timeout_cell: float = 60.0, timeout: float = 600.0, memory_mb: int = 2048, output_kb: int = 5000,
              force: bool = False, lang: str = "en", executor: Executor | None = None,
              scheduler: str | None = None, isolation: str = "best", progress: bool = False,
              students: list[str] | None = None, course: Path | None = None) -> Batch:
    """Grade every submission under ``submissions`` into ``out`` (see the module docstring).

    ``notebooks`` defaults to those with a key and a release that some file claims. ``isolation``
    caps the box at a weaker level than the best one the machine allows. ``executor`` is
    any ``concurrent.futures.Executor``: a thread pool (each of its threads drives its own worker
    process) or a Dask client's executor (``client.get_executor()``: one submission at a time per
    Dask worker process). ``scheduler`` (``tcp://HOST:PORT``) connects to a Dask cluster for this
    call. ``students`` regrades only those students' submissions (of ``notebooks``), even unchanged
    ones; every other record in ``out`` is kept as it is. ``course`` (a course file, see
    ``workbook.deadlines``) records when each submission came in and its late penalty. Raises
    FileNotFoundError, deadlines.CourseFileError for a missing folder, ValueError when there is nothing to grade
    against or a key names a helper that cannot be imported, cluster.ClusterError when the
    scheduler cannot be used, and gradebook.ResultsLocked when another grader is writing into ``out``.
    """
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
    helpers = {n: _helpers(available[n][0], available[n][3]) for n in wanted}  # a missing module stops us here
    if course is not None:
        from .deadlines import load_course

        course = load_course(course)  # a malformed course file stops us here
    client = None
    if scheduler:
        from .cluster import connect

        client = connect(scheduler)
        executor = client.get_executor(pure=False)
    try:
        return _grade_all(submissions, out, keys_dir, wanted, available, helpers, jobs, timeout_cell, timeout, memory_mb,
                          output_kb, force, lang, executor, isolation, progress, students, course)
    finally:
        from .worker import stop_prestarted

        stop_prestarted()  # those no thread took (every submission reused, or an error on the way)
        if client is not None:
            client.close()


def _grade_all(submissions: Path, out: Path, keys_dir: Path, wanted: list[str], available: dict[str, Any],
               helpers: dict[str, Any], jobs: int | None, timeout_cell: float, timeout: float, memory_mb: int,
               output_kb: int, force: bool, lang: str, executor: Executor | None, isolation: str,
               progress: bool, students: list[str] | None = None, course: Any = None) -> Batch:
    from . import worker
    from .cluster import describe_workers, is_dask, slots
    from .sandbox import LEVELS, probe, visible_hides

    with gradebook.results_lock(out):
        found, ignored = discover(Path(submissions), wanted)
        gradebook.check_distinct(sorted({s.student for s in found}))
        if students is not None:
            unknown = sorted(set(students) - {s.student for s in found})
            if unknown:
                raise ValueError(f"{submissions}: no submission of {', '.join(wanted)} by student(s) {', '.join(unknown)}")
            found = [s for s in found if s.student in students]
            force = True
        if executor is None:  # the grading processes import while this one probes, hashes and reads the gradebook
            worker.prestart(min(jobs or os.cpu_count() or 1, len(found)))
        if course is not None:  # when each came in (the files, before anything runs) and what it costs
            from .deadlines import penalties

            with gradedb.connect(out) as conn:
                gradedb.put_penalties(conn, penalties(course, found))
        options = Options(float(timeout_cell), float(timeout), int(memory_mb), int(output_kb), lang, isolation)
        with ThreadPoolExecutor(max_workers=1) as one:  # the probe mostly waits for its test box: hash meanwhile
            probing = one.submit(probe, memory_mb)
            fingerprint = grader_fingerprint()
            preload = _preload([available[n][2] for n in wanted], [available[n][0] for n in wanted],
                               {name.split(".")[0] for n in wanted for name, _ in helpers[n]})
            box = capped_isolation(probing.result(), isolation)
        hide = visible_hides([Path(keys_dir), Path(keys_dir).parent, Path(submissions), out], keep=[])
        records: dict[tuple[str, str], dict[str, Any]] = {}
        pending: list[tuple[Submission, dict[str, Any], tuple[str, ...], int, str]] = []
        reused = 0
        for sub in found:
            key, key_hash, released, _ = available[sub.notebook]
            seed = seed_for(sub.student, sub.notebook)
            digest = hashlib.sha256(json.dumps([fingerprint, sub.problem, sub.reason, sub.digest, key_hash, helpers[sub.notebook],
                                                [hashlib.sha256(r.encode()).hexdigest() for r in released],
                                                asdict(options), seed])
                                    .encode()).hexdigest()
            old = None if force else gradebook.read_record(out, sub.student, sub.notebook)
            if old is not None and old.get("hash") == digest and old.get("status") != "error":
                records[(sub.student, sub.notebook)] = old
                reused += 1
            elif sub.problem:
                records[(sub.student, sub.notebook)] = record_without_run(sub, key, status=sub.problem, reason=sub.reason,
                                                               digest=digest, seed=seed, lang=lang)
                gradebook.write_record(out, records[(sub.student, sub.notebook)])
            else:
                pending.append((sub, key, released, seed, digest))

        def task_of(sub: Submission, key: dict[str, Any], released: tuple[str, ...], seed: int,
                    digest: str) -> Task | dict[str, Any]:
            try:  # read now, not at discovery: only the submissions in flight are in memory
                data = sub.load()
            except InvalidSubmission as err:
                return record_without_run(sub, key, status="invalid", reason=str(err), digest=digest, seed=seed, lang=lang)
            return Task(Submission.from_bytes(sub.student, sub.notebook, sub.origin, data), key, released, seed,
                        digest, options, hide, helpers[sub.notebook], preload, None if is_dask(executor) else box)

        cluster = describe_workers(executor, memory_mb) if is_dask(executor) and pending else {}
        workers = slots(executor) if is_dask(executor) else max(1, min(jobs or os.cpu_count() or 1, len(pending) or 1))
        pool = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="workbook-grade")
        try:
            _run_tasks(pending, task_of, records, out, pool, window=2 * workers, lang=lang, progress=progress)
        finally:
            if executor is None:
                pool.shutdown(wait=True, cancel_futures=True)
        ordered = [records[k] for k in sorted(records)]
        weaker = sorted({r["isolation"] for r in ordered if r.get("isolation") and r["isolation"] != box.level})
        weak_workers = sorted(a for a, w in cluster.items() if LEVELS.index(w["level"]) > LEVELS.index(box.level))
        meta = {"generated_by": f"workbook grade {GRADER_VERSION}", "grader": fingerprint, "options": asdict(options),
                "isolation": {**box.to_dict(), "worker_levels": weaker, "weaker_workers": weak_workers},
                "workers": cluster, "notebooks": wanted, "ignored_files": ignored}
        from .report import class_report

        files = gradebook.export_files(out, meta)  # every record in the gradebook, reviews and penalties applied
        write_atomic(out / "report.html", class_report(gradebook.effective_records(out), meta))
    return Batch(records=ordered, graded=len(pending), reused=reused, files=[*files, out / "report.html"],
                 ignored=ignored, isolation=box.to_dict(), workers=cluster)


def _run_tasks(pending: list[tuple[Any, ...]], task_of: Any, records: dict[tuple[str, str], dict[str, Any]], out: Path,
               pool: Executor, *, window: int, lang: str, progress: bool) -> None:
    """Grade ``pending`` on the executor, at most ``window`` in flight, saving each record (and its
    feedback page) the moment it arrives. A lost worker or a failed future costs its own record."""
    from tqdm import tqdm

    from .worker import WorkerLost

    if not pending:
        return
    bar = tqdm(total=len(pending), desc="grading", unit="submission", disable=not progress, file=sys.stderr)
    failures = 0

    def save(sub: Submission, record: dict[str, Any], page: str | None) -> None:
        nonlocal failures
        if page is not None:
            name = Path("feedback") / gradebook.safe_name(sub.student) / f"{sub.notebook}.html"
            write_atomic(out / name, page)
            record["feedback"] = str(name)
        records[(sub.student, sub.notebook)] = record
        gradebook.write_record(out, record)
        failures += record["status"] != "graded"
        bar.update(1)
        bar.set_postfix(failed=failures)

    queue = list(reversed(pending))
    flying: dict[Future[dict[str, Any]], tuple[Any, ...]] = {}
    while queue or flying:
        while queue and len(flying) < window:
            item = queue.pop()
            task = task_of(*item)
            if isinstance(task, dict):
                save(item[0], task, None)
                continue
            flying[_submit(pool, task)] = item
        if not flying:
            continue
        done, _ = wait(flying, return_when=FIRST_COMPLETED)
        for future in done:
            sub, key, _, seed, digest = flying.pop(future)
            try:
                reply = future.result()
                save(sub, reply["record"], reply["page"])
            except WorkerLost as err:
                save(sub, record_without_run(sub, key, status="error", digest=digest, seed=seed, lang=lang, reason=str(err)), None)
            except Exception as err:  # e.g. a remote executor's failure: one record, not the batch
                save(sub, record_without_run(sub, key, status="error", digest=digest, seed=seed, lang=lang,
                                  reason=f"grader error: {type(err).__name__}: {err}"), None)
    bar.close()
