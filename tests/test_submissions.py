"""Discovery and reading of submissions, attacked the way the red team did (and a confused user would).

Each test plants one trap under a SUBMISSIONS folder: a link to a solution, a FIFO, a zip with a link or
a ``../`` entry, a dot-named student, stray files, a zip of huge members, a 100k-cell notebook. None of
them may score, block, blow the grader's memory up or vanish without a reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from workbook import submissions
from workbook.submissions import (
    InvalidSubmission,
    Submission,
    discover,
    read_notebook,
    submitted_notebooks,
)

NB = "90_gradefix"
SOURCE = {"workbook": {"source": f"solutions/{NB}.ipynb"}}


def _notebook(cells: int = 3) -> str:
    """A notebook that read_notebook accepts as this course's 90_gradefix."""
    nb = nbformat.v4.new_notebook(metadata=SOURCE, cells=[nbformat.v4.new_code_cell(f"x = {i}", id=f"c{i}")
                                                          for i in range(cells)])
    return nbformat.writes(nb)


def _released() -> nbformat.NotebookNode:
    return nbformat.reads(_notebook(), as_version=4)


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    """A correct solution outside SUBMISSIONS: what a link would point at."""
    path = tmp_path / "instructor" / f"{NB}.ipynb"
    path.parent.mkdir()
    path.write_text(_notebook() + "\n# the full-marks solution\n")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "submissions").mkdir()
    return tmp_path / "submissions"


def _by_student(root: Path, notebooks: list[str] | None = None) -> tuple[dict[str, Submission], list[str]]:
    found, ignored = discover(root, notebooks or [NB])
    return {s.student: s for s in found}, ignored


# --- links: never followed -------------------------------------------------------------------------

def test_a_notebook_linked_to_a_solution_outside_is_invalid(root: Path, solution: Path) -> None:
    (root / "alice").mkdir()
    (root / "alice" / f"{NB}.ipynb").symlink_to(solution)
    subs, _ = _by_student(root)
    alice = subs["alice"]
    assert alice.problem == "invalid"
    assert alice.reason == f"alice/{NB}.ipynb: a symbolic link, not a file; hand in the notebook itself"
    assert alice.digest == "" and alice.data == b""
    with pytest.raises(InvalidSubmission, match="symbolic link"):
        alice.load()
    with pytest.raises(InvalidSubmission, match="symbolic link"):
        read_notebook(alice, _released())


def test_a_linked_student_folder_is_not_followed(root: Path, solution: Path) -> None:
    (root / "bob").symlink_to(solution.parent, target_is_directory=True)  # the whole folder is a link
    (root / "carol").mkdir()
    (root / "carol" / "work").symlink_to(solution.parent, target_is_directory=True)  # a link inside a folder
    subs, ignored = _by_student(root)
    assert subs["bob"].problem == "invalid"
    assert subs["bob"].reason == "bob: a symbolic link, not a folder; hand in the notebook itself"
    assert subs["carol"].problem == "missing"  # the linked folder's notebook is not carol's submission
    assert "carol/work: a symbolic link, not followed" in ignored


def test_a_linked_flat_file_or_zip_is_invalid(root: Path, solution: Path, tmp_path: Path) -> None:
    (root / f"dave_{NB}.ipynb").symlink_to(solution)
    with zipfile.ZipFile(tmp_path / "real.zip", "w") as archive:
        archive.write(solution, f"{NB}.ipynb")
    (root / "erin.zip").symlink_to(tmp_path / "real.zip")
    (root / "notes").symlink_to(tmp_path / "real.zip")  # claims nothing: listed, not followed
    subs, ignored = _by_student(root)
    assert subs["dave"].problem == "invalid" and "a symbolic link, not a file" in subs["dave"].reason
    assert subs["erin"].problem == "invalid" and subs["erin"].reason.startswith("erin.zip: a symbolic link")
    assert any(line.startswith("notes: a symbolic link, not followed") for line in ignored)
    assert submitted_notebooks(root, [NB]) == [NB]  # a link still names the notebook: it gets its record


def test_a_file_swapped_for_a_link_or_edited_after_discovery_is_refused_at_load(root: Path, solution: Path) -> None:
    (root / "fay").mkdir()
    target = root / "fay" / f"{NB}.ipynb"
    target.write_text(_notebook())
    fay = _by_student(root)[0]["fay"]
    assert fay.problem == "" and fay.load() == target.read_bytes()
    target.write_text(_notebook().replace("x = 1", "x = 7"))  # same size, other content
    with pytest.raises(InvalidSubmission, match="changed since the grader found it"):
        fay.load()
    target.write_text(_notebook() + " ")
    with pytest.raises(InvalidSubmission, match="changed while the grader read it"):
        fay.load()
    target.unlink()
    target.symlink_to(solution)
    with pytest.raises(InvalidSubmission, match="symbolic link"):
        fay.load()


def test_a_fifo_named_like_a_notebook_does_not_block_discovery(root: Path) -> None:
    (root / "gus").mkdir()
    os.mkfifo(root / "gus" / f"{NB}.ipynb")  # opening it for reading would wait for a writer forever
    os.mkfifo(root / f"hal_{NB}.ipynb")
    os.mkfifo(root / "pipe")
    result: dict[str, object] = {}

    def run() -> None:
        result["found"] = _by_student(root)
        result["names"] = submitted_notebooks(root, [NB])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "discovery blocked on a FIFO"
    subs, ignored = result["found"]
    assert subs["gus"].problem == "invalid" and "a FIFO (named pipe), not a file" in subs["gus"].reason
    assert subs["hal"].problem == "invalid" and "FIFO" in subs["hal"].reason
    assert any(line.startswith("pipe: a FIFO (named pipe), not opened") for line in ignored)


# --- zips ------------------------------------------------------------------------------------------

def _zip_with(path: Path, name: str, data: bytes, mode: int | None = None) -> None:
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.create_system = 3  # Unix: the mode lives in the high 16 bits of external_attr
        info.external_attr = mode << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, data)


def test_zip_entries_that_are_links_or_leave_the_folder_are_invalid(root: Path, solution: Path) -> None:
    _zip_with(root / "ivy.zip", f"hw/{NB}.ipynb", str(solution).encode(), mode=0o120777)  # what unzip makes a link
    _zip_with(root / "jay.zip", f"../{NB}.ipynb", solution.read_bytes())  # unzip would write it beside the folder
    _zip_with(root / "kim.zip", f"/tmp/{NB}.ipynb", solution.read_bytes())
    _zip_with(root / "lee.zip", "hw/readme -> link", b"/etc/passwd", mode=0o120777)
    subs, ignored = _by_student(root)
    assert subs["ivy"].problem == "invalid"
    assert subs["ivy"].reason == f"ivy.zip:hw/{NB}.ipynb: a symbolic link, not a file; hand in the notebook itself"
    for student in ("jay", "kim"):
        assert subs[student].problem == "invalid" and "a path outside the archive's folder" in subs[student].reason
    assert subs["lee"].problem == "missing"
    assert "lee.zip:hw/readme -> link: a symbolic link, not a file, not read" in ignored


def test_a_zip_declaring_absurd_entry_counts_is_invalid_without_parsing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _zip_with(root / "max.zip", f"{NB}.ipynb", _notebook().encode())
    data = bytearray((root / "max.zip").read_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 8:at + 12] = struct.pack("<HH", 0xFFFE, 0xFFFE)  # entries on this disk / in all
    (root / "max.zip").write_bytes(bytes(data))
    # ZIP64: zipfile trusts the ZIP64 record whenever its locator is there, so it must be checked too
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 0)  # make zipfile write ZIP64 end records
    _zip_with(root / "ned.zip", f"{NB}.ipynb", _notebook().encode())
    monkeypatch.undo()
    data = bytearray((root / "ned.zip").read_bytes())
    at = data.rfind(b"PK\x06\x06")
    assert at > 0
    data[at + 32:at + 48] = struct.pack("<QQ", 10**9, 10**12)
    (root / "ned.zip").write_bytes(bytes(data))

    def parsed(*args: object, **kwargs: object) -> None:
        raise AssertionError("the zip directory was parsed")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", parsed)
    subs, _ = _by_student(root)
    assert subs["max"].problem == "invalid" and "an archive of 65534 entries" in subs["max"].reason
    assert subs["ned"].problem == "invalid" and "an archive of 1000000000 entries" in subs["ned"].reason


def test_a_zip_member_declaring_more_than_max_bytes_is_invalid_without_reading(root: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _zip_with(root / "oli.zip", f"{NB}.ipynb", b"x" * 1000)
    monkeypatch.setattr(submissions, "MAX_BYTES", 999)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was read"))
    subs, _ = _by_student(root)
    assert subs["oli"].problem == "invalid" and "larger than" in subs["oli"].reason


def test_a_zip_bomb_lying_about_its_size_is_cut_at_the_declared_size(root: Path) -> None:
    _zip_with(root / "pat.zip", f"{NB}.ipynb", bytes(5_000_000))
    data = bytearray((root / "pat.zip").read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size: local and central
        at = data.find(signature)
        data[at + offset:at + offset + 4] = struct.pack("<I", 100)
    (root / "pat.zip").write_bytes(bytes(data))
    pat = _by_student(root)[0]["pat"]
    assert pat.problem == "invalid" and "cannot be read" in pat.reason  # bad CRC once cut at 100 bytes


_MEASURE = r"""
import json, resource, sys
from pathlib import Path
import workbook.submissions as s
if sys.argv[2] != "default":
    s.MAX_BYTES = int(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
found, ignored = s.discover(Path(sys.argv[1]), [f"nb{i:02d}" for i in range(20)])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (after - before) / 1024, "problems": sorted({f.problem for f in found}),
                  "digests": sorted({f.digest for f in found}), "reasons": [f.reason for f in found][:1]}))
"""
MEMBER = 45 * 2**20


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SUBMISSIONS with one zip of 20 x 45 MB members of zeros (small on disk: deflated)."""
    root = tmp_path_factory.mktemp("bigzip")
    chunk = bytes(2**20)
    with zipfile.ZipFile(root / "quinn.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i in range(20):
            with archive.open(f"hw/nb{i:02d}.ipynb", "w") as member:
                for _ in range(MEMBER // len(chunk)):
                    member.write(chunk)
    return root


def _measure(root: Path, max_bytes: str) -> dict:
    """Discover ``root`` in a fresh process; its peak RSS growth during discovery."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(root), max_bytes],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_zip_of_huge_members_is_discovered_in_bounded_memory(big_zip: Path) -> None:
    """The red team's 20 x 45 MB zip took discovery to 921 MB; now each member is streamed through
    sha256 (when allowed at all) and none is kept."""
    streamed = _measure(big_zip, str(64_000_000))  # a MAX_BYTES that lets them be hashed
    zeros = hashlib.sha256(bytes(MEMBER)).hexdigest()
    assert streamed["problems"] == [""] and streamed["digests"] == [zeros]
    assert streamed["growth_mb"] < 100, streamed
    refused = _measure(big_zip, "default")  # 45 MB > MAX_BYTES: refused unread
    assert refused["problems"] == ["invalid"] and "larger than 20 MB" in refused["reasons"][0]
    assert refused["growth_mb"] < 50, refused


# --- every entry accounted for, ids kept -------------------------------------------------------------

def test_a_dot_student_is_graded_and_system_and_stray_files_are_listed(root: Path) -> None:
    text = _notebook()
    (root / ".alice").mkdir()
    (root / ".alice" / f"{NB}.ipynb").write_text(text)
    (root / f".bo_{NB}.ipynb").write_text(text)
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / f"x_{NB}-checkpoint.ipynb").write_text(text)
    (root / "notes.txt").write_text("grade these please")
    (root / "cy").mkdir()
    (root / "cy" / f"{NB}.ipynb").write_text(text)
    (root / "cy" / "data.csv").write_text("a,b\n")
    (root / "cy" / "01_other.ipynb").write_text(text)
    (root / "cy" / ".ipynb_checkpoints").mkdir()
    (root / "cy" / ".ipynb_checkpoints" / f"{NB}-checkpoint.ipynb").write_text(text)
    (root / "cy" / ".ipynb_checkpoints" / "more-checkpoint.ipynb").write_text(text)
    with zipfile.ZipFile(root / "dee.zip", "w") as archive:
        archive.writestr(f"hw/{NB}.ipynb", text)
        archive.writestr(f"__MACOSX/hw/._{NB}.ipynb", "junk")
        archive.writestr("__MACOSX/hw/._other", "junk")
        archive.writestr("hw/.DS_Store", "junk")
    subs, ignored = _by_student(root)
    assert {s: subs[s].problem for s in subs} == {".alice": "", ".bo": "", "cy": "", "dee": ""}
    assert subs[".alice"].origin == f".alice/{NB}.ipynb"
    assert ignored == [
        ".DS_Store: hidden system file",
        ".ipynb_checkpoints/: system folder, not read",
        "cy/.ipynb_checkpoints/: system folder, not read",
        f"cy/01_other.ipynb: not a notebook graded in this run ({NB})",
        "cy/data.csv: not a notebook of this course (expected <NN_topic>.ipynb)",
        "dee.zip:__MACOSX/: system folder, not read",
        "dee.zip:hw/.DS_Store: hidden system file",
        "notes.txt: not a notebook of this course (expected <student>_<NN_topic>.ipynb, <student>/…, or <student>.zip)",
    ]


def test_every_file_is_either_a_submission_or_ignored_with_a_reason(root: Path, solution: Path) -> None:
    """A messy folder, as an LMS download and a few confused students leave it."""
    text = _notebook()
    files = {
        f"ann/{NB}.ipynb": text, f"ann/{NB} (1).ipynb": text, "ann/img/plot.png": "png",
        f"ann/deep/er/{NB}-Copy1.ipynb": text, "ann/.hidden": "", f"bob_{NB}.ipynb": text,
        "bob_05_other.ipynb": text, "README.md": "", ".gitkeep": "", f"cat/.git/objects/{NB}.ipynb": text,
        "cat/hw.zip": "zip", f"._dan_{NB}.ipynb": "AppleDouble", "dan/.Trash-1000/x": "",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    (root / "eve").mkdir()
    (root / "eve" / f"{NB}.ipynb").symlink_to(solution)
    found, ignored = discover(root, [NB])
    origins = {o for s in found for o in s.origin.split(", ")}
    listed = [line.partition(": ")[0] for line in ignored]
    assert all(": " in line and line.partition(": ")[2] for line in ignored)
    for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not follow links either
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            assert rel in origins or rel in listed or any(p.endswith("/") and rel.startswith(p) for p in listed), rel
    assert {s.student: s.problem for s in found} == {"ann": "duplicate", "bob": "", "cat": "missing",
                                                     "dan": "missing", "eve": "invalid"}


def test_submissions_are_picklable_and_hold_no_bytes(root: Path) -> None:
    (root / "fin").mkdir()
    (root / "fin" / f"{NB}.ipynb").write_text(_notebook())
    fin = _by_student(root)[0]["fin"]
    assert fin.data == b"" and fin.member == "" and Path(fin.path).is_absolute()
    assert fin.size == (root / "fin" / f"{NB}.ipynb").stat().st_size
    assert fin.digest == hashlib.sha256((root / "fin" / f"{NB}.ipynb").read_bytes()).hexdigest()  # as before
    again = pickle.loads(pickle.dumps(fin))
    assert again == fin and read_notebook(again, _released()).cells[0].source == "x = 0"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fin.student = "mallory"  # type: ignore[misc]
    memory = Submission.from_bytes("gil", NB, "remote", _notebook().encode())
    assert memory.load() == _notebook().encode() and memory.digest == hashlib.sha256(memory.data).hexdigest()
    assert pickle.loads(pickle.dumps(memory)).load() == memory.data


# --- notebooks too big to build ----------------------------------------------------------------------

def test_a_100k_cell_notebook_is_refused_quickly_before_nbformat(monkeypatch: pytest.MonkeyPatch) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": "1"} for i in range(100_000)]
    data = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": SOURCE, "cells": cells}).encode()
    released = _released()
    monkeypatch.setattr(nbformat, "reads", lambda *a, **k: pytest.fail("the notebook was built"))
    started = time.perf_counter()
    with pytest.raises(InvalidSubmission, match="100000 cells") as err:
        read_notebook(Submission.from_bytes("hoa", NB, f"hoa/{NB}.ipynb", data), released)
    assert time.perf_counter() - started < 10
    assert "\n" not in str(err.value) and str(err.value).startswith(f"hoa/{NB}.ipynb: ")


@pytest.mark.parametrize("data, reason", [
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                 "cells": [{"cell_type": "code", "source": ["x" * 1000] * 3000}]}).encode(), "characters of source"),
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
])
def test_oversized_or_deeply_nested_notebooks_get_a_one_line_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidSubmission, match=reason) as err:
        read_notebook(Submission.from_bytes("ida", NB, "ida/x.ipynb", data), _released())
    assert "\n" not in str(err.value)
