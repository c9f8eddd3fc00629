"""Soak the course under plain papermill: does any notebook run ever hang? (A benchmark, not a test: it
prints, it asserts nothing.)

Executes every notebook of the course (``notebooks/``, ``solutions/`` and ``exercises/``) ``--runs``
times each, the way a user runs one - ``papermill --cwd <its folder> <notebook> <output>``, with no cell
timeout - while a watchdog counts a run still going after ``--hang-after`` seconds as a hang: it kills
that run (papermill and the kernel it started), keeps its papermill log and partial output under
``--out``, and goes on. Prints runs, hangs, failures and the p50/p99 wall time per notebook, per kind
and overall, and writes them as JSON beside the kept logs.

    .venv/bin/python bench/soak.py                      # 12 notebooks x 50 runs, one at a time
    .venv/bin/python bench/soak.py --runs 5 --only 04   # notebooks whose path contains "04"
    .venv/bin/python bench/soak.py --debug              # papermill at DEBUG: a hung run's log shows
                                                        # every message that arrived
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("notebooks", "solutions", "exercises")
PACKAGES = ("papermill", "nbclient", "jupyter_client", "ipykernel", "ipywidgets", "pyzmq")


@dataclass
class Run:
    notebook: str  # e.g. "notebooks/01_full_stack_ml.ipynb"
    index: int
    outcome: str  # ok | hang | failed
    seconds: float
    kept: str = ""  # where the log and partial output of a hung or failed run are


def course_notebooks(only: list[str]) -> list[Path]:
    found = [p for kind in KINDS for p in sorted((ROOT / kind).glob("*.ipynb"))]
    return [p for p in found if not only or any(o in str(p.relative_to(ROOT)) for o in only)]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the kernel runs in a session of its own, so a process-group kill
    would miss it), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process: subprocess.Popen) -> None:
    for pid in [*descendants(process.pid), process.pid]:  # by id: only what this run started
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def run_once(notebook: Path, index: int, args: argparse.Namespace, keep: Path) -> Run:
    name = str(notebook.relative_to(ROOT))
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        output, log = Path(tmp) / notebook.name, Path(tmp) / "papermill.log"
        command = [sys.executable, "-m", "papermill", "--cwd", str(notebook.parent), str(notebook), str(output),
                   "--no-progress-bar", "--log-level", "DEBUG" if args.debug else "INFO"]
        command += [a for lang in ([args.lang] if args.lang else []) for a in ("-p", "lang", lang)]
        env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "WORKBOOK_HANDOUT")}
        start = time.monotonic()
        with open(log, "w") as stream:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=stream,
                                       stderr=subprocess.STDOUT)
            try:
                rc = process.wait(timeout=args.hang_after)
                outcome = "ok" if rc == 0 else "failed"
            except subprocess.TimeoutExpired:
                outcome = "hang"
                kill_tree(process)
        seconds = time.monotonic() - start
        kept = ""
        if outcome != "ok":
            target = keep / f"{outcome}-{name.replace('/', '-').removesuffix('.ipynb')}-{index}"
            target.mkdir(parents=True, exist_ok=True)
            for path in (output, log):
                if path.exists():
                    shutil.copy(path, target / path.name)
            kept = str(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
    return Run(name, index, outcome, round(seconds, 2), kept)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(runs: list[Run]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Run]] = {"all": runs}
    for run in runs:
        groups.setdefault(run.notebook.split("/")[0] + "/*", []).append(run)
        groups.setdefault(run.notebook, []).append(run)
    table = {}
    for key, group in groups.items():
        walls = [r.seconds for r in group if r.outcome == "ok"]
        table[key] = {"runs": len(group), "hangs": sum(r.outcome == "hang" for r in group),
                      "failed": sum(r.outcome == "failed" for r in group),
                      "p50": round(percentile(walls, 50), 2), "p99": round(percentile(walls, 99), 2)}
    return table


def print_table(table: dict[str, dict[str, float]]) -> None:
    width = max(len(k) for k in table)
    print(f"{'':{width}}  {'runs':>5} {'hangs':>5} {'failed':>6} {'p50 s':>7} {'p99 s':>7}")
    order = sorted(table, key=lambda k: (k == "all", not k.endswith("/*"), k))
    for key in order:
        row = table[key]
        print(f"{key:{width}}  {row['runs']:>5} {row['hangs']:>5} {row['failed']:>6} {row['p50']:>7.2f} {row['p99']:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="runs of each notebook (default 50)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time (default 1)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="only notebooks whose path contains TEXT (repeatable)")
    parser.add_argument("--hang-after", type=float, default=60, metavar="SECONDS",
                        help="a run still going after this long is a hang (default 60)")
    parser.add_argument("--lang", choices=("en", "ko"), help="pass -p lang LANG (default: the notebook's own)")
    parser.add_argument("--debug", action="store_true", help="papermill --log-level DEBUG (kept for hung runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out",
                        help="where results and hung runs' logs go (default bench/out, git-ignored)")
    args = parser.parse_args(argv)

    notebooks = course_notebooks(args.only)
    if not notebooks:
        parser.error(f"no notebook matches {args.only}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    keep = args.out / f"soak-{stamp}"
    jobs = [(nb, i) for i in range(args.runs) for nb in notebooks]  # round-robin over the notebooks
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "-"
    print(f"soak: {len(notebooks)} notebooks x {args.runs} runs, {args.jobs} job(s), hang after {args.hang_after:g} s; "
          + ", ".join(f"{k} {v}" for k, v in versions.items()), flush=True)

    runs: list[Run] = []
    lock = threading.Lock()
    started = time.monotonic()

    def one(job: tuple[Path, int]) -> None:
        run = run_once(*job, args, keep)
        with lock:
            runs.append(run)
            note = f"  HANG, kept in {run.kept}" if run.outcome == "hang" else \
                f"  FAILED, kept in {run.kept}" if run.outcome == "failed" else ""
            print(f"[{len(runs)}/{len(jobs)}] {run.notebook} #{run.index + 1}: {run.seconds:.1f} s{note}", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(one, jobs))

    table = summary(runs)
    print(f"\nwall {time.monotonic() - started:.0f} s")
    print_table(table)
    args.out.mkdir(parents=True, exist_ok=True)
    result = args.out / f"soak-{stamp}.json"
    result.write_text(json.dumps({"versions": versions, "args": {k: str(v) for k, v in vars(args).items()},
                                  "summary": table, "runs": [asdict(r) for r in runs]}, indent=1) + "\n")
    print(f"results: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
