"""`workbook release`: the learner edition holds no answer, hidden case or solution in readable form."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from workbook import keys
from workbook.release import ReleaseError, find_secrets, readable_secrets, release

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [keys.load_source(p) for p in sorted((ROOT / "solutions" / "keys").glob("*.yml"))]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("learner") / "course"
    done = subprocess.run([sys.executable, "-m", "workbook.cli", "release", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def test_the_secret_list_covers_every_key_and_finds_what_it_lists(tmp_path: Path) -> None:
    secrets = readable_secrets(SOURCES, SOLUTIONS)
    for source in SOURCES:
        for qid, spec in source["questions"].items():
            whole = json.dumps(spec.get("answer"), ensure_ascii=False)
            if spec["kind"] == "value" and len(whole) >= 6:  # (240 or "SQuAD" are among the options every notebook shows)
                assert whole in secrets, qid
            for case in spec.get("hidden") or []:
                assert json.dumps(case["args"], ensure_ascii=False) in secrets, qid
    assert 'payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))' in secrets  # a solution line
    # the scan finds them where they are: in the source keys and the solution notebooks
    (tmp_path / "leak").mkdir()
    (tmp_path / "leak" / "k.yml").write_text((ROOT / "solutions" / "keys" / "02_ai_ethics.yml").read_text(encoding="utf-8"))
    assert find_secrets(tmp_path / "leak", secrets)
    with zipfile.ZipFile(tmp_path / "leak" / "x.whl", "w") as wheel:
        wheel.writestr("workbook/keys/lm.json", json.dumps({"answer": "SQuAD", "SQuAD": SOURCES[3]["questions"]["q8"]["hidden"][0]["args"]}))
    assert any("x.whl!" in f for f in find_secrets(tmp_path / "leak", secrets))


def test_edition_has_notebooks_wheel_and_readme_and_no_answer(edition: Path) -> None:
    names = {p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file()}
    for lang in ("en", "ko"):
        assert {f"exercises/{lang}/{p.name}" for p in SOLUTIONS} <= names
        assert {f"notebooks/{lang}/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))} <= names
    assert not any(n.startswith("solutions") or n.endswith(".yml") for n in names)
    wheel = next(edition.glob("wheel/*.whl"))
    members = zipfile.ZipFile(wheel).namelist()
    assert sorted(m for m in members if m.startswith("workbook/keys/")) == [f"workbook/keys/{s['prefix']}.json" for s in
                                                                            sorted(SOURCES, key=lambda s: s["prefix"])]
    assert not any(m.endswith(".yml") or "solutions" in m for m in members)
    assert find_secrets(edition, readable_secrets(SOURCES, SOLUTIONS)) == []
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert wheel.name in readme and "<student_id>_NN_topic.ipynb" in readme and "<학번>_NN_topic.ipynb" in readme


def test_the_wheel_installs_and_checks_answers_from_its_learner_keys(edition: Path, tmp_path: Path) -> None:
    """Installed into a fresh folder (no repository on the path), the package checks a right and a wrong answer."""
    wheel = next(edition.glob("wheel/*.whl"))
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)  # a wheel is a zip of the installed files
    probe = ("import workbook\nfrom workbook import check\nprint(workbook.__file__)\n"
             "print(check('ethics.q3', 0.4303).status, check('ethics.q3', 0.4314).status,"
             " check('career.q1', {k: 'AI 중심' if k in 'BDFH' else 'AI for X' for k in 'ABCDEFGH'}).status)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    where, *statuses = done.stdout.split()
    assert Path(where).is_relative_to(target)  # the wheel's package, not the repository's
    assert statuses == ["passed", "failed", "passed"]


def test_release_refuses_a_folder_inside_the_repository_or_not_empty(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="inside the repository"):
        release(ROOT / "learner-edition", repo=ROOT)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ReleaseError, match="not empty"):
        release(tmp_path / "full", repo=ROOT)
