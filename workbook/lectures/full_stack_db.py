"""Lecture 1 — the roadmap's database row: the labelled data in SQLite (the standard library's
``sqlite3``, an in-memory database), and a data version taken as a hash over a query's result."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Sequence

from .full_stack_serving import version_id

SCHEMA = """
CREATE TABLE labels (
    file  TEXT PRIMARY KEY,
    text  TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('positive', 'negative', 'neutral'))
)
"""
VERSION_QUERY = "SELECT file, label FROM labels ORDER BY file"


def labels_db(n: int = 6, seed: int = 0, lang: str | None = None) -> sqlite3.Connection:
    """An in-memory SQLite database holding ``n`` labelled reviews (the table of :func:`full_stack.label_table`)."""
    from .full_stack import label_table

    conn = sqlite3.connect(":memory:")
    conn.execute(SCHEMA)
    with conn:
        conn.executemany("INSERT INTO labels (file, text, label) VALUES (?, ?, ?)",
                         label_table(n, seed, lang)[["file", "text", "label"]].itertuples(index=False, name=None))
    return conn


def query_hash(conn: sqlite3.Connection, sql: str = VERSION_QUERY, params: Sequence[Any] = ()) -> str:
    """A version id for the rows ``sql`` returns: SHA-256 (first 16 hex digits) of the column names and
    rows as JSON. Give the query an ORDER BY: SQL promises no row order without one."""
    cursor = conn.execute(sql, tuple(params))
    columns = [column[0] for column in cursor.description or ()]
    payload = json.dumps({"columns": columns, "rows": cursor.fetchall()}, ensure_ascii=False, separators=(",", ":"))
    return version_id(payload.encode("utf-8"), 16)


def relabel(conn: sqlite3.Connection, file: str, label: str) -> int:
    """Set the label of ``file`` in one transaction; returns the number of rows changed (0: no such file).
    A label outside the schema's CHECK raises ``sqlite3.IntegrityError``."""
    with conn:
        return conn.execute("UPDATE labels SET label = ? WHERE file = ?", (label, file)).rowcount
