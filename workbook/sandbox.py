"""Launch a grading kernel in a box: memory cap, no network, a private view of the file system.

A student's kernel may run any code, so the grader wraps the kernel's launch command (the argv a
kernelspec gives) for the best isolation the OS allows (:func:`probe` finds it once per batch and
:class:`Isolation` records the level and the tool):

``full`` with ``tool="bwrap"`` (bubblewrap on PATH and passing the probe; root, or any user where
  unprivileged user namespaces work): an *allow-list* box. The kernel starts in a fresh, empty,
  read-only root where only what it needs is bound read-only: ``/usr`` (and the ``/bin``, ``/lib*``
  links), a few harmless ``/etc`` files, the Python installation(s) (``sys.prefix``,
  ``sys.base_prefix``, folders the site-packages ``.pth`` files add) and the ``workbook`` package
  folder alone -- never the repository around it, so its ``.git``, ``solutions/`` and every other
  copy of the keys, the submissions, the results and the grader's home do not exist in the box.
  New IPC, PID, network, UTS and cgroup namespaces (and a user namespace when not root);
  ``--die-with-parent``, ``--new-session``, every capability dropped, a new ``/proc`` with
  ``/proc/sys`` and ``/proc/sysrq-trigger`` read-only, a minimal read-only ``/dev`` (null, zero,
  random, tty, pts) with its own ``/dev/shm``, no ``/sys``. ``/tmp``, ``/dev/shm`` and the box's
  folder (``home``: the working folder, the IPython and matplotlib folders, a copy of the warm
  font cache) are size-capped tmpfs in memory, gone with the box. Only ``home/kernel`` (the ZeroMQ
  IPC sockets and the connection file, which the grader outside must reach at the same path) and,
  if present, ``home/export`` are host folders bound writable. The environment is
  :func:`kernel_env`'s allow-list (bwrap clears the rest). When the grader is root, the kernel
  does not run as root: the box's setup hands its folders to ``nobody`` (uid 65534) and
  ``setpriv`` switches to it with no capabilities, so no root-owned file or sysctl is writable
  even where a bind would allow it. ``prlimit`` caps the address space and the size of any file.
``full`` with ``tool="unshare"``: the fallback where bwrap is absent or fails its probe. A shell
  script run by ``unshare`` in new network, PID and mount namespaces remounts the root read-only,
  puts fresh ``/tmp`` and ``/dev/shm`` over the host's, covers the answer keys, the submissions and
  the results folder with empty mounts (a *deny-list*: what is not named stays visible) and binds
  the submission's own folder back writable; then ``setpriv`` drops every capability.
``network``: only ``unshare -n`` works: no network, memory cap, but the file system is shared.
``none``: neither works (no root, no user namespaces, not Linux): only the memory cap through
  ``prlimit`` if present. The grader warns once and records the level in ``results.json``.

In every box the kernel cannot reach any TCP port, not even the grader's loopback: the grader
talks to it over ZeroMQ IPC sockets (files in ``home/kernel``).

Host disk. In the bwrap box everything the kernel may write is in memory and capped (``/tmp``
:data:`TMP_MB`, ``home`` :data:`SCRATCH_MB`, ``/dev/shm`` :data:`SHM_MB`) except the bound
``home/kernel`` (and ``home/export``): there, host disk use is bounded only per file, by the
``prlimit`` file-size cap (the memory cap), not in total. A size-capped tmpfs there would have to be
mounted on the host, where nothing would reliably unmount it when a kernel is killed; the batch's
whole work folder on a tmpfs (``grade.py``) is the place for a total bound. The unshare fallback
bounds the same way (its ``/tmp`` and ``/dev/shm`` are capped tmpfs, its working folder is not).
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
TOOLS = ("bwrap", "unshare", "")  # how a level is made ("" for none: nothing but prlimit)
KERNEL_UID = 65534  # nobody: the kernel's user in a bwrap box when the grader is root
TMP_MB, SCRATCH_MB, SHM_MB = 256, 256, 64  # tmpfs sizes in a bwrap box: /tmp, the box's folder, /dev/shm
# host files a kernel may read: the loader cache, the time zone, user and host names, the font
# configuration (no secrets)
ETC = ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts",
       "/etc/fonts")


@dataclass(frozen=True)
class Isolation:
    """What the OS allowed, found once per batch by :func:`probe`."""

    level: str
    memory_cap: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)
    user_namespace: bool = False  # not root: the namespaces are made inside a user namespace
    tool: str = ""  # "bwrap" or "unshare" for full; "unshare" for network; "" for none

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Box:
    """One kernel's box: its own folder, what to hide, the memory cap.

    In a bwrap box only ``home``'s ``shared`` subfolders are host folders the kernel can write (at
    the same path); the rest of ``home`` (``cwd`` in it) is a tmpfs of ``scratch_mb``. ``share``
    adds folders bound read-only (beyond the Python installation and this package)."""

    home: Path
    cwd: Path
    hide: tuple[Path, ...]
    memory_mb: int
    isolation: Isolation
    share: tuple[Path, ...] = ()
    shared: tuple[str, ...] = ("kernel", "export")
    scratch_mb: int = SCRATCH_MB


def _runtime() -> list[Path]:
    """What every kernel needs to see: the Python installation and this package."""
    return [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parent]


def _pth_folders() -> list[Path]:
    """Folders the site-packages ``.pth`` files put on ``sys.path`` (not their ``import`` lines).
    A folder holding this package (an old-style editable install: the repository) is left out:
    the package folder is bound on its own, and the repository around it must stay unseen."""
    import site

    package = Path(__file__).resolve().parent
    out: list[Path] = []
    for base in site.getsitepackages():
        for pth in sorted(Path(base).glob("*.pth")):
            try:
                lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                line = line.strip()
                if not line or line.startswith(("#", "import ", "import\t")):
                    continue
                path = (Path(base) / line).resolve()
                if path.is_dir() and package not in path.parents and not (path / ".git").exists():
                    out.append(path)
    return out


def _bound_runtime(box: Box) -> list[Path]:
    """Everything bound read-only into a bwrap box besides ``/usr``: Python, this package, ``share``."""
    paths = [*_runtime(), Path(sys.executable).resolve().parent, *_pth_folders(), *(p.resolve() for p in box.share)]
    out: list[Path] = []
    for path in paths:
        if path == Path("/usr") or Path("/usr") in path.parents or path in out:
            continue
        out.append(path)
    # a folder under another one is bound already (and binding it again could hide a later bind)
    return [p for p in out if not any(o in p.parents for o in out)]


def _under_fresh_mounts(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that the fresh ``/tmp`` or ``/dev/shm`` would cover (a clone under /tmp)."""
    return [p for p in paths if any(Path(t) in p.parents for t in ("/tmp", "/dev/shm"))]


def runtime_under_tmp(box: Box) -> list[Path]:
    """The read-only runtime folders of a bwrap box (Python, this package) that a fresh ``/tmp`` would
    cover: a box made inside the box (a forked kernel) must carry them across its own fresh /tmp."""
    return _under_fresh_mounts(_bound_runtime(box))


def _unshare_script(box: Box) -> str:
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
        # the kernel stays uid 0 here (without capabilities, but owner of root's files): everything
        # of the host it could write must be read-only or gone
        "mount --bind /proc/sys /proc/sys", "mount -o remount,bind,ro /proc/sys",
        "mount -t tmpfs -o ro,size=4k,mode=555 none /sys",
        "mount -o remount,bind,ro /dev",
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


# kept under its old name for callers and tests of the unshare box
_full_script = _unshare_script


def _bwrap_argv(argv: list[str], box: Box, *, zygote: bool = False) -> list[str]:
    """The bwrap command for an allow-list box around ``argv`` (see the module docstring). With
    ``zygote`` (root only), ``argv`` stays root with the capabilities to make namespaces and mounts:
    it is :mod:`workbook.zygote`, which drops them in every kernel it forks."""
    q = shlex.quote
    home, cwd = box.home, box.cwd
    as_root = not box.isolation.user_namespace
    mb = 1024 * 1024
    out = ["bwrap", "--die-with-parent", "--new-session"]
    if as_root:  # no user namespace: the kernel drops to KERNEL_UID itself (root in any user namespace
        # made from root is still the host's root for sysctls and root-owned files)
        out += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-drop", "ALL"]
        caps = ("CAP_CHOWN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP") + (("CAP_SYS_ADMIN",) if zygote else ())
        out += [a for cap in caps for a in ("--cap-add", cap)]
    else:
        out += ["--unshare-all", "--cap-drop", "ALL"]  # user, ipc, pid, net, uts, cgroup
    out += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        link = Path("/") / name
        if link.is_symlink():
            out += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            out += ["--ro-bind", str(link), str(link)]
    made = {Path("/"), Path("/usr")}

    def parents(path: Path) -> list[str]:
        """bwrap makes missing parents of a mount point private (0700): make them 0755 first."""
        args = []
        for parent in reversed(path.parents):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        return args

    for path in ETC:
        if os.path.exists(path):
            out += [*parents(Path(path)), "--ro-bind", path, path]
    runtime = _bound_runtime(box)
    under_tmp = _under_fresh_mounts(runtime)  # a checkout under /tmp: bound after the fresh /tmp, not under it
    for path in runtime:
        if path not in under_tmp:
            out += [*parents(path), "--ro-bind", str(path), str(path)]
    out += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys",
            "--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger",
            "--dev", "/dev", "--perms", "1777", "--size", str(SHM_MB * mb), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
            "--perms", "1777", "--size", str(TMP_MB * mb), "--tmpfs", "/tmp"]
    made = {p for p in made if p != Path("/tmp") and Path("/tmp") not in p.parents}  # under the new /tmp
    made.add(Path("/tmp"))
    for path in under_tmp:
        out += [*parents(path), "--ro-bind", str(path), str(path)]
    out += [*parents(home), "--perms", "0755", "--size", str(box.scratch_mb * mb), "--tmpfs", str(home)]
    for sub in box.shared:
        if (home / sub).is_dir():
            out += ["--bind", str(home / sub), str(home / sub)]
    warm = home / ".wb-mpl"  # the warm font cache, read-only, copied into the box's own mpl folder
    if (home / "mpl").is_dir():
        out += ["--ro-bind", str(home / "mpl"), str(warm)]
    mine = [home / "mpl", home / "ipython"]
    if cwd == home or home in cwd.parents:
        mine.append(cwd)
    else:  # a working folder outside the box's folder gets its own tmpfs
        out += [*parents(cwd), "--perms", "0755", "--size", str(box.scratch_mb * mb), "--tmpfs", str(cwd)]
    for path in mine:
        out += ["--dir", str(path)]
    for path in box.hide:  # only what is inside a bound folder exists in the box at all
        if any(path == p or p in path.parents for p in runtime):
            out += ["--perms", "0000", "--size", "4096", "--tmpfs", str(path)]
    out += ["--remount-ro", "/", "--chdir", str(cwd), "--clearenv"]
    for key, value in kernel_env(home).items():
        out += ["--setenv", key, value]
    lines = ["set -e"]
    if (home / "mpl").is_dir():
        lines.append(f"cp -R {q(str(warm))}/. {q(str(home / 'mpl'))}")
    limit = " ".join(_prlimit(box.memory_mb))
    if zygote:
        lines.append('exec "$@"')  # each forked kernel caps and drops privileges itself
    elif as_root:
        uid = KERNEL_UID
        writable = [home / sub for sub in box.shared if (home / sub).is_dir()]
        lines.append(f"chown {uid}:{uid} {q(str(home))}")
        lines.append(f"chown -R {uid}:{uid} " + " ".join(q(str(p)) for p in [*mine, *writable]))
        lines.append(f"exec setpriv --reuid={uid} --regid={uid} --clear-groups --bounding-set=-all "
                     f'--inh-caps=-all --no-new-privs -- {limit} "$@"')
    else:
        lines.append(f'exec {limit} "$@"')
    return [*out, "--", "/bin/sh", "-c", "\n".join(lines), "workbook-kernel", *argv]


def _prlimit(memory_mb: int) -> list[str]:
    if not shutil.which("prlimit"):
        return []
    size = memory_mb * 1024 * 1024
    return ["prlimit", f"--as={size}", f"--fsize={size}", "--"]


def holds_zygote(isolation: Isolation) -> bool:
    """Whether kernels can be forked from a zygote at this isolation: only the bwrap box as root gives
    the zygote what it needs to make each kernel's namespaces."""
    return (isolation.level == "full" and isolation.tool == "bwrap" and not isolation.user_namespace
            and os.geteuid() == 0)


def zygote_argv(argv: list[str], box: Box) -> list[str] | None:
    """The launch command for a kernel zygote in ``box``, or None where this box cannot hold one."""
    return _bwrap_argv(argv, box, zygote=True) if holds_zygote(box.isolation) else None


def wrap(argv: list[str], box: Box) -> list[str]:
    """The kernel's launch command wrapped for the box's isolation level."""
    level = box.isolation.level
    if level == "full" and box.isolation.tool == "bwrap":
        return _bwrap_argv(argv, box)  # dies with the thread that started it: --die-with-parent
    # the box dies with the worker that started it, even on kill -9 (no orphaned kernels)
    tie = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
    user = ["--user", "--map-root-user"] if box.isolation.user_namespace else []
    if level == "full":
        return [*tie, "unshare", *user, "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
                "sh", "-c", _unshare_script(box), "workbook-kernel", *argv]
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


def _runs(argv: list[str], env: dict[str, str] | None = None) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=20, env=env).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _full_works(isolation: Isolation) -> bool:
    """Run a test command in a full box: it must not see a hidden file, and may write only its
    folder (for bwrap: its kernel folder; its working folder is a tmpfs), as a user that cannot
    write a root-owned file."""
    outside_tmp = Path("/var/tmp") if os.access("/var/tmp", os.W_OK) else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="wb-probe-", dir="/tmp") as tmp, \
            tempfile.TemporaryDirectory(prefix=".wb-probe-", dir=outside_tmp) as secret:
        home = Path(tmp) / "box"
        for sub in ("work", "kernel"):
            (home / sub).mkdir(parents=True)
        (Path(secret) / "key").write_text("hidden")
        box = Box(home=home, cwd=home / "work", hide=(Path(secret),), memory_mb=256, isolation=isolation)
        q = shlex.quote
        python = f"{q(sys.executable)} -c 'import workbook'"  # the kernel's interpreter must start
        written = home / ("kernel" if isolation.tool == "bwrap" else "work") / "x"
        test = f"test ! -e {q(secret)}/key && touch x {q(str(written))} && ! touch {q(secret)}/y && {python}"
        if isolation.tool == "bwrap":
            test += " && ! touch /proc/sys/kernel/hostname"  # read-only /proc/sys (or not ours)
        return _runs(wrap(["sh", "-c", test], box), env=kernel_env(home)) and written.exists()


def probe(memory_mb: int) -> Isolation:
    """Find the best isolation level this machine allows, by running a test command in each box."""
    memory_cap = shutil.which("prlimit") is not None
    warnings = [] if memory_cap else ["prlimit not found: the kernel's memory is not capped"]
    if sys.platform.startswith("linux"):
        user = os.geteuid() != 0
        if shutil.which("bwrap") and (user or shutil.which("setpriv")):
            full = Isolation("full", memory_cap, tuple(warnings), user_namespace=user, tool="bwrap")
            if _full_works(full):
                return full
            warnings.append("bwrap is installed but failed its test box: using the unshare box instead")
    if sys.platform.startswith("linux") and shutil.which("unshare"):
        user = os.geteuid() != 0
        full = Isolation("full", memory_cap, tuple(warnings), user_namespace=user, tool="unshare")
        if shutil.which("setpriv") and _full_works(full):
            return full
        if _runs(["unshare", *(["--user", "--map-root-user"] if user else []), "--net", "true"]):
            warnings.append("mount namespaces unavailable: kernels have no network but share the file system "
                            "(a student's code could read the answer key or write elsewhere)")
            return Isolation("network", memory_cap, tuple(warnings), user_namespace=user, tool="unshare")
    warnings.append("namespaces unavailable (not root, no user namespaces, or not Linux): kernels run with the "
                    "grader's network and file system access; grade untrusted work on a machine that allows "
                    "`unshare -n`")
    return Isolation("none", memory_cap, tuple(warnings))


def kernel_env(home: Path) -> dict[str, str]:
    """The whole environment of a grading kernel (an allow-list: nothing of the grader's, no
    secrets, no ``WORKBOOK_*``/``JPY_*``, no ``MPLBACKEND`` -- the kernel's own inline backend puts
    plots in the feedback page): one thread per library, caches inside its own folder."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MPLCONFIGDIR": str(home / "mpl"), "IPYTHONDIR": str(home / "ipython"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    package_root = str(Path(__file__).resolve().parent.parent)
    if package_root in [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]:
        env["PYTHONPATH"] = package_root  # the grader finds this package through PYTHONPATH: so must the kernel
    return env
