"""Warm kernels (``workbook.zygote``): forked from a pre-imported interpreter, yet fresh each time.

A planter submission leaves state behind in every way it can (a module attribute, an environment
variable, files in its working folder, home, /tmp and /dev/shm, a background thread and a
background process that keep writing); the submissions graded after it on the same worker, with
kernels forked from the same zygote, must see none of it. The planter runs the same detector on
itself, so the detector is shown to find each kind of state.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workbook.assign import Paths, assign
from workbook.grade import grade_all
from workbook.sandbox import probe
from workbook.zygote import imports_of

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
NB = "90_gradefix"

PLANT = '''
import os, threading, time, numpy, workbook
workbook.WB_PLANTED = numpy.WB_PLANTED = "module"
os.environ["WB_PLANTED"] = "env"
for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/dev/shm"):
    try:
        open(os.path.join(folder, "wb_planted.txt"), "w").write("file")
    except OSError:
        pass
def beat():
    while True:
        for folder in ("/tmp", os.getcwd()):
            try:
                open(os.path.join(folder, "wb_thread.txt"), "w").write(str(time.time()))
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=beat, name="wb-beat", daemon=True).start()
if os.fork() == 0:
    os.setsid()
    while True:
        for folder in ("/tmp", "/dev/shm", os.path.expanduser("~")):
            try:
                open(os.path.join(folder, "wb_process.txt"), "w").write("x")
            except OSError:
                pass
        time.sleep(0.01)
time.sleep(0.3)
'''

DETECT = '''
import json, os, threading, time, numpy, workbook
time.sleep(0.3)
seen = []
if hasattr(workbook, "WB_PLANTED") or hasattr(numpy, "WB_PLANTED"):
    seen.append("module attribute")
if "WB_PLANTED" in os.environ:
    seen.append("environment variable")
for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/dev/shm"):
    for name in ("wb_planted.txt", "wb_thread.txt", "wb_process.txt"):
        if os.path.exists(os.path.join(folder, name)):
            seen.append("file " + name)
if any(t.name == "wb-beat" for t in threading.enumerate()):
    seen.append("thread")
if [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    seen.append("another process")
print("SEEN=" + json.dumps(sorted(set(seen))))
print("MPLCACHE=" + json.dumps(sorted(os.listdir(os.environ["MPLCONFIGDIR"]))))
'''


def _submission(release: Path, *extra: str) -> str:
    nb = nbformat.read(release, as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in extra]
    return nbformat.writes(nb)


def _seen(out: Path, student: str) -> list[str]:
    page = (out / "feedback" / student / f"{NB}.html").read_text(encoding="utf-8")
    found = re.findall(r"SEEN=(\[[^\]\n]*\])", html.unescape(page))
    assert found, f"{student}: the detector printed nothing"
    return json.loads(found[-1])


def _course(tmp_path: Path) -> Path:
    """The fixture course released into ``tmp_path``; its exercise notebook. Skips where kernels cannot be warm."""
    box = probe(1024)
    if not (box.tool == "bwrap" and not box.user_namespace):
        pytest.skip("warm kernels need the bwrap box as root")
    shutil.copytree(FIXTURES / "solutions", tmp_path / "solutions")
    assign(paths=Paths(tmp_path / "solutions", tmp_path / "exercises", tmp_path / "learner_keys"))
    return next((tmp_path / "exercises").rglob(f"{NB}.ipynb"))


@pytest.mark.slow
def test_a_warm_kernel_sees_nothing_an_earlier_submission_planted(tmp_path: Path) -> None:
    release = _course(tmp_path)
    subs = tmp_path / "subs"
    for name, cells in {"a_planter": (PLANT, DETECT), "b_next": (DETECT,), "c_later": (DETECT,)}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / f"{NB}.ipynb").write_text(_submission(release, *cells), encoding="utf-8")
    out = tmp_path / "out"
    batch = grade_all(submissions=subs, out=out, keys_dir=tmp_path / "solutions" / "keys",
                      exercises=tmp_path / "exercises", jobs=1, timeout_cell=10, memory_mb=1024)
    kinds = {r["student"]: r["kernel"] for r in batch.records}
    assert kinds == dict.fromkeys(kinds, "forked"), kinds
    planted = _seen(out, "a_planter")
    assert {"module attribute", "environment variable", "file wb_planted.txt", "file wb_thread.txt",
            "file wb_process.txt", "thread", "another process"} <= set(planted), planted
    assert _seen(out, "b_next") == []
    assert _seen(out, "c_later") == []
    # each fresh kernel still starts with the worker's warm font cache (a cold one costs seconds)
    page = html.unescape((out / "feedback" / "c_later" / f"{NB}.html").read_text(encoding="utf-8"))
    cache = json.loads(re.findall(r"MPLCACHE=(\[[^\]\n]*\])", page)[-1])
    assert any(name.startswith("fontlist") for name in cache), cache


def test_the_releases_imports_are_what_a_warm_kernel_preloads() -> None:
    cells = ["import numpy as np\nfrom workbook.lectures import full_stack as fs", "x = 1\nimport os, sys",
             "%matplotlib inline\nimport pandas", "from . import nothing", "def f():\n    import scipy"]
    assert imports_of(cells) == ("numpy", "workbook.lectures", "workbook.lectures.full_stack", "os", "sys", "pandas")


def test_a_zygote_never_preloads_what_must_hook_into_the_kernels_shell() -> None:
    """matplotlib's inline backend and ipywidgets attach to the kernel's shell when first imported:
    preloaded in the zygote (no shell yet) plots would never reach the notebook."""
    probe_code = ("import json, sys; from workbook.zygote import preload; "
                  "failed = preload(['json', 'matplotlib.pyplot', 'no_such_module_wb', 'ipywidgets', 'workbook.widgets']); "
                  "print(json.dumps([failed, sorted(m for m in sys.modules if m.startswith(('matplotlib_inline', "
                  "'ipywidgets'))), 'matplotlib.pyplot' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", probe_code], capture_output=True, text=True, timeout=120)
    failed, hooked, core = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == ["no_such_module_wb"] and hooked == [] and core is True, "pyplot is preloaded, its inline backend is not"


@pytest.mark.slow
def test_warm_kernels_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WORKBOOK_WARM_KERNELS=0 starts every kernel cold (the benchmark's baseline; a way out)."""
    release = _course(tmp_path)
    (tmp_path / "subs" / "one").mkdir(parents=True)
    (tmp_path / "subs" / "one" / f"{NB}.ipynb").write_text(_submission(release, DETECT), encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_WARM_KERNELS", "0")
    batch = grade_all(submissions=tmp_path / "subs", out=tmp_path / "out", keys_dir=tmp_path / "solutions" / "keys",
                      exercises=tmp_path / "exercises", jobs=1, timeout_cell=10, memory_mb=1024)
    assert [r["kernel"] for r in batch.records] == ["cold"]
    # ran, and saw nothing planted (a cold box's PID 1 is bwrap's own, so "another process" is expected there)
    assert set(_seen(tmp_path / "out", "one")) <= {"another process"}
