"""Benchmark `workbook grade` on Lecture 1 (a benchmark, not a test: it prints, it asserts nothing).

Generates 40 submissions of ``exercises/01_full_stack_ml.ipynb`` - correct (every answer cell from
the solution), partial (every other answer filled in), broken (a cell raising, then the answers) -
grades them with ``--jobs 1`` and ``--jobs 2`` (``force``, into fresh folders), and prints
submissions per minute and the ratio of wall time to the floor: the summed in-kernel execution time
(cell durations, as papermill records them), and that sum divided by the number of jobs.

    .venv/bin/python bench/grade_bench.py [--count 40] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

import nbformat

from workbook.grade import grade_all

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_full_stack_ml"


def make_submissions(target: Path, count: int) -> None:
    """``count`` student folders, a third each correct, partial and broken."""
    exercise = nbformat.read(ROOT / "exercises" / f"{NOTEBOOK}.ipynb", as_version=4)
    solution = {c.get("id"): c.source for c in nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4).cells}
    answers = [i for i, c in enumerate(exercise.cells)
               if c.cell_type == "code" and c.metadata.get("workbook", {}).get("locked") is False]
    for n in range(count):
        kind = ("correct", "partial", "broken")[n % 3]
        nb = copy.deepcopy(exercise)
        for rank, index in enumerate(answers):
            if kind != "partial" or rank % 2 == 0:
                nb.cells[index].source = solution.get(nb.cells[index].get("id"), nb.cells[index].source)
        if kind == "broken":
            nb.cells.insert(answers[0], nbformat.v4.new_code_cell("raise RuntimeError('a broken cell')"))
        folder = target / f"s{n:03d}_{kind}"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        subs = Path(tmp) / "submissions"
        make_submissions(subs, args.count)
        for jobs in args.jobs:
            start = time.perf_counter()
            batch = grade_all(submissions=subs, out=Path(tmp) / f"out-{jobs}", keys_dir=ROOT / "solutions" / "keys",
                              exercises=ROOT / "exercises", jobs=jobs, force=True)
            wall = time.perf_counter() - start
            in_kernel = sum(r.get("seconds", 0.0) for r in batch.records)
            floor = in_kernel / jobs
            scores = sorted({r["score"] for r in batch.records})
            print(f"jobs={jobs}: {len(batch.records)} submissions in {wall:.1f} s = "
                  f"{60 * len(batch.records) / wall:.1f} per minute; in-kernel {in_kernel:.1f} s, "
                  f"wall/in-kernel {wall / in_kernel:.2f}, wall/(in-kernel/jobs) {wall / floor:.2f}; statuses "
                  f"{ {s: batch.count(s) for s in ('graded', 'timeout', 'kernel_died', 'error')} }; "
                  f"scores {scores}; isolation {batch.isolation['level']}")


if __name__ == "__main__":
    main()
