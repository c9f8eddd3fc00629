"""`workbook grade --student ID --notebook NN` regrades only that submission."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook import gradedb
from workbook.assign import Paths, assign
from workbook.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "grade"


@pytest.mark.slow
def test_only_the_named_submission_is_graded_again(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "solutions", tmp_path / "solutions")
    assign(paths=Paths(tmp_path / "solutions", tmp_path / "exercises", tmp_path / "learner_keys"))
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("correct", "partial"):
        shutil.copytree(FIXTURES / "submissions" / name, subs / name)
    base = ["grade", str(subs), "--out", str(out), "--keys", str(tmp_path / "solutions" / "keys"),
            "--exercises", str(tmp_path / "exercises"), "--timeout-cell", "10", "--jobs", "2"]
    assert CliRunner().invoke(main, base).exit_code == 0

    def saved() -> dict[str, str]:
        with gradedb.connect(out) as db:
            return {r["student"]: r["saved_at"] + r["record"] for r in db.execute("SELECT * FROM submissions")}

    before = saved()
    again = CliRunner().invoke(main, [*base, "--student", "partial", "--notebook", "90_gradefix"])
    assert again.exit_code == 0, again.output
    assert "1 run now, 0 reused" in again.output
    after = saved()
    assert after["correct"] == before["correct"]  # untouched
    assert after["partial"] != before["partial"]  # graded anew (its wall time differs)
    assert set(after) == {"correct", "partial"}
    summary = (out / "summary.csv").read_text()
    assert '"correct"' in summary and '"partial"' in summary  # the export still holds everyone

    unknown = CliRunner().invoke(main, [*base, "--student", "nobody"])
    assert unknown.exit_code == 1 and "nobody" in unknown.output and len(unknown.output.strip().splitlines()) == 1
