"""Export a student's answers from their kernel as plain data, for judging in the grader's process.

The grader adds cells to the submission before it runs (all tagged :data:`GRADER_TAG`, never shown
in feedback):

* the *prelude*, first of all cells, before any student code: it imports
  :mod:`workbook.kernel_export` and installs the exporter under a random module name;
* one *export cell per question*, last: each asks the exporter for that one answer with the
  question's plan (the variable's name and, for a function, the argument lists to call it on,
  hidden cases included) and a one-time nonce. Each is its own cell, so it has its own per-cell
  deadline: a function that hangs or crashes costs its own question, not the ones after it.

The answers travel as display messages on the kernel's IOPub channel and are read by the grader's
client while the export cell runs (``workbook.kernel_run``); a file the kernel writes is never read.
:func:`parse_payload` accepts only a well-formed payload with the cell's nonce and finite plain
JSON; everything else is a rejected answer with its reason.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from typing import Any

from .kernel_export import MAX_ANSWER_BYTES

GRADER_TAG = "workbook-grader"  # the tag on the cells the grader adds
ANSWER_FORMS = ("value", "outputs", "missing", "unserialisable", "not_callable", "too_large")


@dataclass(frozen=True)
class ExportCell:
    """One question's export cell: its source and the nonce its payload must carry."""

    qid: str
    source: str
    nonce: str


def plan_of(key: dict[str, Any], hidden: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What to export for each question: the name, and for a function answer the calls to make
    (``[args, kwargs]`` pairs: public cases, then ``hidden[qid]``)."""
    from . import kinds

    plan: dict[str, Any] = {}
    for qid, spec in key["questions"].items():
        item: dict[str, Any] = {"name": spec["name"]}
        calls = kinds.calls({"kind": "value", **spec})
        if calls is not None:
            item["calls"] = calls + [[c["args"], c.get("kwargs", {})] for c in hidden.get(str(qid), [])]
        plan[str(qid)] = item
    return plan


def export_cells(plan: dict[str, Any]) -> tuple[str, list[ExportCell]]:
    """Source of the prelude and of each question's export cell for one run."""
    name = f"_wb_{secrets.token_hex(8)}"
    prelude = ("# Added by the grader (not shown in feedback).\n"
               f"__import__('workbook.kernel_export', fromlist=['install']).install({name!r})")
    cells = []
    for qid, item in plan.items():
        nonce = secrets.token_hex(16)
        # repr() of plain JSON data is a valid Python literal (true/false/null become Python's)
        literal = json.loads(json.dumps(item))
        cells.append(ExportCell(qid, f"__import__('sys').modules[{name!r}].answer({nonce!r}, {qid!r}, {literal!r})", nonce))
    return prelude, cells


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def finite(value: Any) -> bool:
    """True when ``value`` (plain JSON data) holds no NaN or infinity at any depth."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return True


def parse_payload(data: Any, *, nonce: str, qid: str) -> tuple[dict[str, Any] | None, str]:
    """The answer in one payload of :data:`MIME`, or None and why it was rejected."""
    if not isinstance(data, dict) or data.get("nonce") != nonce or data.get("qid") != qid:
        return None, "the answer did not come from the grader's export (wrong or missing nonce)"
    text = data.get("answer")
    if not isinstance(text, str) or len(text) > MAX_ANSWER_BYTES + 100:
        return None, "the exported answer is malformed"
    try:
        answer = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        return None, f"the exported answer is not plain JSON ({str(err)[:80]})"
    if not isinstance(answer, dict) or len(answer) != 1 or next(iter(answer)) not in ANSWER_FORMS:
        return None, "the exported answer is malformed"
    if not finite(answer):
        return None, "the exported answer holds a non-finite number"
    if "outputs" in answer and not (isinstance(answer["outputs"], list)
                                    and all(isinstance(o, dict) and len(o) == 1 for o in answer["outputs"])):
        return None, "the exported answer is malformed"
    return answer, ""
