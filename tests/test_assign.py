"""`workbook assign`: the generated editions and learner keys, and `--check` for staleness."""

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


def test_assign_writes_both_exercise_editions_and_learner_key(tree: Path) -> None:
    written = assign(paths=paths(tree))
    assert sorted(str(p.relative_to(tree)) for p in written) == ["exercises/en/07_demo.ipynb", "exercises/ko/07_demo.ipynb",
                                                              "keys/demo.json"]
    for lang in ("en", "ko"):  # a source without lang tags: the same cells in both editions
        exercise = nbformat.read(tree / "exercises" / lang / "07_demo.ipynb", as_version=4)
        assert exercise.cells[2].source == f'lang = "{lang}"\nseed = 0\ngrading = False'
        assert exercise.cells[3].source == "answer = ...  # YOUR CODE HERE"
        assert exercise.metadata["workbook"]["lang"] == lang
    en = nbformat.read(tree / "exercises" / "en" / "07_demo.ipynb", as_version=4)
    ko = nbformat.read(tree / "exercises" / "ko" / "07_demo.ipynb", as_version=4)
    assert "DO NOT EDIT" in en.cells[0].source and "solutions/07_demo.ipynb" in en.cells[0].source
    assert "고치지 말고" in ko.cells[0].source and "solutions/07_demo.ipynb" in ko.cells[0].source
    assert "42" not in (tree / "keys" / "demo.json").read_text()
    assert assign(paths=paths(tree), check=True) == []


def _bilingual(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The tree's notebook with its title as a pair of cells."""
    en = new_markdown_cell("# Demo: the base rate", id="title")
    en.metadata["tags"] = ["lang:en"]
    ko = new_markdown_cell("# 데모: 기저율", id="title-ko")
    ko.metadata["tags"] = ["lang:ko"]
    nb.cells = [en, ko, *nb.cells[1:]]
    return nb


def test_bilingual_sources_give_one_language_per_edition(tree: Path) -> None:
    source = tree / "solutions" / "07_demo.ipynb"
    nbformat.write(_bilingual(nbformat.read(source, as_version=4)), source)
    lecture = nbformat.read(source, as_version=4)
    lecture.cells = [c for c in lecture.cells if "SOLUTION" not in c.source and "check(" not in c.source]
    lecture.cells.append(new_code_cell("print(1)", id="out"))
    lecture.cells[-1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    (tree / "notebooks").mkdir()
    nbformat.write(lecture, tree / "notebooks" / "07_demo.ipynb")
    assign(paths=paths(tree))
    for folder in ("exercises", "notebooks"):
        en = nbformat.read(tree / folder / "en" / "07_demo.ipynb", as_version=4)
        ko = nbformat.read(tree / folder / "ko" / "07_demo.ipynb", as_version=4)
        assert [c.source for c in en.cells if c.cell_type == "markdown"][1:] == ["# Demo: the base rate"]
        assert [c.source for c in ko.cells if c.cell_type == "markdown"][1:] == ["# 데모: 기저율"]
        assert all(not c.get("outputs") for c in en.cells + ko.cells)
    assert "notebooks/07_demo.ipynb" in nbformat.read(tree / "notebooks" / "ko" / "07_demo.ipynb", as_version=4).cells[0].source


def test_a_broken_pairing_is_a_one_line_error_naming_notebook_and_cell(tree: Path) -> None:
    source = tree / "solutions" / "07_demo.ipynb"
    nb = _bilingual(nbformat.read(source, as_version=4))
    nb.cells[1]["id"] = "title-kr"
    nbformat.write(nb, source)
    result = CliRunner().invoke(main, ["assign", "--solutions", str(tree / "solutions"),
                                       "--exercises", str(tree / "exercises"), "--keys", str(tree / "keys")])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: solutions/07_demo.ipynb: cell 1 (id 'title-kr'): "
                                     "the Korean partner of cell 0 must have id 'title-ko'")
    assert not (tree / "exercises").exists()


def test_check_names_stale_missing_and_orphan_files(tree: Path) -> None:
    assign(paths=paths(tree))
    solution = tree / "solutions" / "07_demo.ipynb"
    solution.write_text(solution.read_text().replace('answer)', 'answer)  # run me'))
    key = tree / "solutions" / "keys" / "07_demo.yml"
    key.write_text(key.read_text().replace("answer: 42", "answer: 43"))
    (tree / "exercises" / "08_orphan.ipynb").write_text("{}")  # the flat layout of before the editions
    (tree / "exercises" / "ko" / "09_orphan.ipynb").write_text("{}")
    (tree / "exercises" / "en" / "07_demo.ipynb").unlink()
    stale = assign(paths=paths(tree), check=True)
    assert [str(p.relative_to(tree)) for p in stale] == [
        "exercises/en/07_demo.ipynb", "exercises/ko/07_demo.ipynb", "keys/demo.json",
        "exercises/08_orphan.ipynb", "exercises/ko/09_orphan.ipynb"]
    assert (tree / "exercises" / "08_orphan.ipynb").exists()  # --check writes and deletes nothing
    assign(paths=paths(tree))
    assert assign(paths=paths(tree), check=True) == []
    assert not (tree / "exercises" / "08_orphan.ipynb").exists()
    assert not (tree / "exercises" / "ko" / "09_orphan.ipynb").exists()


def test_cli_check_exits_nonzero_naming_the_file(tree: Path) -> None:
    args = ["--solutions", str(tree / "solutions"), "--exercises", str(tree / "exercises"), "--keys", str(tree / "keys")]
    runner = CliRunner()
    result = runner.invoke(main, ["assign", "--check", *args])
    assert result.exit_code == 1
    assert f"{tree / 'exercises' / 'ko' / '07_demo.ipynb'}: stale" in result.output
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
    """CI fails when an edition or a learner key is stale against its source (nbdev-style)."""
    result = subprocess.run([sys.executable, "-m", "workbook.cli", "assign", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
