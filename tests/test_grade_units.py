"""The grader's parts without a kernel: discovery, validation, tamper detection, verdicts."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from workbook import judge, keys
from workbook.gradebook import safe_name
from workbook.submissions import InvalidSubmission, Submission, discover, read_notebook
from workbook.tamper import locked_changes

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
KEY = keys.load_source(FIXTURES / "solutions" / "keys" / "90_gradefix.yml")
NB = "90_gradefix"


@pytest.fixture(autouse=True)
def _fixture_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURES / "solutions" / "keys"))  # gradefix_cases.py, beside the key


def _released() -> nbformat.NotebookNode:
    from workbook.assign import make_exercise

    return make_exercise(nbformat.read(FIXTURES / "solutions" / f"{NB}.ipynb", as_version=4), f"{NB}.ipynb")


def test_discover_mixed_layouts(tmp_path: Path) -> None:
    text = nbformat.writes(_released())
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / f"{NB}.ipynb").write_text(text)
    (tmp_path / f"bob_smith_{NB}.ipynb").write_text(text)
    with zipfile.ZipFile(tmp_path / "cho.zip", "w") as archive:
        archive.writestr(f"hw/{NB}.ipynb", text)
        archive.writestr(f"__MACOSX/hw/._{NB}.ipynb", "junk")
    (tmp_path / "dan").mkdir()
    (tmp_path / "dan" / f"{NB}.ipynb").write_text(text)
    (tmp_path / f"dan_{NB}.ipynb").write_text(text)  # a second copy in another layout
    (tmp_path / "eve").mkdir()
    (tmp_path / "broken.zip").write_text("not a zip")
    (tmp_path / "notes.txt").write_text("hello")
    found, ignored = discover(tmp_path, [NB])
    status = {s.student: s.problem or "ok" for s in found}
    assert status == {"ann": "ok", "bob_smith": "ok", "cho": "ok", "dan": "duplicate", "eve": "missing",
                      "broken": "invalid"}
    assert [line.split(":")[0] for line in ignored] == ["cho.zip", "notes.txt"] and "not a notebook" in ignored[1]
    assert next(s for s in found if s.student == "cho").origin == f"cho.zip:hw/{NB}.ipynb"


def test_discover_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="submissions folder not found"):
        discover(tmp_path / "nope", [NB])


@pytest.mark.parametrize("data, reason", [
    (b"\x89PNG\r\n", "not UTF-8"),
    (b"{\"cells\": ", "not JSON"),
    (b"[1, 2]", "no list of cells"),
    (json.dumps({"nbformat": 3, "cells": []}).encode(), "format 3 is not supported"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "bogus"}]}).encode(),
     "not a valid notebook"),
])
def test_invalid_files_get_a_one_line_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidSubmission, match=reason) as err:
        read_notebook(Submission("s", NB, f"s/{NB}.ipynb", data), _released())
    assert "\n" not in str(err.value) and str(err.value).startswith(f"s/{NB}.ipynb: ")


def test_a_copy_without_metadata_is_recognised_by_its_locked_cells() -> None:
    released = _released()
    copy = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.source) for c in released.cells if c.cell_type == "code"])
    assert read_notebook(Submission("s", NB, "x", nbformat.writes(copy).encode()), released)
    stranger = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    with pytest.raises(InvalidSubmission, match="does not look like"):
        read_notebook(Submission("s", NB, "x", nbformat.writes(stranger).encode()), released)


def test_tamper_finds_changed_and_deleted_locked_cells_but_not_moves() -> None:
    released = _released()
    nb = nbformat.reads(nbformat.writes(released), as_version=4)
    assert locked_changes(released, nb) == []
    nb.cells.reverse()  # moved, content intact
    assert locked_changes(released, nb) == []
    nb.cells = [c for c in nb.cells if c.get("id") != "q1-check"]
    next(c for c in nb.cells if c.get("id") == "imports").source += "\nimport os"
    changes = locked_changes(released, nb)
    assert len(changes) == 2 and "deleted" in " ".join(changes) and "changed" in " ".join(changes)


def test_seeded_answers_and_cases_differ_per_student() -> None:
    import gradefix_cases

    spec = KEY["questions"]["q3"]
    assert judge.judge_question("q3", spec, {"value": gradefix_cases.total_for_seed(11)}, seed=11, hidden=[]).status == "passed"
    assert judge.judge_question("q3", spec, {"value": gradefix_cases.total_for_seed(11)}, seed=12, hidden=[]).status == "failed"
    assert judge.hidden_cases(KEY["questions"]["q2"], 1) != judge.hidden_cases(KEY["questions"]["q2"], 2)


def test_hidden_inputs_never_reach_a_message() -> None:
    spec = KEY["questions"]["q2"]
    hidden = judge.hidden_cases(spec, 3)
    outputs = [{"value": 0.5}] * (len(spec["cases"]) + len(hidden))
    verdict = judge.judge_question("q2", spec, {"outputs": outputs}, seed=3, hidden=hidden)
    assert verdict.status in ("partial", "failed")
    assert all(str(case["args"][0]) not in verdict.message for case in hidden)


@pytest.mark.parametrize("answer", [{"status": "passed", "points": 3}, {"passed": True}, ["value", 1]])
def test_forged_verdicts_are_malformed_answers(answer: object) -> None:
    verdict = judge.judge_question("q1", KEY["questions"]["q1"], answer, seed=0, hidden=[])
    assert (verdict.status, verdict.points) == ("failed", 0.0) and "malformed" in verdict.message


def test_safe_name_keeps_plain_ids_and_tags_others() -> None:
    assert safe_name("kim_01") == "kim_01"
    odd = safe_name("../김 철수")
    assert "/" not in odd and odd != safe_name("../김 영희")


def test_the_kernel_command_is_wrapped_for_each_isolation_level(tmp_path: Path) -> None:
    from workbook.sandbox import Box, Isolation, wrap

    argv = ["python", "-m", "ipykernel_launcher", "-f", "c.json"]
    hidden = Path("/srv/course/keys")  # outside /tmp: covered by its own empty mount
    for level in ("full", "network", "none"):
        box = Box(home=tmp_path, cwd=tmp_path / "work", hide=(hidden, Path("/tmp/x")), memory_mb=512,
                  isolation=Isolation(level, True))
        wrapped = wrap(argv, box)
        assert wrapped[-len(argv):] == argv
        assert ("--net" in wrapped) == (level != "none")
        assert any(a.startswith("--as=") for a in wrapped) or "--as=" in " ".join(wrapped)
    script = wrap(argv, Box(tmp_path, tmp_path / "work", (hidden, Path("/tmp/x")), 512, Isolation("full", True)))
    text = next(a for a in script if a.startswith("set -e"))
    assert f"none {hidden}" in text and "/tmp/x" not in text  # /tmp is replaced whole anyway
    assert "remount,bind,ro /" in text and "--bounding-set=-all" in text


def test_hiding_never_covers_the_python_installation_or_this_package(tmp_path: Path) -> None:
    import workbook
    from workbook.sandbox import visible_hides

    package = Path(workbook.__file__).parent
    hides = visible_hides([tmp_path, package, package.parent, Path(sys.prefix), tmp_path / "nope"], keep=[])
    assert hides == (tmp_path.resolve(),)


def test_too_large_files_are_not_read_and_other_files_are_not_an_empty_folder(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import workbook.submissions

    monkeypatch.setattr(workbook.submissions, "MAX_BYTES", 10)
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / f"{NB}.ipynb").write_text("x" * 11)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "notes.ipynb").write_text("{}")
    (tmp_path / "cho").mkdir()
    found = {s.student: s for s in discover(tmp_path, [NB])[0]}
    assert (found["ann"].problem, found["ann"].data) == ("invalid", b"") and "larger than" in found["ann"].reason
    assert found["bob"].problem == "missing" and f"no {NB}.ipynb" in found["bob"].reason
    assert found["cho"].problem == "missing" and "empty folder" in found["cho"].reason
