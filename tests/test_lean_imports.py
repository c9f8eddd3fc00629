"""The grader's processes skip ``rfc3987_syntax`` (2.5 s of import): nothing they validate needs it."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from workbook import lean_imports


def _formats(schema: Any, found: list[str]) -> list[str]:
    """Every ``format`` keyword in a JSON schema (a property *named* "format" is not one)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    _formats(sub, found)
            elif key == "format" and isinstance(value, str):
                found.append(value)
            else:
                _formats(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _formats(item, found)
    return found


def test_no_notebook_schema_uses_a_string_format() -> None:
    import nbformat

    schemas = sorted(Path(nbformat.__file__).parent.rglob("*.schema.json"))
    assert len(schemas) >= 5
    used = {str(p.name): _formats(json.loads(p.read_text(encoding="utf-8")), []) for p in schemas}
    assert all(not found for found in used.values()), used
    assert _formats({"properties": {"format": {"type": "string"}}, "format": "iri"}, []) == ["iri"]  # the walker works


@pytest.mark.parametrize("entry", ["workbook.cli", "workbook.worker"])
def test_the_grader_entry_points_skip_it_and_nbformat_still_validates(entry: str) -> None:
    script = f"""
import sys, {entry}, nbformat
assert sys.modules.get("rfc3987_syntax") is None, "rfc3987_syntax was imported"
good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(good)
bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
bad.cells[0]["execution_count"] = "one"
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("rejected")
"""
    result = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "rejected"


def test_a_module_already_imported_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    here = types.ModuleType("rfc3987_syntax")
    monkeypatch.setitem(sys.modules, "rfc3987_syntax", here)
    lean_imports.skip_unused()
    assert sys.modules["rfc3987_syntax"] is here


def test_a_skipped_module_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    lean_imports.skip_unused()
    with pytest.raises(ImportError):
        import rfc3987_syntax  # noqa: F401
