"""Plain forms of answers: what travels from a kernel to the judge, and how strings are compared.

* :func:`canonical` turns a learner's value into plain JSON data: NumPy scalars and arrays and pandas
  Series become numbers and lists, tuples become lists, sets sorted lists, dict keys strings; numbers
  are kept to 12 decimals (``1.0`` and ``1`` are the same number; ``-0.0`` is ``0``). The grader's
  export (:mod:`workbook.kernel_export`) and the learner's check (:mod:`workbook.check`) both send an
  answer through :func:`to_plain`, so the judge and the check see the same data.
* :func:`text_form` is THE string rule, used for every string an answer is compared on: Unicode NFKC,
  case-folded, hyphens, dashes, underscores and slashes read as spaces, runs of spaces collapsed, and
  spaces around the ends dropped. So "AI-centric", "ai centric" and " AI_Centric " are one answer,
  and "matthews_corr" is "Matthews corr". Spelling variants (US/UK "labeling"/"labelling"),
  abbreviations and the Korean labels the notebooks show are accepted only where a key lists them as
  synonyms (see :mod:`workbook.kinds.expected`).
* :func:`show` is a readable one-line form of a value for feedback: it cuts long values at item
  boundaries (``[['a', 'b'], ['c', 'd'], … 3 more]``), never in the middle of a string.
"""

from __future__ import annotations

import json
import math
import numbers
import re
import unicodedata
from typing import Any

DECIMALS = 12  # numbers in plain answers keep this many decimals
PLACEHOLDER = {"...": "not attempted"}  # a ``...`` left inside a partly filled answer, in plain data
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_/]+")


class NotCanonical(TypeError):
    """The value has a type that answers cannot take (a function, a file, ...)."""


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def canonical(value: Any, decimals: int = DECIMALS) -> Any:
    """Return a JSON-able plain form of ``value`` (see the module docstring)."""
    if value is None or isinstance(value, bool):
        return value
    if value is Ellipsis:
        return dict(PLACEHOLDER)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # NumPy scalar or 0-d array
        value = value.item()
        if isinstance(value, bool):
            return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return str(number)
        rounded = round(number, decimals)
        if rounded == int(rounded) and abs(rounded) < 2**53:
            return int(rounded)  # 1.0 and 1 are the same answer
        return rounded + 0.0
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(canonical(k, decimals)): canonical(v, decimals) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v, decimals) for v in value), key=_sort_key)
    if hasattr(value, "tolist"):  # NumPy arrays, pandas Series
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [canonical(v, decimals) for v in value]
    raise NotCanonical(f"an answer cannot be of type {type(value).__name__}")


def to_plain(value: Any) -> dict[str, Any]:
    """One answer as the export sends it: ``{"value": plain}``, ``{"missing": ...}`` for a placeholder,
    or ``{"unserialisable": type}``. (:mod:`workbook.kernel_export` builds the same forms.)"""
    if is_missing(value):
        return {"missing": "not attempted"}
    try:
        text = json.dumps(canonical(value), ensure_ascii=False, allow_nan=False)
    except (NotCanonical, TypeError, ValueError, RecursionError):
        return {"unserialisable": type(value).__name__}
    return {"value": json.loads(text)}


def text_form(text: str) -> str:
    """The form two strings are compared in (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SEPARATORS.sub(" ", folded).strip()


def number_from_text(text: str) -> float | None:
    """The number a string spells (``"240"``, ``" 0.431 "``, ``"1,234.5"``), or None."""
    cleaned = text.strip().replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    return float(cleaned)


def show(value: Any, limit: int = 160) -> str:
    """``repr``-like text of ``value`` in at most about ``limit`` characters, cut at item boundaries."""
    text = repr(value)
    if len(text) <= limit:
        return text
    if isinstance(value, (list, tuple, dict)):
        if isinstance(value, dict):
            opening, closing, items = "{", "}", [(f"{k!r}: ", v) for k, v in value.items()]
        else:
            opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
            items = [("", v) for v in value]
        parts: list[str] = []
        used = 2
        for index, (head, item) in enumerate(items):
            piece = head + show(item, max(24, limit - used - len(head) - 12))
            if used + len(piece) + 2 > limit and parts:
                parts.append(f"… {len(items) - index} more")
                break
            parts.append(piece)
            used += len(piece) + 2
        return opening + ", ".join(parts) + closing
    if isinstance(value, str):
        return repr(value[: max(8, limit - 12)]) + f"… ({len(value)} characters)"
    return text[: limit - 1] + "…"


def short_repr(value: Any, limit: int = 80) -> str:
    """Kept for callers outside the checks: :func:`show`."""
    return show(value, limit)


def is_missing(value: Any) -> bool:
    """True for ``...`` (or its plain form) and for containers whose every leaf is ``...`` (a template
    not filled in)."""
    if value is Ellipsis or value == PLACEHOLDER:
        return True
    if isinstance(value, dict):
        return bool(value) and all(is_missing(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return bool(value) and all(is_missing(v) for v in value)
    return False
