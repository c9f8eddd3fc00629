"""The kernel's side of the grader's export, in the test process (for the export and mutant tests)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def collecting_shell() -> Iterator[Any]:
    """An IPython shell whose display messages are collected in ``shell.sent`` instead of sent: the
    kernel's side of the grader's export, in this process."""
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    sent: list[dict] = []
    original = sh.display_pub.publish
    sh.display_pub.publish = lambda data, metadata=None, **kw: sent.append(data)
    sh.sent = sent
    try:
        yield sh
    finally:
        sh.display_pub.publish = original
        for name in [n for n in sys.modules if n.startswith("_wb_")]:
            del sys.modules[name]
