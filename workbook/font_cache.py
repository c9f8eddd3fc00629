"""matplotlib's font list, built once per machine and copied into every grading box.

A kernel whose matplotlib finds no font cache scans every system font (seconds, counted against the
learner's time limit), so each grading worker gives its boxes a warm one. Building it costs a
grading worker about 0.4 s of CPU at every start; it is the same list each time until matplotlib or
the system fonts change, so it is built once into the grader's cache folder
(``$XDG_CACHE_HOME/workbook`` or ``~/.cache/workbook``), in a folder named for what it depends on:
matplotlib's version, the Python that runs the kernels, and the modification times of the font
folders (installing or removing a font changes one). A new folder is built beside the others and
renamed into place, so a worker never copies a half-written one, and two workers building at once
both end with a complete cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts", "/Library/Fonts",
             "/System/Library/Fonts")


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "workbook"


def _key() -> str:
    try:
        version = importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        version = None
    stamps = []
    for folder in FONT_DIRS:
        path = Path(folder).expanduser()
        try:
            stamps.append([str(path), path.stat().st_mtime_ns])
        except OSError:
            continue
    return hashlib.sha256(json.dumps([version, sys.executable, stamps]).encode()).hexdigest()[:16]


def font_cache(root: Path | None = None) -> Path:
    """The folder holding matplotlib's font list for this machine (built on first use): use it as
    ``MPLCONFIGDIR``, or copy it. Raises RuntimeError when matplotlib fails to build it."""
    root = Path(root or cache_root())
    target = root / f"mpl-{_key()}"
    if (target / "done").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".mpl-build-", dir=root))
    try:
        env = {**os.environ, "MPLCONFIGDIR": str(build), "MPLBACKEND": "Agg"}
        result = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            raise RuntimeError(f"{target}: matplotlib could not build its font list ({lines[-1] if lines else 'no output'})")
        (build / "done").write_text("")
        try:
            build.rename(target)
        except OSError:  # another worker finished first: theirs is as good
            if not (target / "done").is_file():
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return target
