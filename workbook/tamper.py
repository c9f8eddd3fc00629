"""Tamper detection: compare a submission's locked cells (given code, check calls) with the release.

A locked cell is found in the submission by its cell id, or, when the id is gone (cells copied into
a new notebook), by identical source. A locked cell whose id is there with other source is
*changed*; one found by neither is *deleted*. Whitespace at line ends does not count, nor does the
``lang`` preset of the parameters cell (a Korean submission compared with the English release).
"""

from __future__ import annotations

from typing import Any

from .editions import preset_lang
from .i18n import msg


def _norm(source: str) -> str:
    """Source as compared: line ends stripped, and the ``lang = "..."`` preset of the parameters cell
    read as English (the two editions differ only there; switching language is no tampering)."""
    return "\n".join(line.rstrip() for line in preset_lang(source.strip(), "en").splitlines())


def locked_changes(released: Any, submitted: Any, lang: str = "en") -> list[str]:
    """One line per changed or deleted locked cell (in ``lang``), naming the cell by its place in the
    release. ``released`` may be either edition of the exercise: both hold the same code cells (same ids
    and source, the ``lang`` preset aside) at the same places, so a submission of either edition is
    compared the same way."""
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
        key = "tamper_changed" if mine is not None else "tamper_deleted"
        changes.append(msg(key, lang, index=index, first=repr(first)))
    return changes
