"""Find, read and validate student submissions.

Accepted layouts under SUBMISSIONS_DIR (mixable; files are matched to the notebooks being graded):

* ``<student_id>/<NN_topic>.ipynb`` - one folder per student (``<NN_topic> (1).ipynb`` or
  ``<NN_topic>-Copy1.ipynb`` also count as that notebook: two such files are a duplicate);
* ``<student_id>_<NN_topic>.ipynb`` - a flat folder;
* ``<student_id>.zip`` - one archive per student holding ``<NN_topic>.ipynb`` (at any depth).

A student with two submissions of one notebook gets status ``duplicate`` for it (none is graded:
the instructor keeps one and reruns); a folder or archive without the notebook gets ``missing``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

IGNORED_PARTS = (".ipynb_checkpoints", "__MACOSX")
MAX_BYTES = 50_000_000  # a larger "notebook" is not read into memory


class InvalidSubmission(ValueError):
    """The file is not a usable submission; the message is the one-line reason."""


@dataclass(frozen=True)
class Submission:
    """One student's file for one notebook, or why there is none to grade (``problem``)."""

    student: str
    notebook: str
    origin: str
    data: bytes = b""
    problem: str = ""  # "", "missing", "duplicate" or "invalid"
    reason: str = ""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _claims(name: str, notebook: str) -> bool:
    """True when a file name inside a student's folder or archive is a copy of ``notebook``."""
    stem = Path(name).name
    return stem.endswith(".ipynb") and (stem == f"{notebook}.ipynb" or stem.startswith((f"{notebook} ", f"{notebook}-")))


def _read(origin: str, size: int, read: Callable[[], bytes]) -> tuple[str, bytes | None]:
    """A file's origin and bytes, or None for bytes when it is too large to read."""
    return origin, (read() if size <= MAX_BYTES else None)


def _from_folder(folder: Path, root: Path, notebooks: list[str]) -> dict[str, list[tuple[str, bytes | None]]]:
    found: dict[str, list[tuple[str, bytes | None]]] = {}
    for path in sorted(folder.rglob("*.ipynb")):
        if any(part in IGNORED_PARTS for part in path.parts):
            continue
        for notebook in notebooks:
            if _claims(path.name, notebook):
                found.setdefault(notebook, []).append(_read(str(path.relative_to(root)), path.stat().st_size, path.read_bytes))
    return found


def _from_zip(path: Path, root: Path, notebooks: list[str]) -> dict[str, list[tuple[str, bytes | None]]]:
    found: dict[str, list[tuple[str, bytes | None]]] = {}
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if any(part in IGNORED_PARTS for part in info.filename.split("/")):
                continue
            for notebook in notebooks:
                if _claims(info.filename, notebook):
                    origin = f"{path.relative_to(root)}:{info.filename}"
                    found.setdefault(notebook, []).append(_read(origin, info.file_size, lambda i=info: archive.read(i)))
    return found


def discover(root: Path, notebooks: list[str]) -> tuple[list[Submission], list[str]]:
    """Every (student, notebook) pair under ``root``, and the files that matched nothing.

    Raises FileNotFoundError when ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: submissions folder not found")
    per_student: dict[str, dict[str, list[tuple[str, bytes | None]]]] = {}
    broken: dict[str, str] = {}
    empty: set[str] = set()
    ignored: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in IGNORED_PARTS:
            continue
        if entry.is_dir():
            student, found = entry.name, _from_folder(entry, root, notebooks)
            if not any(p.is_file() and not p.name.startswith(".") for p in entry.rglob("*")):
                empty.add(student)
        elif entry.suffix == ".zip":
            try:
                student, found = entry.stem, _from_zip(entry, root, notebooks)
            except (zipfile.BadZipFile, OSError) as err:
                broken[entry.stem] = f"{entry.name}: not a readable zip file ({err})"
                continue
        else:
            owner = next((n for n in notebooks if entry.name.endswith(f"_{n}.ipynb") and len(entry.name) > len(n) + 7), None)
            if owner is None:
                ignored.append(entry.name)
                continue
            student = entry.name[: -len(owner) - 7]
            found = {owner: [_read(entry.name, entry.stat().st_size, entry.read_bytes)]}
        mine = per_student.setdefault(student, {})
        for notebook, files in found.items():
            mine.setdefault(notebook, []).extend(files)
    out: list[Submission] = []
    for student in sorted(set(per_student) | set(broken)):
        for notebook in notebooks:
            files = per_student.get(student, {}).get(notebook, [])
            if student in broken and not files:
                out.append(Submission(student, notebook, broken[student], problem="invalid", reason=broken[student]))
            elif not files:
                where = "empty folder" if student in empty else f"no {notebook}.ipynb"
                out.append(Submission(student, notebook, student, problem="missing",
                                      reason=f"{student}: {where}; nothing to grade for {notebook}"))
            elif len(files) > 1:
                names = ", ".join(name for name, _ in files)
                out.append(Submission(student, notebook, names, problem="duplicate",
                                      reason=f"{len(files)} submissions ({names}); keep one and grade again"))
            elif files[0][1] is None:
                out.append(Submission(student, notebook, files[0][0], problem="invalid",
                                      reason=f"{files[0][0]}: larger than {MAX_BYTES // 1_000_000} MB; not a notebook to grade"))
            else:
                out.append(Submission(student, notebook, files[0][0], data=files[0][1]))
    return out, ignored


def submitted_notebooks(root: Path, candidates: list[str]) -> list[str]:
    """The notebooks among ``candidates`` that at least one file under ``root`` claims."""
    names = [p.name for p in Path(root).rglob("*") if p.is_file()]
    for path in Path(root).glob("*.zip"):
        try:
            names += zipfile.ZipFile(path).namelist()
        except (zipfile.BadZipFile, OSError):
            continue
    return [n for n in candidates if any(_claims(name, n) or name.endswith(f"_{n}.ipynb") for name in names)]


def read_notebook(sub: Submission, released: Any) -> Any:
    """Parse and validate a submission against its released notebook; raise InvalidSubmission."""
    import nbformat

    where = sub.origin
    try:
        data = json.loads(sub.data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidSubmission(f"{where}: not a notebook (not UTF-8 text)") from None
    except ValueError as err:
        raise InvalidSubmission(f"{where}: not a notebook (not JSON: {err})") from None
    if isinstance(data, dict) and "nbformat" in data and data["nbformat"] != 4:
        raise InvalidSubmission(f"{where}: notebook format {data['nbformat']!r} is not supported (need 4)")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidSubmission(f"{where}: not a notebook (no list of cells)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)  # joins multi-line sources
        nbformat.validate(nb)
    except nbformat.ValidationError as err:
        raise InvalidSubmission(f"{where}: not a valid notebook: {str(err).splitlines()[0]}") from None
    source = nb.metadata.get("workbook", {}).get("source")
    wanted = released.metadata.get("workbook", {}).get("source")
    if source and wanted and source != wanted:
        raise InvalidSubmission(f"{where}: this is {Path(source).stem}, not {Path(wanted).stem}")
    if not source and not _looks_like(nb, released):
        raise InvalidSubmission(f"{where}: does not look like {Path(str(wanted)).stem} (none of its given cells are there)")
    return nb


def _looks_like(nb: Any, released: Any) -> bool:
    """True when the submission keeps at least one of the released notebook's locked cells."""
    ids = {c.get("id") for c in nb.cells}
    sources = {c.source.strip() for c in nb.cells}
    locked = [c for c in released.cells if c.cell_type == "code" and c.metadata.get("workbook", {}).get("locked")]
    return any(c.get("id") in ids or c.source.strip() in sources for c in locked)
