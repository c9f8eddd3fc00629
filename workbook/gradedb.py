"""The gradebook database: one SQLite file, ``RESULTS/gradebook.sqlite``, for the whole term.

It holds every graded submission (the grader's record, its automatic verdicts), and what people add
to it later: manual scores (rubric ticks, a comment, an override of any automatic score with its
reason) and late penalties. ``grades.csv``, ``summary.csv`` and ``results.json`` are exported from
it (:mod:`workbook.gradebook`).

Writes are transactions: the file is in WAL mode (readers never block the writer), every write
starts with ``BEGIN IMMEDIATE`` (one writer at a time, others wait up to :data:`BUSY_SECONDS`), so
a grade run saving records and a reviewer saving a score never lose each other's rows. The grader
writes only ``submissions`` and ``verdicts``; the review app writes only ``reviews``; ``deadlines``
writes only ``penalties``. A review row carries a ``version``: a save names the version it was
based on and is refused (:class:`Conflict`) when someone saved in between.

The schema's version is ``PRAGMA user_version``; :data:`MIGRATIONS` brings any older file up to date
on open. A results folder from before the database (``records/<student>/<NN>.json``) is imported
into it the first time it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DB_NAME = "gradebook.sqlite"
BUSY_SECONDS = 60.0

# Each entry brings the schema from version i to i + 1; never edit one that has shipped, add one.
MIGRATIONS: tuple[str, ...] = (
    # 1: what `workbook grade` records
    """
    CREATE TABLE submissions (
        student TEXT NOT NULL, notebook TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL,
        max_score REAL NOT NULL, hash TEXT NOT NULL, record TEXT NOT NULL, saved_at TEXT NOT NULL,
        PRIMARY KEY (student, notebook));
    CREATE TABLE verdicts (
        student TEXT NOT NULL, notebook TEXT NOT NULL, qid TEXT NOT NULL, position INTEGER NOT NULL,
        status TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL, message TEXT NOT NULL,
        PRIMARY KEY (student, notebook, qid),
        FOREIGN KEY (student, notebook) REFERENCES submissions ON DELETE CASCADE);
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: what the instructor adds by hand (workbook review)
    """
    CREATE TABLE reviews (
        student TEXT NOT NULL, notebook TEXT NOT NULL, qid TEXT NOT NULL,
        ticks TEXT NOT NULL DEFAULT '[]', comment TEXT NOT NULL DEFAULT '',
        override REAL, reason TEXT NOT NULL DEFAULT '', read INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 0, saved_at TEXT NOT NULL,
        PRIMARY KEY (student, notebook, qid));
    """,
    # 3: deadlines (workbook.deadlines): when each submission came in and what it cost
    """
    CREATE TABLE penalties (
        student TEXT NOT NULL, notebook TEXT NOT NULL, submitted TEXT, source TEXT NOT NULL,
        due TEXT, days_late INTEGER NOT NULL, fraction REAL NOT NULL, rule TEXT NOT NULL,
        PRIMARY KEY (student, notebook));
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class Conflict(RuntimeError):
    """A review save based on a version someone else has already replaced; nothing was written."""


class GradebookError(RuntimeError):
    """The database file cannot be used; the message is one line naming it."""


def db_path(out: Path) -> Path:
    return Path(out) / DB_NAME


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def migrate(conn: sqlite3.Connection, path: Path, out: Path | None = None) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`, one migration per transaction; return the
    version found. A file newer than this code is refused. The first migration also imports the
    JSON records of results folder ``out``, in the same transaction: whoever creates the gradebook
    imports them, exactly once, before anyone can write a newer record."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise GradebookError(f"{path}: gradebook schema version {found} is newer than this workbook "
                             f"({SCHEMA_VERSION}); upgrade the workbook package")
    for version in range(found, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:  # another process may have done it
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if version == 0 and out is not None:
                    _import_json_records(conn, out)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as err:
        raise GradebookError(f"{path}: not a usable gradebook ({err})") from None
    conn.row_factory = sqlite3.Row
    return conn


@contextmanager
def connect(out: Path) -> Iterator[sqlite3.Connection]:
    """An open, migrated gradebook for results folder ``out`` (created, with any JSON records of an
    older results folder imported, on first use)."""
    path = db_path(out)
    conn = _open(path)
    try:
        try:
            migrate(conn, path, Path(out))
        except sqlite3.DatabaseError as err:
            raise GradebookError(f"{path}: not a usable gradebook ({err})") from None
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on any error: nothing half-applied)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --- records (the grader) --------------------------------------------------------------------------------

def put_record(conn: sqlite3.Connection, record: dict[str, Any]) -> None:
    """Save one submission's record and its verdicts in one transaction (replacing an older one).
    Reviews and penalties of the submission are left as they are."""
    with transaction(conn):
        _put_record(conn, record)


def _put_record(conn: sqlite3.Connection, record: dict[str, Any]) -> None:
    key = (record["student"], record["notebook"])
    conn.execute("DELETE FROM verdicts WHERE student = ? AND notebook = ?", key)
    conn.execute("INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (*key, record["status"], float(record["score"]), float(record["max_score"]), str(record.get("hash", "")),
                  json.dumps(record, ensure_ascii=False), _now()))
    conn.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*key, str(q["qid"]), i, q["status"], float(q["points"]), float(q["max_points"]), str(q.get("message", "")))
                      for i, q in enumerate(record.get("questions", []))])


def get_record(conn: sqlite3.Connection, student: str, notebook: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT record FROM submissions WHERE student = ? AND notebook = ?", (student, notebook)).fetchone()
    return json.loads(row["record"]) if row else None


def all_records(conn: sqlite3.Connection, notebooks: list[str] | None = None) -> list[dict[str, Any]]:
    """Every record, sorted by student and notebook (only ``notebooks`` when given)."""
    rows = conn.execute("SELECT notebook, record FROM submissions ORDER BY student, notebook").fetchall()
    return [json.loads(r["record"]) for r in rows if notebooks is None or r["notebook"] in notebooks]


def set_meta(conn: sqlite3.Connection, name: str, value: Any) -> None:
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value, ensure_ascii=False)))


def get_meta(conn: sqlite3.Connection, name: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return json.loads(row["value"]) if row else default


def _import_json_records(conn: sqlite3.Connection, out: Path) -> int:
    """Import ``out/records/*/*.json`` (a results folder from before the database) inside the
    caller's transaction; unreadable files are skipped (they are graded again). Returns how many."""
    files = sorted((out / "records").glob("*/*.json")) if (out / "records").is_dir() else []
    count = 0
    for path in files:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and {"student", "notebook", "status", "score", "max_score"} <= set(record) \
                and record["notebook"] == path.stem and isinstance(record.get("questions"), list):
            conn.execute("SAVEPOINT one_record")
            try:
                _put_record(conn, record)
            except (KeyError, TypeError, ValueError, sqlite3.IntegrityError):  # a damaged record: graded again
                conn.execute("ROLLBACK TO one_record")
            else:
                count += 1
            conn.execute("RELEASE one_record")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('imported_json_records', ?)", (json.dumps(count),))
    return count


# --- reviews (the instructor) ----------------------------------------------------------------------------

def get_review(conn: sqlite3.Connection, student: str, notebook: str, qid: str) -> dict[str, Any]:
    """The review of one answer; version 0 (nothing saved) when there is none."""
    row = conn.execute("SELECT * FROM reviews WHERE student = ? AND notebook = ? AND qid = ?",
                       (student, notebook, qid)).fetchone()
    if row is None:
        return {"student": student, "notebook": notebook, "qid": qid, "ticks": [], "comment": "", "override": None,
                "reason": "", "read": False, "version": 0, "saved_at": ""}
    return {**dict(row), "ticks": json.loads(row["ticks"]), "read": bool(row["read"])}


def all_reviews(conn: sqlite3.Connection) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["student"], r["notebook"], r["qid"]): {**dict(r), "ticks": json.loads(r["ticks"]), "read": bool(r["read"])}
            for r in conn.execute("SELECT * FROM reviews")}


def save_review(conn: sqlite3.Connection, student: str, notebook: str, qid: str, *, base_version: int,
                ticks: list[str], comment: str, override: float | None, reason: str) -> dict[str, Any]:
    """Save a review made from version ``base_version``; return the saved row (its version is one
    more). Raises Conflict, writing nothing, when the stored version is no longer ``base_version``,
    and ValueError for an override without a reason."""
    if override is not None and not reason.strip():
        raise ValueError("an override needs a reason")
    with transaction(conn):
        current = get_review(conn, student, notebook, qid)
        if current["version"] != base_version:
            raise Conflict(f"this answer was saved elsewhere (version {current['version']}, at {current['saved_at']}) "
                           f"after you opened it (version {base_version}); reload to see that save, then apply yours again")
        conn.execute("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                     (student, notebook, qid, json.dumps(sorted(set(ticks))), comment, override, reason.strip(),
                      base_version + 1, _now()))
    return get_review(conn, student, notebook, qid)


# --- penalties (deadlines) -------------------------------------------------------------------------------

def put_penalties(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the late penalties of the given submissions (one transaction)."""
    with transaction(conn):
        conn.executemany("INSERT OR REPLACE INTO penalties VALUES (:student, :notebook, :submitted, :source, :due, "
                         ":days_late, :fraction, :rule)", rows)


def all_penalties(conn: sqlite3.Connection) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["student"], r["notebook"]): dict(r) for r in conn.execute("SELECT * FROM penalties")}


def peek(out: Path) -> list[dict[str, Any]]:
    """Every record in ``out``'s gradebook, read without creating or migrating anything ([] when there
    is no gradebook yet); for watching a grade run from outside."""
    path = db_path(out)
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_SECONDS)
    try:
        return [json.loads(r[0]) for r in conn.execute("SELECT record FROM submissions ORDER BY student, notebook")]
    except sqlite3.OperationalError:  # created but not yet migrated
        return []
    finally:
        conn.close()
