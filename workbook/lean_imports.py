"""Optional modules the grader's own processes never use, kept from being imported.

``jsonschema`` (which ``nbformat`` imports) loads ``rfc3987_syntax`` when it is installed, only to
check the ``iri`` / ``iri-reference`` string formats; that package compiles 38 grammars with lark at
import, about 2.5 s of CPU in every process that imports ``nbformat`` (each CLI call, each grading
worker). No notebook schema uses those formats (``tests/test_lean_imports.py`` checks this), so the
grader's processes stop the import: ``jsonschema`` already treats the package as optional.

Only the grader's entry modules (``workbook.cli``, ``workbook.worker``) call :func:`skip_unused`; a
learner's kernel, JupyterLab and the tests import as usual.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)  # each entry: why it is safe to skip is in the module docstring


def skip_unused() -> None:
    """Make ``import`` of each unused module fail with ImportError in this process, unless it is
    already imported (then nothing changes)."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type] - None in sys.modules means "cannot be imported"
