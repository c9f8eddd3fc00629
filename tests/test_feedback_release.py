"""Feedback release: each learner's folder and zip hold their own pages and summary, and nothing of
other learners, no hidden case, no solution code (checked by searching every released byte)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.review_fixture import make_results
from workbook import gradedb
from workbook.assign import Paths, assign
from workbook.grade import grade_all
from workbook.gradebook import safe_name
from workbook.feedback import release

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
# fixture submission -> the learner id it is handed in under (ids no page would contain by chance)
GRADED = {"correct": "kim-a1", "partial": "lee-b2", "유니코드 학생": "유니코드 학생"}


def _solution_lines() -> list[str]:
    nb = json.loads((FIXTURES / "solutions" / "90_gradefix.ipynb").read_text(encoding="utf-8"))
    lines = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S):
            lines += [line.strip() for line in block.splitlines() if line.strip()]
        lines += [m.strip() for m in re.findall(r"^(.*?)#\s*SOLUTION\s*$", source, re.M)]
    return lines


def _released_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.slow
def test_each_learner_gets_only_their_own_feedback(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "solutions", tmp_path / "solutions")
    assign(paths=Paths(tmp_path / "solutions", tmp_path / "exercises", tmp_path / "learner_keys"))
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name, student in GRADED.items():
        shutil.copytree(FIXTURES / "submissions" / name, subs / student)
    grade_all(submissions=subs, out=out, keys_dir=tmp_path / "solutions" / "keys", exercises=tmp_path / "exercises",
              jobs=2, timeout_cell=10)
    written = make_results(out, students=3)  # and three learners with written answers in 02_ai_ethics
    with gradedb.connect(out) as db:
        gradedb.save_review(db, "s01", "02_ai_ethics", "q12", base_version=0, ticks=["tradeoff", "remedy"],
                            comment="Cite the PPV you found.", override=None, reason="")
        gradedb.save_review(db, "lee-b2", "90_gradefix", "q1", base_version=0, ticks=[], comment="",
                            override=2.5, reason="a typo in one label only")
    done = release(out, tmp_path / "release")
    students = [*GRADED.values(), *written]
    assert sorted(p.name for p in done.folders) == sorted(safe_name(s) for s in students)

    hidden = ["1, 0, 1], [0, 0, 1", "[1, 0, 1]"]  # the key's hidden case, in any rendering
    partial_source = (subs / "lee-b2" / "90_gradefix.ipynb").read_text(encoding="utf-8")
    for student, folder in zip(sorted(students, key=safe_name), sorted(done.folders)):
        text = _released_text(folder)
        for other in students:
            if other != student:
                assert not re.search(rf"(?<![\w-]){re.escape(other)}(?![\w-])", text), f"{other} in {student}'s release"
        assert not any(h in text for h in hidden), f"a hidden case in {student}'s release"
        with zipfile.ZipFile(folder.parent / f"{folder.name}.zip") as archive:
            assert sorted(archive.namelist()) == sorted(f"{folder.name}/{p.name}" for p in folder.iterdir())
    partial = _released_text(tmp_path / "release" / "lee-b2")
    unseen = [line for line in _solution_lines() if line not in partial_source]
    assert len(unseen) >= 2  # solution lines this learner did not write: none may reach their release
    leaked = [line for line in unseen if line in partial]
    assert not leaked, f"solution code in a release: {leaked}"
    assert "a typo in one label only" in partial and "90_gradefix.html" in partial
    s01 = (tmp_path / "release" / "s01" / "index.html").read_text(encoding="utf-8")
    assert "Cite the PPV you found." in s01 and s01.count("☑") == 2 and "3 / 4" in s01
    assert "&lt;b&gt;here&lt;/b&gt;" in s01  # the learner's own text, escaped
