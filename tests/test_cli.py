"""The `workbook` console script: one verb per module, thin over plain functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from workbook.cli import main

SCRIPT = Path(sys.executable).with_name("workbook")


def test_console_script_is_installed_and_lists_the_verbs() -> None:
    result = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    for verb in ("assign", "handouts"):
        assert verb in result.stdout


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "0.1.0" in result.output


def test_unknown_verb_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["publish"])
    assert result.exit_code == 2 and "No such command 'publish'" in result.output


def test_handouts_without_lectures_names_the_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["handouts", "--out", str(tmp_path / "site"), "--notebooks", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}: no lecture notebooks" in result.output
    assert not (tmp_path / "site").exists()
