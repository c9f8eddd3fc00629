"""Canonical forms of answers, and their salted digests.

An answer is compared through its canonical form, never through the raw value:

* numbers (int, float, NumPy scalars) are rounded to ``decimals`` places (default 4), so 0.50649
  and 0.5065 agree; ``-0.0`` becomes ``0.0``; bools stay bools;
* strings are stripped and have inner runs of whitespace collapsed; with ``casefold`` they are
  case-folded too ("Regression" == " regression ");
* lists, tuples and NumPy arrays keep their order; sets are sorted; with ``unordered`` a list is
  sorted as well;
* dicts keep their keys (as canonical strings) and canonicalise each value.

The digest is SHA-256 over a per-question salt and the canonical JSON, so the learner key holds no
answer in the clear. A small answer space can still be brute-forced; that is accepted for a
self-check, and the grader never relies on it (it judges against the plaintext key).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Rule:
    """How to canonicalise an answer before comparing."""

    decimals: int = 4
    casefold: bool = False
    unordered: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Rule:
        data = data or {}
        return cls(
            decimals=int(data.get("decimals", 4)),
            casefold=bool(data.get("casefold", False)),
            unordered=bool(data.get("unordered", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"decimals": self.decimals, "casefold": self.casefold, "unordered": self.unordered}


class NotCanonical(TypeError):
    """The value has a type that answers cannot take (a function, a file, ...)."""


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def canonical(value: Any, rule: Rule = Rule()) -> Any:
    """Return a JSON-able canonical form of ``value`` under ``rule``."""
    if value is None or isinstance(value, bool):
        return value
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
        rounded = round(number, rule.decimals)
        if rounded == int(rounded) and abs(rounded) < 2**53:
            return int(rounded)  # 1.0 and 1 are the same answer
        return rounded + 0.0
    if isinstance(value, str):
        text = " ".join(value.split())
        return text.casefold() if rule.casefold else text
    if isinstance(value, dict):
        return {str(canonical(k, rule)): canonical(v, rule) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v, rule) for v in value), key=_sort_key)
    if hasattr(value, "tolist"):  # NumPy arrays, pandas Series
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [canonical(v, rule) for v in value]
        return sorted(items, key=_sort_key) if rule.unordered else items
    raise NotCanonical(f"an answer cannot be of type {type(value).__name__}")


def digest(value: Any, rule: Rule, salt: str) -> str:
    """Salted SHA-256 of the canonical JSON of ``value``."""
    payload = json.dumps(canonical(value, rule), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{salt}\n{payload}".encode()).hexdigest()


def on_boundary(value: Any, rule: Rule) -> bool:
    """True when a number in ``value`` sits (within float noise) on a rounding boundary of ``rule``:
    such an expected answer would make 0.5065 and 0.50650001 hash differently."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real) and math.isfinite(float(value)):
        scaled = abs(float(value)) * 10**rule.decimals
        return abs(scaled - math.floor(scaled) - 0.5) < 1e-6
    if isinstance(value, dict):
        return any(on_boundary(v, rule) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(on_boundary(v, rule) for v in value)
    return False


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters for a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_missing(value: Any) -> bool:
    """True for ``...`` and for containers whose every leaf is ``...`` (a template not filled in)."""
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return bool(value) and all(is_missing(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return bool(value) and all(is_missing(v) for v in value)
    return False


def agree(value: Any, expected: Any, rule: Rule) -> bool:
    """True when ``value`` matches ``expected`` under ``rule``; numbers within half a unit of the last
    stated decimal, so comparisons with a library's result do not flip at a rounding boundary."""
    fine = replace(rule, decimals=12)  # compare unrounded values, with the rule's tolerance
    return _close(canonical(value, fine), canonical(expected, fine), 0.5 * 10 ** -rule.decimals + 1e-12)


def _close(got: Any, want: Any, tol: float) -> bool:
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return abs(got - want) <= tol
    if isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(_close(g, w, tol) for g, w in zip(got, want))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(_close(got[k], want[k], tol) for k in want)
    return got == want
