"""Find, read and validate student submissions.

Accepted layouts under SUBMISSIONS_DIR (mixable; files are matched to the notebooks being graded):

* ``<student_id>/<NN_topic>.ipynb`` - one folder per student (``<NN_topic> (1).ipynb`` or
  ``<NN_topic>-Copy1.ipynb`` also count as that notebook: two such files are a duplicate);
* ``<student_id>_<NN_topic>.ipynb`` - a flat folder;
* ``<student_id>.zip`` - one archive per student holding ``<NN_topic>.ipynb`` (at any depth).

A student with two submissions of one notebook gets status ``duplicate`` for it (none is graded:
the instructor keeps one and reruns); a folder or archive without the notebook gets ``missing``.

What discovery trusts: nothing under SUBMISSIONS_DIR. A symbolic link (a student folder, a flat
file, a file inside a folder, or a link entry in a zip) is never followed: a link named like a
notebook is that student's ``invalid`` submission. FIFOs and devices are never opened. A zip entry
with an absolute or ``..`` path is invalid. Every entry is either a submission or listed in
``ignored`` with its reason (system entries such as ``.DS_Store``, ``__MACOSX`` or
``.ipynb_checkpoints`` are listed once, not read). A student id starting with "." is an id like any
other.

Memory is bounded: discovery keeps only where each file is (``Submission.path``/``member``) and its
sha256, streamed in chunks; the bytes are read by :meth:`Submission.load` when the file is graded.
A file larger than ``MAX_BYTES``, a zip whose directory is absurd (``MAX_ZIP_ENTRIES``,
``MAX_ZIP_DIRECTORY``) and a notebook with more than ``MAX_CELLS`` cells or ``MAX_SOURCE_CHARS`` of
source are refused without being read or built.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A course notebook is < 1 MB with its outputs (the largest exercise is ~25 kB and < 50 cells, under
# 20k characters of source); the limits stay far above that and far below what hurts the grader.
MAX_BYTES = 20_000_000  # a larger "notebook" is never read (discovery streams only its digest)
MAX_CELLS = 2_000
MAX_SOURCE_CHARS = 2_000_000  # all cells' source together
MAX_ZIP_ENTRIES = 10_000  # a zip declaring more is invalid without its directory being parsed
MAX_ZIP_DIRECTORY = 4_000_000  # bytes of zip central directory (bounds zipfile's own parsing)
MAX_FOLDER_ENTRIES = 10_000  # files and folders in one student's folder
MAX_LISTED = 100  # ignored files listed one by one per student; the rest are counted in one line
CHUNK = 1 << 20

SYSTEM_FOLDERS = {".ipynb_checkpoints", "__MACOSX", ".git", ".svn", ".hg", ".Trashes", ".Spotlight-V100",
                  ".fseventsd", ".TemporaryItems", "__pycache__"}
SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini", ".localized", ".directory"}
LAYOUTS = "expected <student>_<NN_topic>.ipynb, <student>/…, or <student>.zip"
_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


class InvalidSubmission(ValueError):
    """The file is not a usable submission; the message is the one-line reason."""


@dataclass(frozen=True)
class Submission:
    """One student's file for one notebook, or why there is none to grade (``problem``).

    A discovered submission holds no bytes: ``path`` is the absolute path of the file (or of the
    zip, with ``member`` the entry's name), ``size`` its length and ``digest`` its sha256, both taken
    at discovery; :meth:`load` reads it. ``data`` is only for :meth:`from_bytes` (tests, a remote
    worker holding the file in memory).
    """

    student: str
    notebook: str
    origin: str
    data: bytes = field(default=b"", repr=False)
    problem: str = ""  # "", "missing", "duplicate" or "invalid"
    reason: str = ""
    path: str = ""
    member: str = ""
    size: int = 0
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.path and not self.problem and not self.digest:  # bytes held in memory
            object.__setattr__(self, "size", len(self.data))
            object.__setattr__(self, "digest", hashlib.sha256(self.data).hexdigest())

    @classmethod
    def from_bytes(cls, student: str, notebook: str, origin: str, data: bytes) -> Submission:
        """A submission whose bytes are already in memory: :meth:`load` returns them."""
        return cls(student, notebook, origin, data=bytes(data))

    def load(self) -> bytes:
        """The file's bytes, read now; InvalidSubmission when it is gone, changed since discovery
        (size, content, became a link or a special file) or is larger than ``MAX_BYTES``."""
        if self.problem:
            raise InvalidSubmission(self.reason or f"{self.origin}: {self.problem}")
        if not self.path:
            if len(self.data) > MAX_BYTES:
                raise InvalidSubmission(_too_large(self.origin))
            return self.data
        data = b"".join(_chunks(self.path, self.member, self.size, self.origin))
        if hashlib.sha256(data).hexdigest() != self.digest:
            raise InvalidSubmission(f"{self.origin}: changed since the grader found it; grade again")
        return data


def _too_large(origin: str) -> str:
    return f"{origin}: larger than {MAX_BYTES // 1_000_000} MB; not a notebook to grade"


def _link(origin: str, what: str = "file") -> str:
    return f"{origin}: a symbolic link, not a {what}; hand in the notebook itself"


def _special(origin: str, mode: int) -> str:
    return f"{origin}: {_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a file; hand in the notebook itself"


def _stray(mode: int) -> str:
    """Why an entry that claims no notebook and is not a regular file is ignored."""
    if stat.S_ISLNK(mode):
        return "a symbolic link, not followed"
    return f"{_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not opened"


def _changed(origin: str) -> str:
    return f"{origin}: changed while the grader read it; grade again"


def _zip_directory(handle: Any) -> tuple[int, int]:
    """The entry count and central-directory size a zip declares, read from its end records without
    parsing the directory; the records are found the way ``zipfile`` finds them (ZIP64 included)."""
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    start = max(end - 22, 0)
    handle.seek(start)
    tail = handle.read(22)
    at = 0 if len(tail) == 22 and tail[:4] == b"PK\x05\x06" and tail[20:22] == b"\0\0" else -1
    if at < 0:  # a comment follows the record
        start = max(end - (1 << 16) - 22, 0)
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise zipfile.BadZipFile("File is not a zip file")
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    if start + at >= 20:  # zipfile takes the ZIP64 record whenever its locator precedes the end record
        handle.seek(start + at - 20)
        locator = handle.read(20)
        if locator[:4] == b"PK\x06\x07":
            handle.seek(struct.unpack("<Q", locator[8:16])[0])
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, directory = struct.unpack("<QQ", record[32:48])
    handle.seek(0)
    return entries, directory


def _open_zip(handle: Any, origin: str) -> zipfile.ZipFile:
    """A ZipFile over ``handle`` once its declared directory is of sane size; InvalidSubmission if not."""
    entries, directory = _zip_directory(handle)
    if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_DIRECTORY:
        raise InvalidSubmission(f"{origin}: an archive of {entries} entries ({directory} bytes of directory; at most "
                                f"{MAX_ZIP_ENTRIES} entries); hand in the notebooks alone")
    archive = zipfile.ZipFile(handle)
    if len(archive.infolist()) > MAX_ZIP_ENTRIES:
        archive.close()
        raise InvalidSubmission(f"{origin}: an archive of more than {MAX_ZIP_ENTRIES} entries; hand in the notebooks alone")
    return archive


def _member_problem(info: zipfile.ZipInfo, origin: str) -> str:
    """Why a zip entry cannot be read as a submission ("" when it can)."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        return f"{origin}: a path outside the archive's folder (absolute or ..); hand in the notebook itself"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _link(origin)
    if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return _special(origin, mode)
    if info.flag_bits & 0x1:
        return f"{origin}: encrypted in the archive; hand in an archive without a password"
    if info.file_size > MAX_BYTES:
        return _too_large(origin)
    return ""


def _chunks(path: str, member: str, size: int, origin: str) -> Iterator[bytes]:
    """The bytes of a file (or of a zip's ``member``) in chunks, exactly ``size`` of them, without
    following a link or opening a special file; raises InvalidSubmission."""
    if os.path.realpath(path) != path:
        raise InvalidSubmission(_link(origin))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if os.path.islink(path):
            raise InvalidSubmission(_link(origin)) from None
        raise InvalidSubmission(f"{origin}: cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidSubmission(_special(origin, info.st_mode))
        if size > MAX_BYTES or (not member and info.st_size > MAX_BYTES):
            raise InvalidSubmission(_too_large(origin))
        try:
            if member:
                archive = _open_zip(handle, origin)
                entry = archive.getinfo(member)
                problem = _member_problem(entry, origin)
                if problem:
                    raise InvalidSubmission(problem)
                if entry.file_size != size:
                    raise InvalidSubmission(_changed(origin))
                stream: Any = archive.open(entry)
            else:
                if info.st_size != size:
                    raise InvalidSubmission(_changed(origin))
                stream = handle
            total = 0
            while True:
                chunk = stream.read(min(CHUNK, size - total + 1))
                if not chunk:
                    break
                total += len(chunk)
                if total > size:
                    raise InvalidSubmission(_changed(origin))
                yield chunk
            if total != size:
                raise InvalidSubmission(_changed(origin))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, NotImplementedError, RuntimeError,
                EOFError, zlib.error, OSError, ValueError) as err:
            if isinstance(err, InvalidSubmission):
                raise
            raise InvalidSubmission(f"{origin}: cannot be read ({type(err).__name__}: {err})") from None


def _digest(path: str, member: str, size: int, origin: str) -> str:
    sha = hashlib.sha256()
    for chunk in _chunks(path, member, size, origin):
        sha.update(chunk)
    return sha.hexdigest()


def _claims(name: str, notebook: str) -> bool:
    """True when a file name inside a student's folder or archive is a copy of ``notebook``."""
    stem = Path(name).name
    return stem.endswith(".ipynb") and (stem == f"{notebook}.ipynb" or stem.startswith((f"{notebook} ", f"{notebook}-")))


def _flat_owner(name: str, notebooks: list[str]) -> tuple[str, str] | None:
    """(student, notebook) for a flat file name ``<student>_<notebook>.ipynb``."""
    owner = next((n for n in notebooks if name.endswith(f"_{n}.ipynb") and len(name) > len(n) + 7), None)
    return None if owner is None else (name[: -len(owner) - 7], owner)


def _system(name: str, is_dir: bool) -> str:
    """Why an entry is a system entry and not a student's ("" when it is not)."""
    if name in SYSTEM_FOLDERS or name.startswith(".Trash"):
        return "system folder, not read" if is_dir else "hidden system file"
    if name in SYSTEM_FILES or name.startswith("._"):  # ._x: macOS's AppleDouble metadata of x
        return "hidden system file"
    return ""


@dataclass
class _Claim:
    origin: str
    path: str = ""
    member: str = ""
    size: int = 0
    problem: str = ""  # why it cannot be graded even when it is the only one


@dataclass
class _Scan:
    claims: dict[str, dict[str, list[_Claim]]] = field(default_factory=dict)  # student -> notebook -> files
    broken: dict[str, str] = field(default_factory=dict)  # student -> why their folder/zip is unusable
    empty: set[str] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)

    def student(self, student: str) -> dict[str, list[_Claim]]:
        return self.claims.setdefault(student, {})

    def claim(self, student: str, notebook: str, claim: _Claim) -> None:
        self.student(student).setdefault(notebook, []).append(claim)

    def break_(self, student: str, reason: str) -> None:
        self.student(student)
        self.broken.setdefault(student, reason)


class _Ignored:
    """Ignored entries of one student: listed one by one up to MAX_LISTED, then counted."""

    def __init__(self, scan: _Scan, where: str) -> None:
        self.scan, self.where, self.listed, self.more = scan, where, 0, 0

    def add(self, line: str) -> None:
        if self.listed < MAX_LISTED:
            self.scan.ignored.append(line)
            self.listed += 1
        else:
            self.more += 1

    def close(self) -> None:
        if self.more:
            self.scan.ignored.append(f"{self.where}: {self.more} more files that are not notebooks of this course")


def _not_wanted(name: str, notebooks: list[str], inside: bool) -> str:
    """The reason a regular file claiming none of ``notebooks`` is ignored."""
    if name.endswith(".ipynb"):
        return f"not a notebook graded in this run ({', '.join(notebooks)})"
    if inside and name.endswith(".zip"):
        return "an archive inside a student's folder or archive is not opened"
    expected = "<NN_topic>.ipynb" if inside else LAYOUTS.replace("expected ", "")
    return f"not a notebook of this course (expected {expected})"


def _scan_folder(scan: _Scan, root: str, student: str, notebooks: list[str]) -> None:
    """Every entry of a student's folder, walked without following links."""
    scan.student(student)
    listing = _Ignored(scan, f"{student}/")
    stack = [student]
    seen = 0
    has_files = False
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel)) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            listing.add(f"{rel}/: cannot be read ({err.strerror})")
            continue
        subfolders = []
        for entry in entries:
            seen += 1
            if seen > MAX_FOLDER_ENTRIES:
                scan.break_(student, f"{student}: a folder of more than {MAX_FOLDER_ENTRIES} files and folders; "
                                     "hand in the notebooks alone")
                listing.close()
                scan.ignored.append(f"{student}/: more than {MAX_FOLDER_ENTRIES} files and folders; the rest was not read")
                return
            origin = f"{rel}/{entry.name}"
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as err:
                listing.add(f"{origin}: cannot be read ({err.strerror})")
                continue
            is_dir = stat.S_ISDIR(mode)
            system = _system(entry.name, is_dir)
            if system:
                listing.add(f"{origin}{'/' if is_dir else ''}: {system}")
                continue
            if is_dir:
                subfolders.append(origin)
                continue
            has_files = has_files or not entry.name.startswith(".")
            owners = [n for n in notebooks if _claims(entry.name, n)]
            if stat.S_ISLNK(mode):
                problem = _link(origin)
            elif not stat.S_ISREG(mode):
                problem = _special(origin, mode)
            else:
                size = entry.stat(follow_symlinks=False).st_size
                problem = _too_large(origin) if size > MAX_BYTES else ""
            if not owners:
                why = _not_wanted(entry.name, notebooks, True) if stat.S_ISREG(mode) else _stray(mode)
                listing.add(f"{origin}: {why}")
                continue
            for notebook in owners:
                scan.claim(student, notebook, _Claim(origin, os.path.join(root, origin),
                                                     size=0 if problem else size, problem=problem))
        stack.extend(reversed(subfolders))
    listing.close()
    if not has_files:
        scan.empty.add(student)


def _scan_zip(scan: _Scan, root: str, name: str, student: str, notebooks: list[str]) -> None:
    """Every entry of a student's zip, from its directory alone (no member is read here)."""
    path = os.path.join(root, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        scan.break_(student, f"{name}: cannot be read ({err.strerror})")
        return
    listing = _Ignored(scan, f"{name}:")
    systems: set[str] = set()
    with os.fdopen(fd, "rb") as handle:
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise InvalidSubmission(_special(name, mode))
            with _open_zip(handle, name) as archive:
                infos = sorted(archive.infolist(), key=lambda i: i.filename)
        except InvalidSubmission as err:
            scan.break_(student, str(err))
            return
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as err:
            scan.break_(student, f"{name}: not a readable zip file ({err})")
            return
    scan.student(student)
    for info in infos:
        member = info.filename
        parts = member.replace("\\", "/").split("/")
        system = next((i for i, part in enumerate(parts[:-1]) if _system(part, True)), None)
        if system is not None:
            folder = "/".join(parts[: system + 1]) + "/"
            if folder not in systems:
                systems.add(folder)
                scan.ignored.append(f"{name}:{folder}: {_system(parts[system], True)}")
            continue
        if info.is_dir():
            continue
        origin = f"{name}:{member}"
        if _system(parts[-1], False):
            listing.add(f"{origin}: {_system(parts[-1], False)}")
            continue
        problem = _member_problem(info, origin)
        owners = [n for n in notebooks if _claims(parts[-1], n)]
        if not owners:
            why = f"{problem.partition(': ')[2].partition(';')[0]}, not read" if problem else _not_wanted(parts[-1], notebooks, True)
            listing.add(f"{origin}: {why}")
            continue
        for notebook in owners:
            scan.claim(student, notebook, _Claim(origin, path, member, 0 if problem else info.file_size, problem))
    listing.close()


def _scan(root: Path, notebooks: list[str]) -> tuple[str, _Scan]:
    base = Path(root)
    if not base.is_dir():
        raise FileNotFoundError(f"{root}: submissions folder not found")
    top = os.path.realpath(base)  # the instructor's own link to the folder is fine; nothing under it is followed
    scan = _Scan()
    with os.scandir(top) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as err:
            scan.ignored.append(f"{name}: cannot be read ({err.strerror})")
            continue
        is_dir = stat.S_ISDIR(mode)
        system = _system(name, is_dir)
        if system:
            scan.ignored.append(f"{name}{'/' if is_dir else ''}: {system}")
        elif is_dir:
            _scan_folder(scan, top, name, notebooks)
        elif stat.S_ISREG(mode) and name.endswith(".zip") and len(name) > 4:
            _scan_zip(scan, top, name, name[:-4], notebooks)
        elif (flat := _flat_owner(name, notebooks)) is not None:
            student, notebook = flat
            size = entry.stat(follow_symlinks=False).st_size
            problem = (_link(name) if stat.S_ISLNK(mode) else _special(name, mode) if not stat.S_ISREG(mode)
                       else _too_large(name) if size > MAX_BYTES else "")
            scan.claim(student, notebook, _Claim(name, os.path.join(top, name), size=0 if problem else size, problem=problem))
        elif stat.S_ISLNK(mode) and name.endswith(".zip") and len(name) > 4:
            scan.break_(name[:-4], _link(name))
        elif stat.S_ISLNK(mode) and _link_to_folder(os.path.join(top, name)):
            scan.break_(name, _link(name, "folder"))
        elif not stat.S_ISREG(mode) and name.endswith(".zip") and len(name) > 4:
            scan.break_(name[:-4], _special(name, mode))
        elif not stat.S_ISREG(mode):
            scan.ignored.append(f"{name}: {_stray(mode)} ({LAYOUTS})")
        else:
            scan.ignored.append(f"{name}: {_not_wanted(name, notebooks, False)}")
    return top, scan


def _link_to_folder(path: str) -> bool:
    """True for a link whose target is a folder (only its type is looked at; nothing is opened)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def discover(root: Path, notebooks: list[str]) -> tuple[list[Submission], list[str]]:
    """Every (student, notebook) pair under ``root``, and every entry that is not one, as
    ``"<relative path>: <reason>"`` lines.

    Raises FileNotFoundError when ``root`` is not a folder.
    """
    _, scan = _scan(root, notebooks)
    out: list[Submission] = []
    shown: dict[str, list[str]] = {}
    for student in scan.claims:
        shown.setdefault(_shown(student), []).append(student)
    for student in sorted(scan.claims):
        if len(shown[_shown(student)]) > 1:  # two names that differ only in undecodable bytes
            reason = (f"{_shown(student)}: {len(shown[_shown(student)])} submissions whose names differ only in bytes "
                      "that are not UTF-8; rename them")
            out += [Submission(_shown(student), n, _shown(student), problem="invalid", reason=reason) for n in notebooks]
            continue
        for notebook in notebooks:
            files = scan.claims[student].get(notebook, [])
            if student in scan.broken and not files:
                reason = scan.broken[student]
                out.append(Submission(student, notebook, reason.partition(": ")[0], problem="invalid", reason=reason))
            elif not files:
                where = "empty folder" if student in scan.empty else f"no {notebook}.ipynb"
                out.append(Submission(student, notebook, student, problem="missing",
                                      reason=f"{student}: {where}; nothing to grade for {notebook}"))
            elif len(files) > 1:
                names = ", ".join(f.origin for f in files)
                out.append(Submission(student, notebook, names, problem="duplicate",
                                      reason=f"{len(files)} submissions ({names}); keep one and grade again"))
            else:
                out.append(_resolve(student, notebook, files[0]))
    return [_printable(sub) for sub in out], [_shown(line) for line in scan.ignored]


def _shown(text: str) -> str:
    """A file name as text that can be written anywhere: bytes that are not UTF-8 (a zip made with
    another code page) are shown as ``\\xNN`` rather than kept as lone surrogates."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _printable(sub: Submission) -> Submission:
    names = {"student": _shown(sub.student), "origin": _shown(sub.origin), "reason": _shown(sub.reason)}
    if all(getattr(sub, k) == v for k, v in names.items()):
        return sub
    from dataclasses import replace

    return replace(sub, **names)


def _resolve(student: str, notebook: str, claim: _Claim) -> Submission:
    """The submission for a student's only file of a notebook: its digest streamed now, or why not."""
    problem = claim.problem
    if not problem:
        try:
            digest = _digest(claim.path, claim.member, claim.size, claim.origin)
        except InvalidSubmission as err:
            problem = str(err)
    if problem:
        return Submission(student, notebook, claim.origin, problem="invalid", reason=problem,
                          path=claim.path, member=claim.member)
    return Submission(student, notebook, claim.origin, path=claim.path, member=claim.member, size=claim.size,
                      digest=digest)


def submitted_notebooks(root: Path, candidates: list[str]) -> list[str]:
    """The notebooks among ``candidates`` that at least one file under ``root`` claims."""
    _, scan = _scan(root, candidates)
    return [n for n in candidates if any(n in mine for mine in scan.claims.values())]


def read_notebook(sub: Submission, released: Any) -> Any:
    """Load, parse and validate a submission against its released notebook; raise InvalidSubmission."""
    import nbformat

    where = sub.origin
    raw = sub.load()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidSubmission(f"{where}: not a notebook (not UTF-8 text)") from None
    except RecursionError:
        raise InvalidSubmission(f"{where}: not a notebook (JSON nested too deeply)") from None
    except ValueError as err:
        raise InvalidSubmission(f"{where}: not a notebook (not JSON: {err})") from None
    del raw
    if isinstance(data, dict) and "nbformat" in data and data["nbformat"] != 4:
        raise InvalidSubmission(f"{where}: notebook format {repr(data['nbformat'])[:20]} is not supported (need 4)")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidSubmission(f"{where}: not a notebook (no list of cells)")
    cells = data["cells"]
    if len(cells) > MAX_CELLS:
        raise InvalidSubmission(f"{where}: {len(cells)} cells (a notebook of this course has far fewer than "
                                f"{MAX_CELLS}); not graded")
    chars = sum(_source_length(cell) for cell in cells)
    if chars > MAX_SOURCE_CHARS:
        raise InvalidSubmission(f"{where}: {chars} characters of source (more than {MAX_SOURCE_CHARS}); not graded")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)  # joins multi-line sources
        nbformat.validate(nb)
    except nbformat.ValidationError as err:
        raise InvalidSubmission(f"{where}: not a valid notebook: {str(err).splitlines()[0]}") from None
    except (RecursionError, TypeError, AttributeError, KeyError) as err:
        raise InvalidSubmission(f"{where}: not a valid notebook ({type(err).__name__})") from None
    source = nb.metadata.get("workbook", {}).get("source")
    wanted = released.metadata.get("workbook", {}).get("source")
    if source and wanted and source != wanted:
        raise InvalidSubmission(f"{where}: this is {Path(str(source)).stem}, not {Path(wanted).stem}")
    if not source and not _looks_like(nb, released):
        raise InvalidSubmission(f"{where}: does not look like {Path(str(wanted)).stem} (none of its given cells are there)")
    return nb


def _source_length(cell: Any) -> int:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, str):
        return len(source)
    if isinstance(source, list):
        return sum(len(line) for line in source if isinstance(line, str))
    return 0


def _looks_like(nb: Any, released: Any) -> bool:
    """True when the submission keeps at least one of the released notebook's locked cells."""
    ids = {c.get("id") for c in nb.cells}
    sources = {c.source.strip() for c in nb.cells}
    locked = [c for c in released.cells if c.cell_type == "code" and c.metadata.get("workbook", {}).get("locked")]
    return any(c.get("id") in ids or c.source.strip() in sources for c in locked)
