"""Measure one command for the benchmarks: wall time, CPU of its whole process tree, peak memory.

CPU comes from a cgroup-v1 ``cpuacct`` group made for the run when this process may make one (root
on a cgroup-v1 host, as here): every process the command starts is counted, kernels included, even
those killed rather than waited for. Elsewhere it falls back to ``RUSAGE_CHILDREN`` (only processes
that were waited for), and says so. Peak memory is sampled (10 Hz) per process whose command line
matches ``role``: the peak resident set of one grading process, and of one kernel.
"""

from __future__ import annotations

import os
import resource
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psutil

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


@dataclass
class Measured:
    wall: float
    cpu: float
    cpu_source: str
    peak_mb: dict[str, float] = field(default_factory=dict)  # role -> peak RSS of one such process, MB
    returncode: int = 0
    output: str = ""


def _cgroup() -> Path | None:
    if not (CPUACCT / "cgroup.procs").exists() or os.geteuid() != 0:
        return None
    path = CPUACCT / f"wb-bench-{secrets.token_hex(4)}"
    try:
        path.mkdir()
    except OSError:
        return None
    return path


def run(argv: list[str], *, roles: dict[str, Callable[[list[str]], bool]], cwd: Path | None = None,
        env: dict[str, str] | None = None) -> Measured:
    """Run ``argv`` to its end and measure it (see the module docstring)."""
    group = _cgroup()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)

    def enter() -> None:  # in the child, before exec: everything it starts is counted
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    peaks = dict.fromkeys(roles, 0.0)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=enter)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            except psutil.Error:
                tree = []
            for p in tree:
                try:
                    cmd, rss = p.cmdline(), p.memory_info().rss / 1e6
                except psutil.Error:
                    continue
                for role, match in roles.items():
                    if match(cmd):
                        peaks[role] = max(peaks[role], rss)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0].decode("utf-8", "replace")
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if group is not None:
        cpu, source = int((group / "cpuacct.usage").read_text()) / 1e9, "cgroup"
        for _ in range(50):  # the group empties as the last processes are reaped
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        source = "rusage (waited-for processes only)"
    return Measured(wall, cpu, source, {k: round(v, 1) for k, v in peaks.items()}, proc.returncode, output)
