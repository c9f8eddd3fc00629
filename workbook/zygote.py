"""Warm kernels: fork each grading kernel from a pre-imported interpreter into a fresh box of its own.

A cold kernel start costs about a second of CPU (Python, ipykernel, then the release's own imports:
numpy, pandas, scikit-learn, the lecture module). A *zygote* pays that once per grading worker: it
runs in a bwrap box (see :mod:`workbook.sandbox`, root only) as root with the capabilities to make
namespaces, imports the release's modules, and then, for each kernel asked of it, forks:

1. the child makes new mount, network, IPC, UTS and PID namespaces; in the new mount namespace it
   covers the box's writable places with fresh, empty, size-capped tmpfs (``/tmp``, ``/dev/shm``,
   the kernel's own folder with its working, IPython and matplotlib folders: the same layout as a
   cold box) and hides every other kernel's folder (its connection key), keeping only its own
   socket folder, bound from the host;
2. it forks the kernel, which is PID 1 of the new PID namespace (when it dies, everything it
   started dies with it) with its own ``/proc``; the kernel caps its address space and file size,
   drops every capability (bounding and ambient sets too), becomes ``nobody`` with no groups and
   ``no_new_privs``, takes the kernel's allow-list environment, reseeds its random generators, and
   only then starts ipykernel on the connection file the grader made.

So each submission gets a process no earlier submission touched (the zygote never runs student
code), a file system in which nothing an earlier kernel wrote exists, and no process of an earlier
kernel (its PID namespace is gone). The zygote itself is out of reach: it is in no namespace the
kernel can see, and it is not dumpable.

The grader starts a kernel by launching ``kernel_stub.py`` (a stdlib-only script): it asks the
zygote over a Unix socket, then waits and exits with the kernel's exit status, so
jupyter_client's usual process handling (poll, kill) works on it; when the stub dies, the zygote
kills the kernel.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import random
import select
import signal
import socket
import sys
from pathlib import Path
from typing import Any

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
ALWAYS = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "jupyter_client.session", "zmq")
# never imported before the kernel's shell exists: they hook into it when first imported
NOT_BEFORE_SHELL = ("matplotlib_inline", "ipywidgets")
INLINE = "module://matplotlib_inline.backend_inline"  # what ipykernel would set: matplotlib reads it at import
# never imported at all: a grading kernel has no debugger (ipykernel treats debugpy as optional; its
# import costs ~0.1 s of every kernel's start, and nobody attaches a debugger to a grading run)
NEVER = ("debugpy",)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def _tmpfs(target: str, mb: int, mode: str) -> None:
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={mb}m,mode={mode}")


def imports_of(sources: list[str]) -> tuple[str, ...]:
    """The modules the top-level ``import`` statements of ``sources`` (code cells) name, in order."""
    import ast

    found: dict[str, None] = {}
    for source in sources:
        if source.lstrip().startswith("%%"):  # a cell magic: not Python
            continue
        # line magics and shell escapes are IPython's, not Python's: blank them so the rest parses
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found[node.module] = None
                # ``from package import module`` imports a submodule (a lecture module is the costly one);
                # a name that is not a module only fails to preload
                found.update((f"{node.module}.{alias.name}", None) for alias in node.names if alias.name != "*")
    return tuple(found)


def _needs_shell(name: str) -> bool:
    return any(name == n or name.startswith(n + ".") for n in NOT_BEFORE_SHELL)


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` and the kernel's own; returns those that failed. A module that would pull
    in one that hooks into the kernel's shell is not preloaded (everything it imported is dropped)."""
    failed = []
    for name in [*ALWAYS, *modules]:
        if _needs_shell(name):
            continue
        before = set(sys.modules)
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module the release imports may fail here and work later
            failed.append(name)
            continue
        if any(_needs_shell(m) for m in set(sys.modules) - before):
            for added in set(sys.modules) - before:
                del sys.modules[added]
    return failed


def _enter_box(req: dict[str, Any]) -> None:
    """In the forked child (root, in the zygote's box): new namespaces and fresh writable mounts."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    kernels, home = req["kernels"], req["home"]  # home: this kernel's folder, its sockets in home/kernel
    mine = os.path.join(home, "kernel")
    _tmpfs("/dev/shm", req["shm_mb"], "1777")
    stage = "/dev/shm/.wb-kernel"
    os.mkdir(stage)
    _mount(mine, stage, None, MS_BIND | MS_REC)  # the socket folder the grader reaches, kept aside
    # Python and this package, when they live under /tmp (a checkout there), kept aside the same way
    kept = []
    for index, path in enumerate(req.get("keep", [])):
        spot = f"/dev/shm/.wb-keep-{index}"
        os.mkdir(spot)
        _mount(path, spot, None, MS_BIND | MS_REC)  # with what is hidden inside it (its own mounts)
        kept.append((spot, path))
    # the zygote's copy of the worker's font cache (building matplotlib's font list costs seconds in
    # every kernel otherwise), read before /tmp, where it may be, is covered
    warm = os.path.join(os.path.dirname(kernels), "mpl")
    fonts = {}
    if os.path.isdir(warm):
        for entry in os.scandir(warm):
            if entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as file:
                    fonts[entry.name] = file.read()
    _tmpfs("/tmp", req["tmp_mb"], "1777")  # the work folders may be under /tmp: made again below
    for spot, path in kept:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(spot, path, None, MS_MOVE)
        _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY)
        os.rmdir(spot)
    if os.path.isdir(kernels):
        _tmpfs(kernels, 1, "0755")  # every other kernel's folder (its connection key) is gone
    os.makedirs(home, mode=0o755, exist_ok=True)
    _tmpfs(home, req["scratch_mb"], "0755")
    for sub in ("kernel", "work", "ipython", "mpl"):
        os.mkdir(os.path.join(home, sub))
    for name, data in fonts.items():
        with open(os.path.join(home, "mpl", name), "wb") as file:
            file.write(data)
    _mount(stage, mine, None, MS_MOVE)
    os.rmdir(stage)
    uid = req["uid"]
    for path in [home, *(os.path.join(home, sub) for sub in ("kernel", "work", "ipython", "mpl"))]:
        os.chown(path, uid, uid)
    for name in os.listdir(mine):  # the connection file the grader wrote: the kernel must read it
        os.chown(os.path.join(mine, name), uid, uid)


def _become_kernel(req: dict[str, Any]) -> None:
    """In PID 1 of the new PID namespace: own /proc, limits, no privileges, then ipykernel."""
    import resource

    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("/proc/sys", "/proc/sys", None, MS_BIND)
    _mount(None, "/proc/sys", None, MS_BIND | MS_REMOUNT | MS_RDONLY)
    mb = 1024 * 1024
    pages = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (pages + req["memory_mb"] * mb,) * 2)  # the warm imports are not the student's
    resource.setrlimit(resource.RLIMIT_FSIZE, (req["memory_mb"] * mb,) * 2)
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    uid = req["uid"]
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # permitted and effective capabilities go with root
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it
    os.setsid()
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=["-f", req["connection_file"], "--HistoryManager.enabled=False"])


def _spawn(req: dict[str, Any]) -> int:
    """Fork the child that makes the box and the kernel; its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _enter_box(req)
        kernel = os.fork()  # PID 1 of the new PID namespace
        if kernel == 0:
            try:
                _become_kernel(req)
                code = 0
            except BaseException:  # noqa: BLE001 - report (to the zygote's log) and leave; never return into the zygote
                import traceback

                traceback.print_exc()
                code = 3
            finally:
                os._exit(code)
        code = os.waitstatus_to_exitcode(os.waitpid(kernel, 0)[1])
        code = code if code >= 0 else 128 - code
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        code = 2
    finally:
        os._exit(code)


def serve(control: str, modules: list[str]) -> None:
    """The zygote's loop: preload, then one forked kernel per connection on ``control``."""
    _prctl(PR_SET_DUMPABLE, 0)  # no kernel can ptrace or read this process
    for name in NEVER:
        sys.modules[name] = None  # type: ignore[assignment] - None in sys.modules: the import fails
    os.environ["MPLBACKEND"] = INLINE  # only while preloading; each kernel gets its own environment
    preload(modules)
    del os.environ["MPLBACKEND"]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(control)
    os.chmod(control, 0o600)
    listener.listen(8)
    children: dict[int, socket.socket] = {}  # pid -> the stub's connection
    while True:
        ready, _, _ = select.select([listener, *children.values()], [], [], 0.05)
        for conn in ready:
            if conn is listener:
                stub, _ = listener.accept()
                line = stub.makefile("rb").readline()
                try:
                    children[_spawn(json.loads(line))] = stub
                except (ValueError, OSError):
                    stub.close()
            else:  # the stub closed: its kernel is to die
                pid = next(p for p, c in children.items() if c is conn)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            stub = children.pop(pid, None)
            if stub is not None:
                try:
                    stub.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                stub.close()


if __name__ == "__main__":
    serve(sys.argv[1], json.loads(sys.argv[2]))
