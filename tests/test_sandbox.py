"""The bwrap box, attacked directly: each leak the red team found, run as a kernel would run it
(``wrap([python, "-c", code], box)``), must fail inside the box; where it is harmless, the same code
outside the box is the control that shows the attack works at all.

The same attacks run again as uid 65534 (bwrap makes the user namespace) where unprivileged user
namespaces work: this file is then run as a script by the system Python (``--attacks``), since the
venv's Python lives under /root (mode 700). It imports nothing but the standard library and
:mod:`workbook.sandbox` at the top for that reason.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import pytest
except ImportError:  # the non-root run: the system Python has no pytest
    pytest = None

from workbook import sandbox
from workbook.sandbox import Box, Isolation, kernel_env, wrap

REPO = Path(sandbox.__file__).resolve().parent.parent
PACKAGE = Path(sandbox.__file__).resolve().parent
AS_ROOT = os.geteuid() == 0
MB = 1024 * 1024


def bwrap_isolation() -> Isolation | None:
    """The bwrap box this user gets, or None where bwrap is missing or fails the probe."""
    if not shutil.which("bwrap"):
        return None
    isolation = Isolation("full", True, user_namespace=not AS_ROOT, tool="bwrap")
    return isolation if sandbox._full_works(isolation) else None


ISOLATION = bwrap_isolation()
if pytest is not None:
    pytestmark = pytest.mark.skipif(ISOLATION is None, reason="bwrap is not installed or fails its probe here")


# ---------------------------------------------------------------- running code in a box

def new_home(parent: str = "/tmp") -> Path:
    """A box folder like kernel_run's: the kernel folder (bound), the working folder (a tmpfs)."""
    home = Path(tempfile.mkdtemp(prefix="wb-sbx-", dir=parent)) / "box"
    for sub in ("work", "kernel", "ipython"):
        (home / sub).mkdir(parents=True)
    return home


def new_box(home: Path, **kw: object) -> Box:
    assert ISOLATION is not None
    return Box(home=home, cwd=home / "work", hide=(), memory_mb=int(kw.pop("memory_mb", 2048)),  # type: ignore[call-overload]
               isolation=ISOLATION, **kw)  # type: ignore[arg-type]


def run_in_box(code: str, box: Box | None = None, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` (which prints one JSON object last) with this Python in a box, or outside it
    when ``box`` is None, and return that object."""
    home = None
    if box is None:
        argv = [sys.executable, "-c", code]
    else:
        home = box.home
        argv = wrap([sys.executable, "-c", code], box)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env if env is not None else (kernel_env(home) if home else None))
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(lines[-1])


def boxed(code: str, env: dict[str, str] | None = None, **kw: object) -> dict:
    home = new_home()
    try:
        return run_in_box(code, new_box(home, **kw), env=env)
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


TRY = '''
import json, os, errno
def attempt(f):
    try:
        f()
        return "ok"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))
'''


# ---------------------------------------------------------------- the attacks
# Each returns None when the box stopped it, else what leaked.

def fake_repo() -> Path:
    """A git repository outside /tmp: .git, keys/secret.yml, and a package folder pkg/."""
    base = Path(tempfile.mkdtemp(prefix="wb-sbx-repo-", dir="/var/tmp" if os.access("/var/tmp", os.W_OK) else REPO))
    base.chmod(0o755)  # the box's user may traverse it: what it cannot see, the box hides
    (base / "keys").mkdir()
    (base / "keys" / "secret.yml").write_text("answer: 42-the-key\n")
    (base / "pkg").mkdir()
    (base / "pkg" / "__init__.py").write_text("")
    git = ["git", "-C", str(base), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(base)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "keys"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    return base


GIT_SHOW = TRY + '''
import subprocess
repo, pkg = {repo!r}, {pkg!r}
show = subprocess.run(["git", "-c", "safe.directory=*", "-C", pkg, "show", "HEAD:keys/secret.yml"],
                      capture_output=True, text=True)
print(json.dumps({{"show": show.returncode, "out": show.stdout, "listing": sorted(os.listdir(repo)),
                  "key": os.path.exists(repo + "/keys/secret.yml"), "git": os.path.exists(repo + "/.git"),
                  "pkg": os.path.exists(pkg + "/__init__.py")}}))
'''


def attack_fake_repo_git(repo: Path) -> str | None:
    code = GIT_SHOW.format(repo=str(repo), pkg=str(repo / "pkg"))
    seen = boxed(code, share=(repo / "pkg",))
    if not seen["pkg"]:
        return "the bound package folder is missing: the test proves nothing"
    if seen["show"] == 0 or "42-the-key" in seen["out"] or seen["key"] or seen["git"] or seen["listing"] != ["pkg"]:
        return f"the repository around the package is visible: {seen}"
    return None


REAL_REPO = TRY + '''
import subprocess
repo = {repo!r}
show = subprocess.run(["git", "-c", "safe.directory=*", "-C", repo + "/workbook", "show",
                       "HEAD:solutions/keys/01_full_stack_ml.yml"], capture_output=True, text=True)
show2 = subprocess.run(["git", "-c", "safe.directory=*", "-C", repo, "show", "HEAD:solutions/keys/01_full_stack_ml.yml"],
                       capture_output=True, text=True)
names, found = set({names!r}), []
tops = [t for t in {tops!r} if t != "/"] or [os.path.join("/", t) for t in os.listdir("/")
                                            if t not in ("usr", "proc", "dev", "sys", "bin", "sbin") and not t.startswith("lib")]
for top in tops:  # the whole box but the system, and the installed libraries (too large to walk in a test)
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ("site-packages", "dist-packages")]
        found += [os.path.join(root, f) for f in files if f in names]
        found += [os.path.join(root, d) for d in dirs if d == ".git"]
print(json.dumps({{"show": [show.returncode, show2.returncode], "out": show.stdout + show2.stdout,
                  "git": os.path.exists(repo + "/.git"), "keys": os.path.exists(repo + "/solutions/keys"),
                  "listing": sorted(os.listdir(repo)), "found": found[:20],
                  "package": os.path.exists(repo + "/workbook/sandbox.py")}}))
'''


def real_repo_code(tops: list[str]) -> str:
    names = sorted(p.name for p in (REPO / "solutions" / "keys").glob("*")) if (REPO / "solutions" / "keys").is_dir() \
        else ["01_full_stack_ml.yml"]
    return REAL_REPO.format(repo=str(REPO), names=names, tops=tops)


def attack_real_repo() -> str | None:
    seen = boxed(real_repo_code(["/"]))  # the whole box, but /proc
    if not seen["package"]:
        return "the package is missing from the box: the test proves nothing"
    seen["found"] = [f for f in seen["found"] if not f.startswith(("/proc/", "/dev/"))]
    bound = {p.name for p in sandbox._bound_runtime(new_box(Path("/tmp/x"))) if p.parent == REPO}
    if any(code == 0 for code in seen["show"]) or seen["git"] or seen["keys"] or seen["found"] \
            or not set(seen["listing"]) <= bound | {"workbook"}:  # only what is bound (the venv may be in it)
        return f"the repository, its .git or a copy of a key is visible: {seen}"
    return None


ENV = 'import json, os\nprint(json.dumps({k: v for k, v in os.environ.items()}))'
GRADER_ENV = {"SECRET_TOKEN": "s3cr3t-grader-token", "WORKBOOK_SECRET": "wb", "JPY_SESSION_NAME": "x",
              "MPLBACKEND": "Agg"}


def attack_env() -> str | None:
    leaked = set(GRADER_ENV) & set(kernel_env(Path("/tmp/x")))
    if leaked:
        return f"kernel_env passes on {sorted(leaked)}"
    # even a caller that passes its whole environment to the box leaks nothing
    seen = boxed(ENV, env={**os.environ, **GRADER_ENV, **kernel_env(Path("/tmp/x"))})
    bad = sorted(k for k in seen if k in GRADER_ENV or k.startswith(("WORKBOOK_", "JPY_"))
                 or "s3cr3t" in seen[k])
    return f"the box sees {bad}" if bad else None


READ = TRY + 'path = {path!r}\nprint(json.dumps({{"exists": os.path.exists(path), "read": attempt(lambda: open(path).read())}}))'


def attack_root_file(path: Path) -> str | None:
    seen = boxed(READ.format(path=str(path)))
    return f"the grader's root-only file is readable: {seen}" if seen["exists"] or seen["read"] == "ok" else None


WRITES = TRY + '''
out = {{}}
out["dev"] = attempt(lambda: open("/dev/wb-sbx-{tag}", "w").write("x"))
out["cgroup"] = attempt(lambda: os.mkdir("/sys/fs/cgroup/wb-sbx-{tag}"))
out["cgroup_memory"] = attempt(lambda: os.mkdir("/sys/fs/cgroup/memory/wb-sbx-{tag}"))
out["swappiness"] = attempt(lambda: open("/proc/sys/vm/swappiness", "w").write({swappiness!r}))
out["hostname"] = attempt(lambda: open("/proc/sys/kernel/hostname", "w").write({hostname!r}))
out["sethostname"] = attempt(lambda: __import__("socket").sethostname({hostname!r}))
print(json.dumps(out))
'''


def host_writes(tag: str) -> dict:
    """Each write of the red team's, run in a box. The values written are the host's own, so even
    a write that got through would change nothing; and nothing may appear on the host."""
    swappiness = Path("/proc/sys/vm/swappiness").read_text().strip()
    hostname = socket.gethostname()
    seen = boxed(WRITES.format(tag=tag, swappiness=swappiness, hostname=hostname))
    for leftover in (Path(f"/dev/wb-sbx-{tag}"), Path(f"/sys/fs/cgroup/wb-sbx-{tag}"),
                     Path(f"/sys/fs/cgroup/memory/wb-sbx-{tag}")):
        if leftover.exists():
            seen[f"host has {leftover}"] = "ok"
            (leftover.rmdir if leftover.is_dir() else leftover.unlink)()
    return seen


def attack_host_write(tag: str, what: str) -> str | None:
    seen = host_writes(tag)
    return f"{what} written from the box: {seen}" if seen[what] == "ok" or any(k.startswith("host has") for k in seen) \
        else None


SHM = '''
import ctypes, ctypes.util, json, os
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
key, make = {key}, {make}
if make:
    sid = libc.shmget(key, 4096, 0o1000 | 0o666)  # IPC_CREAT
    if sid >= 0:
        addr = libc.shmat(sid, None, 0)
        ctypes.memmove(addr, b"left-by-box-1", 13)
    print(json.dumps({{"id": sid, "errno": ctypes.get_errno()}}))
else:
    sid = libc.shmget(key, 0, 0o666)
    text = ctypes.string_at(libc.shmat(sid, None, 0), 13).decode() if sid >= 0 else ""
    print(json.dumps({{"id": sid, "errno": ctypes.get_errno(), "text": text}}))
'''


def shm_remove(sid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmctl(sid, 0, None)  # IPC_RMID


def attack_shm() -> str | None:
    key = 0x5B000000 + os.getpid() % 0xFFFF
    made = boxed(SHM.format(key=key, make=True))
    if made["id"] < 0:
        return f"the first box could not make a segment: the test proves nothing ({made})"
    later = boxed(SHM.format(key=key, make=False))
    here = run_in_box(SHM.format(key=key, make=False))
    if here["id"] >= 0:
        shm_remove(here["id"])
    if later["id"] >= 0 or here["id"] >= 0:
        return f"the segment outlived its box: next box {later}, host {here}"
    return None


FILL = TRY + '''
def fill(path, mb):
    with open(path, "wb") as f:
        chunk = b"x" * (1 << 20)
        for _ in range(mb):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
small = attempt(lambda: fill("small", 64))
os.remove("small")
big = attempt(lambda: fill("big", 300))
os.remove("big")
tmp = attempt(lambda: fill("/tmp/big", 300))
print(json.dumps({"small": small, "big": big, "tmp": tmp}))
'''


def attack_disk() -> str | None:
    home = new_home()
    try:
        seen = run_in_box(FILL, new_box(home))
        on_host = [str(p) for p in home.rglob("*") if p.is_file()]
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)
    if seen["small"] != "ok":
        return f"the working folder is not writable at all: the test proves nothing ({seen})"
    if seen["big"] not in ("ENOSPC", "EFBIG") or seen["tmp"] not in ("ENOSPC", "EFBIG") or on_host:
        return f"300 MB fit in the box or reached the host: {seen}, host files {on_host}"
    return None


WRITE_PACKAGE = TRY + '''
paths = {paths!r}
print(json.dumps({{p: attempt(lambda p=p: open(os.path.join(p, "wb-sbx-{tag}"), "w").write("x")) for p in paths}}))
'''


def package_paths() -> list[str]:
    import site

    return [str(PACKAGE), *[p for p in site.getsitepackages() if os.path.isdir(p)], sys.prefix]


def attack_package_write(tag: str) -> str | None:
    paths = package_paths()
    seen = boxed(WRITE_PACKAGE.format(paths=paths, tag=tag))
    leftovers = [p for p in paths if os.path.exists(os.path.join(p, f"wb-sbx-{tag}"))]
    for p in leftovers:
        os.remove(os.path.join(p, f"wb-sbx-{tag}"))
    written = [p for p, r in seen.items() if r == "ok"]
    return f"written from the box: {written or leftovers}" if written or leftovers else None


CONNECT = TRY + '''
import socket
def connect():
    with socket.create_connection(("127.0.0.1", {port}), timeout=3) as s:
        s.recv(16)
print(json.dumps({{"connect": attempt(connect)}}))
'''


def listening() -> tuple[socket.socket, int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"hello")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def attack_network() -> str | None:
    server, port = listening()
    try:
        outside = run_in_box(CONNECT.format(port=port))
        inside = boxed(CONNECT.format(port=port))
    finally:
        server.close()
    if outside["connect"] != "ok":
        return f"the server is not reachable even outside the box: the test proves nothing ({outside})"
    return f"the box reached the grader's loopback: {inside}" if inside["connect"] == "ok" else None


def all_attacks(root_file: str, tag: str) -> dict[str, str | None]:
    """Every attack, for the non-root run (the fake repository is made here, by that user)."""
    repo = fake_repo()
    try:
        writes = host_writes(tag)
        results: dict[str, str | None] = {
            "fake_repo_git": attack_fake_repo_git(repo), "real_repo": attack_real_repo(), "env": attack_env(),
            "root_file": attack_root_file(Path(root_file)), "shm": attack_shm(), "disk": attack_disk(),
            "package_write": attack_package_write(tag), "network": attack_network(),
        }
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    for what in ("dev", "cgroup", "cgroup_memory", "swappiness", "hostname", "sethostname"):
        results[what] = f"{what} written from the box: {writes}" if writes[what] == "ok" \
            or any(k.startswith("host has") for k in writes) else None
    return results


ATTACKS = ("fake_repo_git", "real_repo", "env", "root_file", "dev", "cgroup", "cgroup_memory", "swappiness", "hostname",
           "sethostname", "shm",
           "disk", "package_write", "network")


# ---------------------------------------------------------------- the tests, as the grader's user

def test_a_repository_around_the_bound_package_is_invisible() -> None:
    repo = fake_repo()
    try:
        control = run_in_box(GIT_SHOW.format(repo=str(repo), pkg=str(repo / "pkg")))
        assert control["show"] == 0 and "42-the-key" in control["out"] and control["key"] and control["git"]
        assert attack_fake_repo_git(repo) is None
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def test_the_real_repository_its_git_and_keys_are_invisible() -> None:
    if not (REPO / ".git").exists() or not (REPO / "solutions" / "keys").is_dir():
        pytest.skip("not run from a git checkout with solutions/keys")
    control = run_in_box(real_repo_code([str(REPO / "solutions")]))
    assert control["git"] and control["keys"] and control["found"], control
    assert control["show"][1] == 0 and control["out"], control  # the red team's command works outside
    assert attack_real_repo() is None


def test_the_graders_environment_is_invisible() -> None:
    control = run_in_box(ENV, env={**os.environ, **GRADER_ENV})
    assert control["SECRET_TOKEN"] == GRADER_ENV["SECRET_TOKEN"]
    assert attack_env() is None
    env = kernel_env(Path("/tmp/box"))
    assert set(env) <= {"PATH", "HOME", "LANG", "LC_ALL", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "MPLCONFIGDIR", "IPYTHONDIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}
    assert env["HOME"] == "/tmp/box" and env["LC_ALL"] == "C.UTF-8" and env["MPLCONFIGDIR"] == "/tmp/box/mpl"


def root_only_file() -> Path:
    path = Path("/root") / f".wb-sbx-secret-{os.getpid()}"
    path.write_text("root-only")
    path.chmod(0o600)
    return path


def test_a_root_only_file_is_invisible() -> None:
    if not AS_ROOT:
        pytest.skip("needs root to make a mode-600 file under /root")
    path = root_only_file()
    try:
        assert run_in_box(READ.format(path=str(path))) == {"exists": True, "read": "ok"}
        assert attack_root_file(path) is None
    finally:
        path.unlink()


def test_no_file_can_be_made_in_dev() -> None:
    if AS_ROOT:
        assert os.access("/dev", os.W_OK)  # the control: the host's /dev is writable by the grader
    assert attack_host_write(f"dev{os.getpid()}", "dev") is None


def test_no_cgroup_can_be_made() -> None:
    if AS_ROOT and os.path.isdir("/sys/fs/cgroup/memory"):
        assert os.access("/sys/fs/cgroup/memory", os.W_OK)  # the control: the grader could make one
    assert attack_host_write(f"cg{os.getpid()}", "cgroup") is None
    assert attack_host_write(f"cg{os.getpid()}", "cgroup_memory") is None


def test_vm_swappiness_cannot_be_written() -> None:
    before = Path("/proc/sys/vm/swappiness").read_text()
    if AS_ROOT:
        assert os.access("/proc/sys/vm/swappiness", os.W_OK)  # the host's is writable by the grader
    assert attack_host_write(f"sw{os.getpid()}", "swappiness") is None
    assert Path("/proc/sys/vm/swappiness").read_text() == before


def test_the_hostname_cannot_be_written() -> None:
    before = socket.gethostname()
    assert attack_host_write(f"hn{os.getpid()}", "hostname") is None
    assert attack_host_write(f"hn{os.getpid()}", "sethostname") is None
    assert socket.gethostname() == before


def test_sysv_shared_memory_does_not_outlive_its_box() -> None:
    key = 0x5C000000 + os.getpid() % 0xFFFF  # the control: outside, a segment is seen by the next process
    made = run_in_box(SHM.format(key=key, make=True))
    try:
        assert made["id"] >= 0
        seen = run_in_box(SHM.format(key=key, make=False))
        assert seen["id"] == made["id"] and seen["text"] == "left-by-box-1"
    finally:
        shm_remove(made["id"])
    assert attack_shm() is None


def test_scratch_space_is_capped_and_takes_no_host_disk() -> None:
    assert attack_disk() is None


def test_a_file_in_the_bound_kernel_folder_is_capped_by_the_file_size_limit() -> None:
    home = new_home()
    try:
        box = new_box(home, memory_mb=16)
        target = home / "kernel" / "big"
        proc = subprocess.run(wrap(["sh", "-c", f"head -c 40000000 /dev/zero > {target}"], box),
                              capture_output=True, text=True, env=kernel_env(home))
        assert proc.returncode != 0 and target.stat().st_size <= 16 * MB
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


def test_the_installed_package_is_read_only() -> None:
    if AS_ROOT:
        assert os.access(PACKAGE, os.W_OK)  # the control: the grader may write there
    assert attack_package_write(str(os.getpid())) is None


def test_the_graders_loopback_is_unreachable() -> None:
    assert attack_network() is None


def test_the_box_runs_as_nobody_without_capabilities_when_the_grader_is_root() -> None:
    code = 'import json, os\nst = dict(l.split(":", 1) for l in open("/proc/self/status"))\n' \
           'print(json.dumps({"uid": os.getuid(), "caps": [st[k].strip() for k in ("CapEff", "CapPrm", "CapBnd")],' \
           ' "cwd": os.getcwd(), "sys": os.path.exists("/sys"), "nnp": st["NoNewPrivs"].strip()}))'
    seen = boxed(code)
    assert seen["caps"] == ["0000000000000000"] * 3 and seen["nnp"] == "1" and not seen["sys"]
    assert seen["cwd"].endswith("/box/work")
    if AS_ROOT:
        assert seen["uid"] == sandbox.KERNEL_UID


def test_the_probe_picks_bwrap_and_wrap_records_the_argv_shape() -> None:
    found = sandbox.probe(2048)
    assert (found.level, found.tool) == ("full", "bwrap") and found.to_dict()["tool"] == "bwrap"
    home = new_home()
    try:
        argv = wrap(["python", "-m", "ipykernel_launcher"], Box(home, home / "work", (), 512, found))
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)
    assert argv[0] == "bwrap" and argv[-2:] == ["-m", "ipykernel_launcher"]
    for flag in ("--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--unshare-pid"):
        assert flag in argv or (flag.startswith("--unshare") and "--unshare-all" in argv)
    i = argv.index("--bind")
    assert argv[i:i + 3] == ["--bind", str(home / "kernel"), str(home / "kernel")]
    assert argv.count("--bind") == 1  # the only writable host folder (no export folder here)
    assert argv[argv.index("--tmpfs", argv.index("--tmpfs") + 1):][:2] == ["--tmpfs", "/tmp"]
    bound = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"]
    assert str(PACKAGE) in bound and str(REPO) not in bound


# ---------------------------------------------------------------- a real kernel in the box

def test_a_jupyter_kernel_starts_in_the_box_and_plots() -> None:
    from jupyter_client import BlockingKernelClient
    from jupyter_client.manager import KernelManager

    home = new_home()
    box = new_box(home)

    class Boxed(KernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return wrap(super().format_kernel_cmd(extra_arguments) + ["--HistoryManager.enabled=False"], box)

    km = Boxed(kernel_name="python3")
    km.transport, km.ip, km.connection_file = "ipc", str(home / "kernel" / "ipc"), str(home / "kernel" / "connection.json")
    start = time.perf_counter()
    km.start_kernel(env=kernel_env(home), cwd=str(box.cwd))
    try:
        kc = BlockingKernelClient()
        kc.load_connection_info(km.get_connection_info())
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        ready = time.perf_counter() - start
        code = ("import os, json, numpy as np, pandas as pd\n"
                "from sklearn.linear_model import LinearRegression\n"
                "import matplotlib.pyplot as plt\n"
                "m = LinearRegression().fit(pd.DataFrame({'x': np.arange(10.0)}), np.arange(10.0) * 2)\n"
                "plt.plot([1, 2, 3]); plt.show()\n"
                "print(json.dumps({'coef': round(float(m.coef_[0]), 6), 'uid': os.getuid(), "
                "'secret': 'SECRET_TOKEN' in os.environ, 'repo_git': os.path.exists(%r)}))" % str(REPO / ".git"))
        outputs: list[dict] = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=outputs.append)
        kc.stop_channels()
        assert reply["content"]["status"] == "ok", reply["content"]
        images = [m for m in outputs if m["msg_type"] == "display_data" and "image/png" in m["content"]["data"]]
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        seen = json.loads(text.strip().splitlines()[-1])
        assert images, "no inline plot"
        assert seen["coef"] == 2.0 and not seen["secret"] and not seen["repo_git"]
        assert ready < 30
    finally:
        km.shutdown_kernel(now=True)
        shutil.rmtree(home.parent, ignore_errors=True)


def test_killing_the_box_leaves_no_process() -> None:
    home = new_home()
    box = new_box(home)
    marker = f"wb-sbx-sleeper-{os.getpid()}"
    proc = subprocess.Popen(wrap([sys.executable, "-c", f"import time, subprocess; "
                                  f"subprocess.Popen(['sh', '-c', 'exec -a {marker} sleep 60']); time.sleep(60)"], box),
                            env=kernel_env(home), start_new_session=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not _processes(marker):
            time.sleep(0.1)
        assert _processes(marker), "the box's child never started"
        os.killpg(proc.pid, 9)  # what kernel_run.kill does
        proc.wait(timeout=10)
        deadline = time.time() + 5
        while time.time() < deadline and _processes(marker):
            time.sleep(0.1)
        assert not _processes(marker)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
        shutil.rmtree(home.parent, ignore_errors=True)


def _processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# ---------------------------------------------------------------- the same attacks as uid 65534

NOBODY = 65534


def _nonroot_skip_reason() -> str | None:
    if not AS_ROOT:
        return "needs root to switch to uid 65534 (this run is already unprivileged: the tests above cover it)"
    if not shutil.which("setpriv") or not os.path.exists("/usr/bin/python3"):
        return "needs setpriv and a system Python (/usr/bin/python3) that uid 65534 can run"
    ok = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "bwrap", "--unshare-all",
                         "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                         "--symlink", "usr/lib64", "/lib64", "--", "/usr/bin/true"], capture_output=True, cwd="/")
    if ok.returncode != 0:
        return f"unprivileged user namespaces do not work here ({ok.stderr.decode(errors='replace').strip()[:120]})"
    return None


_NONROOT: dict[str, object] = {}


def nonroot_results() -> dict[str, str | None]:
    """Run all attacks once as uid 65534 with the system Python (this file as a script)."""
    if "results" not in _NONROOT:
        reason = _nonroot_skip_reason()
        if reason:
            _NONROOT["results"] = reason
        else:
            secret = root_only_file()
            try:
                env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"}
                proc = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                                       "/usr/bin/python3", str(Path(__file__).resolve()), "--attacks", str(secret)],
                                      capture_output=True, text=True, env=env, cwd="/", timeout=600)
            finally:
                secret.unlink()
            lines = proc.stdout.strip().splitlines()
            assert lines, f"the non-root run failed (rc {proc.returncode}): {proc.stderr[-3000:]}"
            _NONROOT["results"] = json.loads(lines[-1])
    results = _NONROOT["results"]
    if isinstance(results, str):
        pytest.skip(results)
    return results  # type: ignore[return-value]


def _nonroot_test(name: str):  # noqa: ANN202
    def test() -> None:
        results = nonroot_results()
        assert results["isolation"] == {"level": "full", "tool": "bwrap", "user_namespace": True}
        assert results[name] is None, results[name]

    test.__name__ = f"test_as_uid_65534_{name}_is_stopped"
    test.__doc__ = f"The {name} attack fails in the box bwrap makes for an unprivileged grader."
    return test


for _name in ATTACKS:
    globals()[f"test_as_uid_65534_{_name}_is_stopped"] = _nonroot_test(_name)


if __name__ == "__main__" and sys.argv[1:2] == ["--attacks"]:
    if ISOLATION is None:
        print(json.dumps({"isolation": None}))
        sys.exit(0)
    out: dict[str, object] = dict(all_attacks(sys.argv[2], f"u{os.getpid()}"))
    out["isolation"] = {"level": ISOLATION.level, "tool": ISOLATION.tool, "user_namespace": ISOLATION.user_namespace}
    print(json.dumps(out))


def test_the_unshare_fallback_keeps_the_host_read_only(tmp_path: Path) -> None:
    """Without bwrap the kernel stays uid 0 (no capabilities, but owner of root's files): /dev,
    /sys, /proc/sys and the hostname must still be out of its reach."""
    import os
    import sys
    import tempfile

    from workbook.sandbox import Box, Isolation, wrap

    if os.geteuid() != 0:
        pytest.skip("the unshare box as root is what this checks")
    code = ("import os, socket\nfor name, act in [('dev', lambda: open('/dev/wb-unshare-attack', 'w').write('x')),\n"
            "    ('cgroup', lambda: os.mkdir('/sys/fs/cgroup/wb-unshare-attack')),\n"
            "    ('sysctl', lambda: open('/proc/sys/vm/swappiness', 'w').write(open('/proc/sys/vm/swappiness').read())),\n"
            "    ('hostname', lambda: socket.sethostname('wb-unshare-attack'))]:\n"
            "    try:\n        act(); print(name, 'WROTE')\n    except OSError as err:\n        print(name, type(err).__name__)\n")
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        home = Path(tmp)
        (home / "work").mkdir()
        box = Box(home=home, cwd=home / "work", hide=(), memory_mb=1024, isolation=Isolation("full", True, tool="unshare"))
        done = subprocess.run(wrap([sys.executable, "-c", code], box), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert "WROTE" not in done.stdout and done.stdout.count("\n") == 4, done.stdout
    assert not Path("/dev/wb-unshare-attack").exists() and not Path("/sys/fs/cgroup/wb-unshare-attack").exists()
    assert socket.gethostname() != "wb-unshare-attack"
