"""matplotlib's font list for the grading boxes, built once per machine (``workbook.font_cache``)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from workbook import font_cache as fc


@pytest.fixture()
def fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "fonts"
    folder.mkdir()
    monkeypatch.setattr(fc, "FONT_DIRS", (str(folder),))
    return folder


def test_built_once_then_reused(tmp_path: Path, fonts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = fc.font_cache(tmp_path / "cache")
    (listing,) = first.glob("fontlist-*.json")
    assert json.loads(listing.read_text())["ttflist"]  # matplotlib's own list, with fonts in it

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(subprocess, "run", no_build)
    assert fc.font_cache(tmp_path / "cache") == first


def test_a_change_to_the_fonts_gives_a_new_cache(tmp_path: Path, fonts: Path) -> None:
    first = fc.font_cache(tmp_path / "cache")
    time.sleep(0.01)
    (fonts / "new.ttf").write_bytes(b"")  # the folder's modification time changes
    os.utime(fonts, ns=(time.time_ns(), fonts.stat().st_mtime_ns + 1_000_000))
    second = fc.font_cache(tmp_path / "cache")
    assert second != first and (second / "done").is_file()


def test_two_builders_at_once_both_get_a_complete_cache(tmp_path: Path, fonts: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda _: fc.font_cache(tmp_path / "cache"), range(2)))
    assert got[0] == got[1] and (got[0] / "done").is_file() and list(got[0].glob("fontlist-*.json"))
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [got[0].name]  # no half-built folder left


def test_a_failed_build_is_one_line_naming_the_folder(tmp_path: Path, fonts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "Traceback\nImportError: no"))
    with pytest.raises(RuntimeError, match=r"mpl-\w+: matplotlib could not build its font list \(ImportError: no\)"):
        fc.font_cache(tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
