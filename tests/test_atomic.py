"""write_atomic: all or nothing, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbook.atomic import write_atomic


def test_writes_with_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "sub" / "page.html", "<p>hi</p>")
    finally:
        os.umask(old)
    page = tmp_path / "sub" / "page.html"
    assert page.read_text() == "<p>hi</p>"
    assert stat.S_IMODE(page.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "grades.csv"
    write_atomic(target, "old\n")
    with pytest.raises(TypeError):
        write_atomic(target, b"not text")  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
