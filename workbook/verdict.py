"""A question's grade as the grader records it, and the statuses and reasons every kind shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# What the grader itself says when a question has no exported answer (see workbook.grade._answers).
STOPPED = {"timeout": "timeout", "kernel_died": "kernel_died", "not_exported": "missing", "rejected": "failed"}
NO_VARIABLE = "no variable named "  # what the kernel's export says of a renamed or deleted answer
STATUSES = ("passed", "partial", "failed", "not_attempted", "missing", "error", "timeout", "kernel_died")


@dataclass
class Verdict:
    """One question's grade."""

    qid: str
    title: str
    status: str
    points: float
    max_points: float
    message: str = ""
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
