"""Launch a grading kernel in a box: memory cap, no network, a private view of the file system.

A student's kernel may run any code, so the grader wraps the kernel's launch command (the argv a
kernelspec gives) in a small shell script run by ``unshare``. Three levels, the best one the OS allows:

``full`` (root; or any user where unprivileged user namespaces are allowed, inside one): new
  network, PID and mount namespaces. Inside, the root file system is remounted read-only (the
  kernel cannot edit the installed packages or another kernel's files), fresh ``/tmp`` and ``/dev/shm`` hide every other submission's scratch
  folder, the answer keys, the submissions and the results folder are covered by empty mounts, and
  only this submission's own folder is bound back, writable. Then every capability is dropped
  (``setpriv``), so the kernel cannot undo a mount, and ``prlimit`` caps its address space and the
  size of any file it writes. The kernel cannot reach any TCP port, not even the grader's loopback:
  the grader talks to it over ZeroMQ IPC sockets (files in the bound folder).
``network``: only ``unshare -n`` works: no network, memory cap, but the file system is shared.
``none``: neither works (no root, no user namespaces, not Linux): only the memory cap through
  ``prlimit`` if present. The grader warns once and records the level in ``results.json``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

LEVELS = ("full", "network", "none")


@dataclass(frozen=True)
class Isolation:
    """What the OS allowed, found once per batch by :func:`probe`."""

    level: str
    memory_cap: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)
    user_namespace: bool = False  # not root: the namespaces are made inside a user namespace

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Box:
    """One kernel's box: its own folder (the only writable place it sees), what to hide, the memory cap."""

    home: Path
    cwd: Path
    hide: tuple[Path, ...]
    memory_mb: int
    isolation: Isolation


def _runtime() -> list[Path]:
    """What every kernel needs to see: the Python installation and this package."""
    return [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parent]


def _under_fresh_mounts(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that the fresh ``/tmp`` or ``/dev/shm`` would cover (a clone under /tmp)."""
    return [p for p in paths if any(Path(t) in p.parents for t in ("/tmp", "/dev/shm"))]


def _full_script(box: Box) -> str:
    """Shell commands run as root inside the new namespaces, ending in ``exec`` of the kernel."""
    q = shlex.quote
    home = q(str(box.home))
    keep = _under_fresh_mounts(_runtime())
    # Runtime folders under /tmp are bound into our folder first, carried across the fresh /tmp with
    # it (--rbind), put back at their own paths read-only, and then unmounted from our folder (the
    # empty mount points stay: the first binds still hold them, on the covered old /tmp).
    stash = [f"{home}/.wb-runtime/{i}" for i in range(len(keep))]
    lines = ["set -e", f"cd {home}"]  # keeps a handle on our folder while /tmp is covered
    for path, spot in zip(keep, stash):
        lines += [f"mkdir -p {spot}", f"mount --bind {q(str(path))} {spot}"]
    lines += [
        "mount -o remount,bind,ro /",
        "mount -t tmpfs -o size=256m,mode=1777 none /tmp",
        "mount -t tmpfs -o size=64m,mode=1777 none /dev/shm",
        f"mkdir -p {home}",
        f"mount --no-canonicalize --rbind . {home}",  # '.' is the old folder, not the new empty path
        f"mount -o remount,bind,rw {home}",
    ]
    for path, spot in zip(keep, stash):
        lines += [f"mkdir -p {q(str(path))}", f"mount --bind {spot} {q(str(path))}",
                  f"mount -o remount,bind,ro {q(str(path))}", f"umount {spot}"]
    lines += [f"mount -t tmpfs -o size=4k,mode=000 none {q(str(path))}" for path in box.hide
              if not any(path == Path(t) or Path(t) in path.parents for t in ("/tmp", "/dev/shm"))]  # already covered
    lines.append(f"cd {q(str(box.cwd))}")
    limit = _prlimit(box.memory_mb)
    lines.append('exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs ' + " ".join(limit) + ' "$@"')
    return "\n".join(lines)


def _prlimit(memory_mb: int) -> list[str]:
    if not shutil.which("prlimit"):
        return []
    size = memory_mb * 1024 * 1024
    return ["prlimit", f"--as={size}", f"--fsize={size}", "--"]


def wrap(argv: list[str], box: Box) -> list[str]:
    """The kernel's launch command wrapped for the box's isolation level."""
    level = box.isolation.level
    # the box dies with the worker that started it, even on kill -9 (no orphaned kernels)
    tie = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
    user = ["--user", "--map-root-user"] if box.isolation.user_namespace else []
    if level == "full":
        return [*tie, "unshare", *user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc",
                "sh", "-c", _full_script(box), "workbook-kernel", *argv]
    limit = _prlimit(box.memory_mb)
    if level == "network":
        return [*tie, "unshare", *user, "--net", *limit, *argv]
    return [*tie, *limit, *argv]


def visible_hides(paths: list[Path], keep: list[Path]) -> tuple[Path, ...]:
    """The folders to hide, minus any that would also hide what the kernel needs (the Python
    installation, this package, the grader's work folder)."""
    needed = [*_runtime(), *[p.resolve() for p in keep]]
    out: list[Path] = []
    for path in paths:
        path = path.resolve()
        if path.is_dir() and not any(n == path or path in n.parents for n in needed) and path not in out:
            out.append(path)
    return tuple(out)


def _runs(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _full_works(isolation: Isolation) -> bool:
    """Run a test command in a full box: it must not see a hidden file, and may write only its folder."""
    outside_tmp = Path("/var/tmp") if os.access("/var/tmp", os.W_OK) else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="wb-probe-", dir="/tmp") as tmp, \
            tempfile.TemporaryDirectory(prefix=".wb-probe-", dir=outside_tmp) as secret:
        home = Path(tmp) / "box"
        (home / "work").mkdir(parents=True)
        (Path(secret) / "key").write_text("hidden")
        box = Box(home=home, cwd=home / "work", hide=(Path(secret),), memory_mb=256, isolation=isolation)
        python = f"{shlex.quote(sys.executable)} -c 'import workbook'"  # the kernel's interpreter must start
        test = f"test ! -e {shlex.quote(secret)}/key && touch x && ! touch {shlex.quote(secret)}/y && {python}"
        return _runs(wrap(["sh", "-c", test], box)) and (home / "work" / "x").exists()


def probe(memory_mb: int) -> Isolation:
    """Find the best isolation level this machine allows, by running a test command in each box."""
    memory_cap = shutil.which("prlimit") is not None
    warnings = [] if memory_cap else ["prlimit not found: the kernel's memory is not capped"]
    if sys.platform.startswith("linux") and shutil.which("unshare"):
        user = os.geteuid() != 0
        full = Isolation("full", memory_cap, tuple(warnings), user_namespace=user)
        if shutil.which("setpriv") and _full_works(full):
            return full
        if _runs(["unshare", *(["--user", "--map-root-user"] if user else []), "--net", "true"]):
            warnings.append("mount namespaces unavailable: kernels have no network but share the file system "
                            "(a student's code could read the answer key or write elsewhere)")
            return Isolation("network", memory_cap, tuple(warnings), user_namespace=user)
    warnings.append("namespaces unavailable (not root, no user namespaces, or not Linux): kernels run with the "
                    "grader's network and file system access; grade untrusted work on a machine that allows "
                    "`unshare -n`")
    return Isolation("none", memory_cap, tuple(warnings))


def kernel_env(home: Path) -> dict[str, str]:
    """Environment for a grading kernel: one thread per library, caches inside its own folder."""
    # MPLBACKEND is dropped too: the kernel's own inline backend puts plots in the feedback page
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBOOK_", "JPY_")) and k != "MPLBACKEND"}
    env.update({
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MPLCONFIGDIR": str(home / "mpl"), "IPYTHONDIR": str(home / "ipython"),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env
