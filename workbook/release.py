"""The learner edition: what a learner receives, with no solution and no answer in readable form.

``workbook release --out DIR`` writes::

    DIR/README.md                       how to install, work and hand in (English and Korean)
    DIR/notebooks/{en,ko}/NN_topic.ipynb  the lectures
    DIR/exercises/{en,ko}/NN_topic.ipynb  the exercises, each answer a placeholder
    DIR/wheel/ml_course_workbook-*.whl    the package with the learner keys only

The editions and learner keys are generated from the sources as ``workbook assign`` makes them (in
memory: nothing in the repository is written). The wheel is built from a staged copy of the package:
no ``solutions/``, no source key (``solutions/keys/*.yml``: answers and hidden cases in the clear), no
test fixtures; its ``workbook/keys/*.json`` are the learner keys (salted digests, public cases only).
``DIR`` is the learner's own folder, outside the instructors' repository: working through the course
(JupyterLab's autosave included) changes only the learner's copies.

:func:`readable_secrets` lists what must never appear in an edition (every answer, hidden case and
solution line); the release refuses to finish when it finds one (and a test checks it again).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from . import keys
from .assign import Paths, expected_files
from .atomic import write_atomic
from .editions import LANGS
from .kinds.expected import leaves

PACKAGE_FILES = ("pyproject.toml", "LICENSE")
SKIP_DIRS = {"__pycache__", "keys"}
LECTURE_CONTENT = "the lecture teaches it"  # see readable_secrets


class ReleaseError(RuntimeError):
    """The edition could not be built or would give an answer away; the message says which."""


def _leaf_pairs(answer: Any) -> list[str]:
    """Readable forms of a value answer: the whole, and each item as ``"key": "value"`` in JSON, Python
    and YAML spelling."""
    forms = [json.dumps(answer, ensure_ascii=False), json.dumps(answer, ensure_ascii=False, separators=(",", ":"))]
    if isinstance(answer, dict):
        for key, value in answer.items():
            forms += [f"{json.dumps(str(key), ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}",
                      f"{str(key)!r}: {value!r}", f"{key}: {value}"]
    elif isinstance(answer, float):
        forms += [repr(answer), f"{answer:.4f}"]
    elif isinstance(answer, list):
        forms.append(repr(answer))
    return forms


def _numbers(value: Any) -> list[float]:
    """The float leaves inside ``value`` (not ints or booleans)."""
    return [leaf for leaf in leaves(value) if isinstance(leaf, float)]


def _strings(value: Any) -> list[str]:
    """The string values (not dict keys) inside ``value``."""
    return [leaf for leaf in leaves(value) if isinstance(leaf, str)]


def readable_secrets(sources: list[dict[str, Any]], solution_notebooks: list[Path]) -> list[str]:
    """Every string whose presence in an edition would give an answer away: value answers (whole and
    per item; fractional numbers to 4 decimals and in full), hidden cases (their arguments and
    expected results, as JSON and Python), and each line of every solution (from the notebooks'
    ``### BEGIN SOLUTION`` blocks) that is longer than a few words (36 characters)."""
    import nbformat

    secrets: list[str] = []
    for source in sources:
        for spec in source["questions"].values():
            if spec.get("kind") == "value":
                secrets += _leaf_pairs(spec["answer"])
                secrets += [f"{n:.4f}" for n in _numbers(spec["answer"]) if n != round(n, 2)]
            for case in spec.get("hidden") or []:
                secrets += [json.dumps(case["args"], ensure_ascii=False), repr(case["args"])]
                secrets += [a for a in _strings([case["args"], case.get("kwargs", {})]) if len(a) >= 12]
                public = {f"{n:.4f}" for c in spec.get("cases") or [] for n in _numbers([c.get("expect")])}
                if "expect" in case:  # (an output a public case shows too gives nothing away)
                    secrets += [f"{n:.4f}" for n in _numbers([case["expect"]])
                                if n != round(n, 3) and f"{n:.4f}" not in public]
    for path in solution_notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside and len(line.strip()) >= 36:
                    secrets.append(line.strip())
    return sorted({s for s in secrets if len(s) >= 6})


def find_secrets(folder: Path, secrets: list[str]) -> list[str]:
    """``file: secret`` for each secret found in a text file under ``folder`` or inside a wheel there."""
    found = []

    def scan(name: str, text: str) -> None:
        found.extend(f"{name}: {s!r}" for s in secrets if s in text)

    for path in sorted(Path(folder).rglob("*")):
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                for member in wheel.namelist():
                    scan(f"{path.name}!{member}", wheel.read(member).decode("utf-8", "replace"))
        elif path.is_file():
            scan(str(path.relative_to(folder)), path.read_text(encoding="utf-8", errors="replace"))
    return found


def _stage_package(repo: Path, stage: Path, learner_keys: dict[str, str]) -> None:
    """A copy of the package to build the wheel from: the code and data, the learner keys only."""
    for name in PACKAGE_FILES:
        shutil.copy2(repo / name, stage / name)
    (stage / "README.md").write_text("ML course workbook: the learner's package (learner keys only).\n", encoding="utf-8")
    package = repo / "workbook"
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_dir() or set(relative.parts[:-1]) & SKIP_DIRS or path.suffix in (".pyc",):
            continue
        if relative.parts[0] == "keys":
            continue
        target = stage / "workbook" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for name, text in learner_keys.items():
        target = stage / "workbook" / "keys" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _build_wheel(stage: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps",
               "--quiet", "--wheel-dir", str(out), str(stage)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"building the wheel failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise ReleaseError(f"expected one wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def release(out: Path, repo: Path = Path(".")) -> list[Path]:
    """Write the learner edition into ``out`` (which must not exist or be empty); return its files."""
    out, repo = Path(out), Path(repo).resolve()
    if not (repo / "solutions" / "keys").is_dir():
        raise ReleaseError(f"{repo}: no solutions/keys/ here; run `workbook release` in the course repository")
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out}: exists and is not empty; give a new folder")
    if (out.resolve() / "x").is_relative_to(repo) and out.resolve() != repo:
        raise ReleaseError(f"{out}: inside the repository; the learner edition goes outside it (e.g. ../learner)")
    paths = Paths(repo / "solutions", repo / "exercises", repo / "workbook" / "keys", repo / "notebooks")
    files = expected_files(paths)  # the editions and learner keys, as `assign` makes them
    sources = [keys.load_source(p) for p in sorted((repo / "solutions" / "keys").glob("*.yml"))]
    secrets = readable_secrets(sources, sorted((repo / "solutions").glob("*.ipynb")))
    written: list[Path] = []
    for path, text in files.items():
        relative = path.relative_to(repo)
        if relative.parts[0] in ("notebooks", "exercises"):
            write_atomic(out / relative, text)
            written.append(out / relative)
    learner_keys = {p.name: t for p, t in files.items() if p.suffix == ".json"}
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "stage"
        stage.mkdir()
        _stage_package(repo, stage, learner_keys)
        written.append(_build_wheel(stage, out / "wheel"))
    readme = out / "README.md"
    write_atomic(readme, LEARNER_README.format(wheel=written[-1].name))
    written.append(readme)
    found = find_secrets(out, secrets)
    if found:
        raise ReleaseError(f"{out}: the edition would give answers away: {'; '.join(found[:5])}")
    return written


LEARNER_README = """# ML course workbook — learner edition

Four special lectures of boostcamp AI Tech (01 Full Stack ML Engineer, 02 AI Ethics, 03 Career
building, 04 Training and evaluating LMs) as notebooks, in English (`en/`) and Korean (`ko/`).

## Start (once)

    python3 -m venv .venv
    .venv/bin/pip install wheel/{wheel}
    .venv/bin/jupyter lab

Everything runs offline on your machine. This folder is yours: edit the notebooks freely; nothing
here is tracked by the course repository, so nothing conflicts when a new edition comes out (unpack
a new edition into a new folder and copy your exercise notebooks across).

## Work

1. Read a lecture: `notebooks/ko/NN_topic.ipynb` (or `notebooks/en/`).
2. Do its exercises in `exercises/ko/NN_topic.ipynb` (or `exercises/en/`): replace each `...` with
   your answer and run the check cell below it. A check says *Correct* (for a function: *Public
   cases pass*, since it runs the public cases only; more cases are used when graded), *Not quite*
   (with a hint and, for a function, the first failing case) or *Not attempted yet*.
3. Numbers are accepted within the tolerance each hint states; text answers ignore case, spaces,
   hyphens and underscores, and the Korean labels the notebooks show are accepted too.

## Hand in

Hand in the exercise notebook itself, saved, with its outputs or without: `exercises/<en|ko>/NN_topic.ipynb`,
renamed `<student_id>_NN_topic.ipynb` (for example `S001_02_ai_ethics.ipynb`), or all of them in one
`<student_id>.zip`. Do not delete or edit the locked cells (the grader compares them). The grader
runs your notebook in a fresh kernel, with more test cases than the public ones.

---

# ML 코스 워크북 — 학습자용

부스트캠프 AI Tech 특강 네 개(01 풀스택 ML 엔지니어, 02 AI 윤리, 03 커리어 빌딩, 04 언어 모델의 학습과 평가)의
노트북입니다. 한국어판은 `ko/`, 영어판은 `en/`에 있습니다.

## 처음 한 번

    python3 -m venv .venv
    .venv/bin/pip install wheel/{wheel}
    .venv/bin/jupyter lab

모든 것이 인터넷 없이 내 컴퓨터에서 실행됩니다. 이 폴더는 여러분의 것입니다. 노트북을 마음껏 고치세요. 코스
저장소가 추적하는 파일이 아니므로 새 판이 나와도 충돌하지 않습니다(새 판은 새 폴더에 풀고 연습 노트북을 옮겨 오세요).

## 공부하기

1. 강의 노트북 `notebooks/ko/NN_topic.ipynb`를 읽습니다.
2. 연습 노트북 `exercises/ko/NN_topic.ipynb`에서 `...`를 답으로 바꾸고 바로 아래 확인 셀을 실행합니다.
   결과는 *정답입니다*(함수는 공개 테스트만 실행하므로 *공개 테스트 통과*. 채점할 때는 테스트를 더 사용합니다),
   *아직 아닙니다*(힌트와, 함수라면 처음 실패한 테스트), *아직 풀지 않았습니다* 중 하나입니다.
3. 숫자는 힌트에 적힌 허용 오차 안이면 정답입니다. 글자 답은 대소문자, 띄어쓰기, 하이픈, 밑줄을 구별하지 않으며,
   노트북에 나온 한국어 이름도 정답으로 인정합니다.

## 제출하기

저장한 연습 노트북 `exercises/<en|ko>/NN_topic.ipynb`를 `<학번>_NN_topic.ipynb`(예: `S001_02_ai_ethics.ipynb`)로
이름을 바꿔 제출하거나, 모두 `<학번>.zip` 하나로 묶어 제출하세요. 잠긴 셀은 지우거나 고치지 마세요(채점기가
비교합니다). 채점기는 새 커널에서 노트북을 실행하며, 공개 테스트보다 많은 테스트를 사용합니다.
"""
