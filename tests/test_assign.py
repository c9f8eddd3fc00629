"""`workbook assign`: generated exercises and learner keys, and `--check` for staleness."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbook.assign import Paths, assign
from workbook.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A tiny course: one solution notebook and its key."""
    (tmp_path / "solutions" / "keys").mkdir(parents=True)
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    params = new_code_cell('lang = "en"\nseed = 0\ngrading = False', id="params")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# Demo", id="title"), params,
                new_code_cell("answer = 42  # SOLUTION", id="answer"),
                new_code_cell('check("demo.q1", answer)', id="check")]
    nbformat.write(nb, tmp_path / "solutions" / "07_demo.ipynb")
    key = {"notebook": "07_demo", "prefix": "demo", "questions": {"q1": {"name": "answer", "answer": 42}}}
    (tmp_path / "solutions" / "keys" / "07_demo.yml").write_text(yaml.safe_dump(key), encoding="utf-8")
    return tmp_path


def paths(tree: Path) -> Paths:
    return Paths(tree / "solutions", tree / "exercises", tree / "keys")


def test_assign_writes_exercise_and_learner_key(tree: Path) -> None:
    written = assign(paths=paths(tree))
    assert sorted(p.name for p in written) == ["07_demo.ipynb", "demo.json"]
    exercise = nbformat.read(tree / "exercises" / "07_demo.ipynb", as_version=4)
    assert "DO NOT EDIT" in exercise.cells[0].source
    assert exercise.cells[3].source == "answer = ...  # YOUR CODE HERE"
    assert "42" not in (tree / "keys" / "demo.json").read_text()
    assert assign(paths=paths(tree), check=True) == []


def test_check_names_stale_missing_and_orphan_files(tree: Path) -> None:
    assign(paths=paths(tree))
    solution = tree / "solutions" / "07_demo.ipynb"
    solution.write_text(solution.read_text().replace('answer)', 'answer)  # run me'))
    key = tree / "solutions" / "keys" / "07_demo.yml"
    key.write_text(key.read_text().replace("answer: 42", "answer: 43"))
    (tree / "exercises" / "08_orphan.ipynb").write_text("{}")
    stale = assign(paths=paths(tree), check=True)
    assert [p.name for p in stale] == ["07_demo.ipynb", "demo.json", "08_orphan.ipynb"]
    assert (tree / "exercises" / "08_orphan.ipynb").exists()  # --check writes and deletes nothing
    assign(paths=paths(tree))
    assert assign(paths=paths(tree), check=True) == []
    assert not (tree / "exercises" / "08_orphan.ipynb").exists()


def test_cli_check_exits_nonzero_naming_the_file(tree: Path) -> None:
    args = ["--solutions", str(tree / "solutions"), "--exercises", str(tree / "exercises"), "--keys", str(tree / "keys")]
    runner = CliRunner()
    result = runner.invoke(main, ["assign", "--check", *args])
    assert result.exit_code == 1
    assert f"{tree / 'exercises' / '07_demo.ipynb'}: stale" in result.output
    assert runner.invoke(main, ["assign", *args]).exit_code == 0
    ok = runner.invoke(main, ["assign", "--check", *args])
    assert ok.exit_code == 0 and "up to date" in ok.output


def test_cli_bad_marker_is_one_line_error(tree: Path) -> None:
    shutil.copy(ROOT / "tests" / "fixtures" / "markers" / "unclosed.ipynb", tree / "solutions" / "09_bad.ipynb")
    result = CliRunner().invoke(main, ["assign", "--solutions", str(tree / "solutions"),
                                       "--exercises", str(tree / "exercises"), "--keys", str(tree / "keys")])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: solutions/09_bad.ipynb: cell 3: '### BEGIN SOLUTION' at line 1 is never closed"
    assert not (tree / "exercises").exists() or not any((tree / "exercises").iterdir())  # nothing half-written


def test_cli_bad_key_is_one_line_error(tree: Path) -> None:
    (tree / "solutions" / "keys" / "07_demo.yml").write_text("notebook: 07_demo\nprefix: demo\nquestions:\n  q1: {answer: 1}\n")
    result = CliRunner().invoke(main, ["assign", "--solutions", str(tree / "solutions"),
                                       "--exercises", str(tree / "exercises"), "--keys", str(tree / "keys")])
    assert result.exit_code == 1
    assert "07_demo.yml: question q1: 'name'" in result.output and len(result.output.strip().splitlines()) == 1


def test_the_repository_is_fresh() -> None:
    """CI fails when exercises/ or workbook/keys/ are stale against solutions/ (nbdev-style)."""
    result = subprocess.run([sys.executable, "-m", "workbook.cli", "assign", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
