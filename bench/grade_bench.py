"""Benchmark `workbook grade` (a benchmark, not a test: it prints, it asserts nothing).

Generates submissions of the released exercises (``exercises/<lang>/``) - a third each correct
(every answer cell from the solution), partial (every other answer filled in) and broken (a cell
raising, then the answers) - and grades them into fresh folders (``force``). Three runs:

- ``lecture1`` (default): ``--count`` Lecture 1 submissions with each of ``--jobs``; prints
  submissions per minute, the in-kernel time and how each kernel was started (forked from a warm
  zygote or cold), and the ratio of wall time to the floor (in-kernel time / jobs); then the same
  batch with every kernel started cold (``WORKBOOK_WARM_KERNELS=0``), and the warm/cold wall ratio.
- ``cohort``: ``--learners`` generated learners x the four exercise notebooks with ``--jobs 2``;
  prints throughput per notebook and per core. A whole boostcamp cohort is 300 learners; a
  fraction (say 30) gives the same per-submission figures in a tenth of the time (scale linearly).
- ``dask``: the Lecture 1 batch with ``--jobs 2`` and on a local Dask cluster started here with the
  real command-line tools (``dask scheduler``, two ``dask worker --nthreads 1``), alternately
  ``--rounds`` times; prints the wall-time ratio dask / local per round and its median.

    .venv/bin/python bench/grade_bench.py [lecture1|cohort|dask] [--count 40] [--jobs 1 2]
                                          [--learners 30] [--rounds 2]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat

from workbook.grade import Batch, grade_all
from workbook.kernel_run import WARM_SWITCH

ROOT = Path(__file__).resolve().parents[1]
LECTURE1 = "01_full_stack_ml"
NOTEBOOKS = ("01_full_stack_ml", "02_ai_ethics", "03_career_building", "04_lm_training_evaluation")
KINDS = ("correct", "partial", "broken")


def _answer_cells(exercise: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(exercise.cells)
            if c.cell_type == "code" and c.metadata.get("workbook", {}).get("locked") is False]


def make_submission(notebook: str, kind: str, lang: str = "en") -> nbformat.NotebookNode:
    """One learner's ``notebook``: ``kind`` is correct, partial or broken (see the module docstring)."""
    exercise = nbformat.read(ROOT / "exercises" / lang / f"{notebook}.ipynb", as_version=4)
    solution = {c.get("id"): c.source for c in nbformat.read(ROOT / "solutions" / f"{notebook}.ipynb", as_version=4).cells}
    nb = copy.deepcopy(exercise)
    answers = _answer_cells(nb)
    for rank, index in enumerate(answers):
        if kind != "partial" or rank % 2 == 0:
            nb.cells[index].source = solution.get(nb.cells[index].get("id"), nb.cells[index].source)
    if kind == "broken" and answers:
        nb.cells.insert(answers[0], nbformat.v4.new_code_cell("raise RuntimeError('a broken cell')"))
    return nb


def make_submissions(target: Path, count: int, notebooks: tuple[str, ...] = (LECTURE1,)) -> None:
    """``count`` student folders, a third each correct, partial and broken, each with ``notebooks``."""
    for n in range(count):
        kind = KINDS[n % 3]
        folder = target / f"s{n:03d}_{kind}"
        folder.mkdir(parents=True)
        for notebook in notebooks:
            nbformat.write(make_submission(notebook, kind), folder / f"{notebook}.ipynb")


def _grade(subs: Path, out: Path, **kwargs) -> tuple[Batch, float]:
    start = time.perf_counter()
    batch = grade_all(submissions=subs, out=out, keys_dir=ROOT / "solutions" / "keys",
                      exercises=ROOT / "exercises", force=True, **kwargs)
    return batch, time.perf_counter() - start


def _statuses(batch: Batch) -> dict[str, int]:
    return {s: batch.count(s) for s in ("graded", "timeout", "kernel_died", "error") if batch.count(s)}


def lecture1(tmp: Path, count: int, jobs_list: list[int]) -> None:
    subs = tmp / "submissions"
    make_submissions(subs, count)
    walls = {}
    for warm, jobs in [("1", j) for j in jobs_list] + [("0", max(jobs_list))]:
        os.environ[WARM_SWITCH] = warm  # the worker processes inherit it: "0" is the cold-kernel baseline
        batch, wall = _grade(subs, tmp / f"out-{jobs}-{warm}", jobs=jobs)
        walls[(warm, jobs)] = wall
        in_kernel = sum(r.get("seconds", 0.0) for r in batch.records)
        kernels = Counter(r.get("kernel", "cold") for r in batch.records)
        print(f"jobs={jobs}: {len(batch.records)} submissions in {wall:.1f} s = "
              f"{60 * len(batch.records) / wall:.1f} per minute; in-kernel {in_kernel:.1f} s "
              f"({in_kernel / len(batch.records):.2f} s each), wall/(in-kernel/jobs) {wall / (in_kernel / jobs):.2f}; "
              f"kernels {dict(kernels)}; statuses {_statuses(batch)}; scores {sorted({r['score'] for r in batch.records})}; "
              f"isolation {batch.isolation['level']}")
    os.environ.pop(WARM_SWITCH, None)
    jobs = max(jobs_list)
    print(f"warm kernels vs cold (jobs={jobs}, same submissions, same run): wall ratio warm/cold "
          f"{walls[('1', jobs)] / walls[('0', jobs)]:.3f} ({walls[('0', jobs)] / walls[('1', jobs)]:.2f}x the throughput)")


def cohort(tmp: Path, learners: int) -> None:
    subs = tmp / "cohort"
    make_submissions(subs, learners, NOTEBOOKS)
    batch, wall = _grade(subs, tmp / "out-cohort", jobs=2)
    total = len(batch.records)
    print(f"cohort: {learners} learners x {len(NOTEBOOKS)} notebooks = {total} submissions in {wall:.1f} s = "
          f"{60 * total / wall:.1f} per minute, {60 * total / wall / 2:.1f} per minute per core (2 jobs); "
          f"a 300-learner cohort at this rate: {300 * len(NOTEBOOKS) / (total / wall) / 60:.1f} min; statuses {_statuses(batch)}")
    for notebook in NOTEBOOKS:
        rows = [r for r in batch.records if r["notebook"] == notebook]
        in_kernel = statistics.median(r.get("seconds", 0.0) for r in rows)
        walls = statistics.median(r.get("wall", 0.0) for r in rows)
        print(f"  {notebook}: {len(rows)} graded, median in-kernel {in_kernel:.2f} s, median worker wall "
              f"{walls:.2f} s (about {60 / walls:.0f} per minute per core)")


def _dask_cluster(folder: Path) -> tuple[list[subprocess.Popen], str]:
    dask = Path(sys.executable).with_name("dask")
    info = folder / "scheduler.json"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not info.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    address = json.loads(info.read_text())["address"]
    for n in range(2):
        (folder / f"w{n}").mkdir()
        procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--name", f"w{n}", "--local-directory", str(folder / f"w{n}")],
                                      cwd=folder / f"w{n}", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs, address


def dask_vs_local(tmp: Path, count: int, rounds: int) -> None:
    from distributed import Client

    subs = tmp / "submissions"
    make_submissions(subs, count)
    (tmp / "cluster").mkdir()
    procs, address = _dask_cluster(tmp / "cluster")
    try:
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            ratios = []
            for round_ in range(rounds):
                local, local_wall = _grade(subs, tmp / f"local-{round_}", jobs=2)
                remote, remote_wall = _grade(subs, tmp / f"dask-{round_}", executor=client.get_executor())
                same = sorted((r["student"], r["score"]) for r in local.records) == \
                    sorted((r["student"], r["score"]) for r in remote.records)
                ratios.append(remote_wall / local_wall)
                print(f"round {round_ + 1}: --jobs 2 {local_wall:.1f} s ({60 * count / local_wall:.1f}/min), "
                      f"dask 2x1 {remote_wall:.1f} s ({60 * count / remote_wall:.1f}/min), ratio {ratios[-1]:.3f}; "
                      f"same scores: {same}")
            print(f"median wall ratio dask/local over {rounds} rounds: {statistics.median(ratios):.3f}")
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", choices=("lecture1", "cohort", "dask"), default="lecture1")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        if args.run == "lecture1":
            lecture1(tmp, args.count, args.jobs)
        elif args.run == "cohort":
            cohort(tmp, args.learners)
        else:
            dask_vs_local(tmp, args.count, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
