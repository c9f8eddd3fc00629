"""Tamper detection: compare a submission's locked cells (given code, check calls) with the release.

A locked cell is found in the submission by its cell id, or, when the id is gone (cells copied into
a new notebook), by identical source. A locked cell whose id is there with other source is
*changed*; one found by neither is *deleted*. Whitespace at line ends does not count.
"""

from __future__ import annotations

from typing import Any


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def locked_changes(released: Any, submitted: Any) -> list[str]:
    """One line per changed or deleted locked cell, naming the cell by its place in the release."""
    by_id = {c.get("id"): c for c in submitted.cells if c.get("id")}
    sources = {_norm(c.source) for c in submitted.cells if c.cell_type == "code"}
    changes = []
    for index, cell in enumerate(released.cells):
        if cell.cell_type != "code" or not cell.metadata.get("workbook", {}).get("locked"):
            continue
        mine = by_id.get(cell.get("id"))
        if mine is not None and _norm(mine.source) == _norm(cell.source):
            continue
        if _norm(cell.source) in sources:
            continue  # moved or re-created, content intact
        first = cell.source.strip().splitlines()[0][:50] if cell.source.strip() else ""
        verb = "changed" if mine is not None else "deleted"
        changes.append(f"locked cell {index} {verb} ({first!r})")
    return changes
