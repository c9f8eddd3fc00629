"""Side by side: nbgrader 0.9's ``autograde`` and ``workbook grade`` on the same 1-question assignment.

The assignment is the simplest there is: write ``square(x)``; N submissions, half right. Both tools
grade all N, alternately, ``--rounds`` times in one run (each from a fresh copy, so nothing is
reused); printed per round: the wall-time ratio workbook / nbgrader, and at the end its median, CPU
per submission of each tool's whole process tree (``bench/measure.py``), and the peak memory of one
grading process and of one kernel. A benchmark, not a test: it prints, it asserts nothing.

nbgrader runs from its own venv, ``.cache/nbgrader-venv`` (``--install`` makes it with pip; without
it, the benchmark says so in one line and stops). nbgrader grades serially in one process, with
its own sandboxing off (it has none); ``workbook grade`` uses ``--jobs`` workers and its full box.

    .venv/bin/python bench/vs_nbgrader.py [--count 10] [--rounds 5] [--jobs 2 | --dask] [--install]

With ``--dask`` the grader runs on a local Dask cluster started once for the whole run: its grading
processes and warm kernels stay up from one round to the next, as they would for an instructor who
keeps a cluster running all term (the first round pays the cluster's start).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".cache" / "nbgrader-venv"
NBGRADER = VENV / "bin" / "nbgrader"
WORKBOOK = Path(sys.executable).with_name("workbook")
NAME = "98_square"
RIGHT, WRONG = "    return x * x", "    return x + x"
ENV = {**os.environ, "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs alembic


def install() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "nbgrader==0.9.6", "ipykernel"], check=True)


def _nbgrader_course(base: Path, count: int) -> Path:
    """An nbgrader course: the source with solution and test cells, released, and N submissions."""
    course = base / "nbgrader"
    source = course / "source" / "ps1"
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.CourseDirectory.root = %r\n"
        % str(course.resolve()))
    meta = {"schema_version": 3}
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Write `square(x)`."),
        nbformat.v4.new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                                  metadata={"nbgrader": {**meta, "solution": True, "grade": False, "locked": False,
                                                         "grade_id": "square"}}),
        nbformat.v4.new_code_cell("assert square(3) == 9\nassert square(-2) == 4\nassert square(0) == 0",
                                  metadata={"nbgrader": {**meta, "solution": False, "grade": True, "locked": True,
                                                         "grade_id": "test_square", "points": 2}}),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source / "ps1.ipynb")
    subprocess.run([str(NBGRADER), "generate_assignment", "ps1", "--force"], cwd=course, check=True,
                   capture_output=True, env=ENV)
    release = nbformat.read(course / "release" / "ps1" / "ps1.ipynb", as_version=4)
    for n in range(count):
        student = nbformat.reads(nbformat.writes(release), as_version=4)
        cell = student.cells[1]
        cell.source = cell.source.replace("    # YOUR CODE HERE\n    raise NotImplementedError()", RIGHT if n % 2 == 0 else WRONG)
        folder = course / "submitted" / f"s{n:03d}" / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(student, folder / "ps1.ipynb")
    return course


def _workbook_course(base: Path, count: int) -> Path:
    """The same assignment for ``workbook grade``: a key with a function question, the released
    exercise, and N submissions."""
    course = base / "workbook"
    (course / "solutions" / "keys").mkdir(parents=True)
    (course / "solutions" / "keys" / f"{NAME}.yml").write_text(
        f"notebook: {NAME}\nprefix: square\nquestions:\n  q1:\n    name: square\n    kind: function\n    points: 2\n"
        "    reference: square_cases:square\n    cases:\n      - args: [3]\n      - args: [-2]\n      - args: [0]\n"
        "    title: {en: Square, ko: 제곱}\n    hint: {en: x times x., ko: x 곱하기 x.}\n")
    (course / "solutions" / "keys" / "square_cases.py").write_text(
        "def square(x):\n    return x * x\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Write `square(x)`.", metadata={"tags": ["lang:en"]}),
        nbformat.v4.new_markdown_cell("`square(x)`를 작성하세요.", metadata={"tags": ["lang:ko"]}),
        nbformat.v4.new_code_cell('lang = "en"\nseed = 0\ngrading = False', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from workbook import check"),
        nbformat.v4.new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell('check("square.q1", square)'),
    ])
    nb.cells[1].id = nb.cells[0].id + "-ko"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, course / "solutions" / f"{NAME}.ipynb")
    from workbook.assign import Paths, assign

    assign(paths=Paths(course / "solutions", course / "exercises", course / "learner_keys"))
    release = nbformat.read(next((course / "exercises").rglob(f"{NAME}.ipynb")), as_version=4)
    for n in range(count):
        student = nbformat.reads(nbformat.writes(release), as_version=4)
        for cell in student.cells:
            if cell.cell_type == "code" and cell.source.startswith("def square"):
                cell.source = "def square(x):\n" + (RIGHT if n % 2 == 0 else WRONG)
        folder = course / "submissions" / f"s{n:03d}"
        folder.mkdir(parents=True)
        nbformat.write(student, folder / f"{NAME}.ipynb")
    return course


@contextmanager
def _engine(base: Path, args: argparse.Namespace) -> Iterator[list[str]]:
    """The options that pick where ``workbook grade`` runs: ``--jobs N``, or a local Dask cluster's address."""
    if not args.dask:
        yield ["--jobs", str(args.jobs)]
        return
    from grade_bench import _dask_cluster

    (base / "cluster").mkdir()
    procs, address = _dask_cluster(base / "cluster")
    try:
        yield ["--scheduler", address]
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _is_kernel(cmd: list[str]) -> bool:
    return any("ipykernel" in c for c in cmd) or any(c.endswith("kernel_stub.py") for c in cmd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--install", action="store_true", help=f"make {VENV} with nbgrader 0.9.6 first")
    parser.add_argument("--dask", action="store_true",
                        help="grade on a local Dask cluster started once for the run (2 workers x 1 thread), whose "
                             "grading processes stay warm from one round to the next, instead of --jobs")
    args = parser.parse_args()
    if args.install and not NBGRADER.exists():
        install()
    if not NBGRADER.exists():
        print(f"vs_nbgrader: skipped: nbgrader is not installed in {VENV} (run with --install)")
        return
    roles_nb = {"grader": lambda c: any(x.endswith("nbgrader") for x in c[:2]), "kernel": _is_kernel}
    roles_wb = {"grader": lambda c: "workbook.worker" in c, "kernel": lambda c: "workbook.zygote" in c or _is_kernel(c)}
    ratios, nb_cpu, wb_cpu, peaks = [], [], [], {"nbgrader": {}, "workbook": {}}
    with tempfile.TemporaryDirectory(prefix="vs-nbgrader-") as tmp, _engine(Path(tmp), args) as engine:
        base = Path(tmp)
        nb_course = _nbgrader_course(base / "template", args.count)
        wb_course = _workbook_course(base / "template", args.count)
        for round_ in range(args.rounds):
            work = base / f"round{round_}"
            shutil.copytree(nb_course, work / "nbgrader")
            nb = run([str(NBGRADER), "autograde", "ps1", "--create", "--force"], cwd=work / "nbgrader", roles=roles_nb,
                     env=ENV)
            wb = run([str(WORKBOOK), "grade", str(wb_course / "submissions"), "--out", str(work / "wb-out"),
                      "--keys", str(wb_course / "solutions" / "keys"), "--exercises", str(wb_course / "exercises"),
                      *engine, "--force"], roles=roles_wb)
            if nb.returncode or wb.returncode:
                print(nb.output[-2000:] if nb.returncode else wb.output[-2000:])
                raise SystemExit("vs_nbgrader: a grader failed (output above)")
            graded = json.loads((work / "wb-out" / "results.json").read_text())["submissions"]
            right = sum(r["score"] == 2 for r in graded)
            ratios.append(wb.wall / nb.wall)
            nb_cpu.append(nb.cpu / args.count)
            wb_cpu.append(wb.cpu / args.count)
            for tool, measured in (("nbgrader", nb), ("workbook", wb)):
                for role, mb in measured.peak_mb.items():
                    peaks[tool][role] = max(peaks[tool].get(role, 0.0), mb)
            print(f"round {round_ + 1}: nbgrader {nb.wall:.2f} s, workbook {' '.join(engine)} {wb.wall:.2f} s, "
                  f"ratio {ratios[-1]:.3f} ({1 / ratios[-1]:.2f}x); workbook full marks {right}/{args.count}; "
                  f"kernels: {sorted({r.get('kernel') for r in graded})}")
            shutil.rmtree(work)
    median = statistics.median(ratios)
    where = "on a warm local Dask cluster (2 x 1 thread)" if args.dask else f"--jobs {args.jobs}"
    print(f"median wall ratio workbook/nbgrader {median:.3f}: workbook {where} is {1 / median:.2f}x "
          f"nbgrader's throughput ({args.count} submissions, {args.rounds} rounds)")
    print(f"CPU per submission ({nb.cpu_source}): nbgrader {statistics.median(nb_cpu):.3f} s, "
          f"workbook {statistics.median(wb_cpu):.3f} s")
    print(f"peak RSS of one process, MB: nbgrader {peaks['nbgrader']}, workbook {peaks['workbook']}")
    if args.dask:
        print("(with --dask, workbook's CPU and memory are its client's only: the cluster runs outside the measured tree)")


if __name__ == "__main__":
    main()
