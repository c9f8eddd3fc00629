"""Expected answers, compiled so that the learner's check and the grader compare in the same way.

An expected value (a key's ``answer``, a case's ``expect``, a reference function's result) is compiled
into an *entry*: its shape in the clear (dict keys, list lengths, which leaf is a number, a string or a
constant) and each leaf as salted SHA-256 digests. The learner key holds entries; the grader compiles
the same entries from the source key in its own process and calls the same :func:`compare`. So a
verdict can differ between the two only through cases the learner does not have (hidden cases).

Leaves:

* a number ``a`` with tolerance ``tol`` (absolute, from the key; 0 = exact) is accepted when
  ``|x - a| <= tol``, exactly that interval. The entry holds the digest of the bucket
  ``k = floor(a / tol)`` and the offset ``f = a / tol - k`` (where in its bucket the answer sits, not
  which bucket). A value ``x`` can only be within ``tol`` of a number in the buckets next to
  ``x / tol - f``; :func:`compare` tries those (at most three), and for the bucket whose digest
  matches rebuilds ``a = (k + f) * tol`` and tests the interval. A string that spells a number
  (``"240"``) counts as that number.
* a string is accepted when its :func:`workbook.normalize.text_form` equals that of the answer or of
  one of the answer's synonyms (``synonyms:`` in the key: per question, or for the whole key file);
  the entry holds the digests of every accepted form.
* ``True``, ``False`` and ``None`` are compared exactly.

Containers: a dict must have the same keys (compared by ``text_form``), a list the same length and
each item in order (or, with ``unordered``, matched to distinct expected items). An ``any`` entry
(from a case's ``also:`` list) accepts any of several expected values.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from ..normalize import PLACEHOLDER, number_from_text, show, text_form

NOT_FINITE = ("nan", "inf", "infinity")  # :func:`workbook.normalize.canonical` spells these as strings
DEFAULT_TOLERANCE = 5e-5  # numbers agree to about 4 decimals unless the key says otherwise


@dataclass(frozen=True)
class Rule:
    """How a question's leaves compare: the number tolerance, order of lists, string synonyms."""

    tolerance: float = DEFAULT_TOLERANCE
    unordered: bool = False
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # text_form(answer) -> accepted forms

    @classmethod
    def of(cls, spec: dict[str, Any], file_synonyms: dict[str, Any] | None = None) -> Rule:
        synonyms: dict[str, list[str]] = {}
        for table in (file_synonyms or {}, spec.get("synonyms") or {}):
            for answer, alternatives in table.items():
                forms = synonyms.setdefault(text_form(str(answer)), [])
                forms += [text_form(str(a)) for a in alternatives]
        return cls(float(spec.get("tolerance", DEFAULT_TOLERANCE)), bool(spec.get("unordered", False)), synonyms)


@dataclass(frozen=True)
class Problem:
    """Why a value does not match: a message key of :mod:`workbook.i18n` and its fields."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)


def _digest(salt: str, *parts: Any) -> str:
    return hashlib.sha256("\n".join([salt, *map(str, parts)]).encode()).hexdigest()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def compile_value(value: Any, rule: Rule, salt: str) -> dict[str, Any]:
    """The entry for the plain expected ``value``."""
    if isinstance(value, dict):
        return {"dict": {str(k): compile_value(v, rule, salt) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"list": [compile_value(v, rule, salt) for v in value]}
    if _is_number(value):
        number = float(value)
        if rule.tolerance == 0:
            return {"num": [_digest(salt, "n", _exact(number)), None]}
        scaled = number / rule.tolerance
        bucket = math.floor(scaled)
        return {"num": [_digest(salt, "n", bucket), scaled - bucket]}
    if isinstance(value, str):
        form = text_form(value)
        forms = sorted({form, *rule.synonyms.get(form, [])})
        return {"str": sorted(_digest(salt, "s", f) for f in forms)}
    return {"const": _digest(salt, "c", json.dumps(value))}


def compile_any(values: list[Any], rule: Rule, salt: str) -> dict[str, Any]:
    """One entry accepting any of ``values``."""
    entries = [compile_value(v, rule, salt) for v in values]
    return entries[0] if len(entries) == 1 else {"any": entries}


def _exact(number: float) -> str:
    return str(int(number)) if number == int(number) else repr(number)


def _number_matches(entry: list[Any], got: float, rule: Rule, salt: str) -> bool:
    digest, offset = entry
    if rule.tolerance == 0:
        return _digest(salt, "n", _exact(got)) == digest
    tol = rule.tolerance
    centre = got / tol - offset
    if not math.isfinite(centre):
        return False
    for bucket in range(math.ceil(centre - 1 - 1e-9), math.floor(centre + 1 + 1e-9) + 1):
        if _digest(salt, "n", bucket) == digest:
            return abs(got - (bucket + offset) * tol) <= tol * (1 + 1e-9) + 1e-12
    return False


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "None"
    return {dict: "dict", list: "list", str: "str", int: "int", float: "float"}.get(type(value), type(value).__name__)


def compare(entry: dict[str, Any], got: Any, rule: Rule, salt: str) -> Problem | None:
    """None when the plain value ``got`` matches ``entry``, else the first problem found."""
    if got == PLACEHOLDER:
        return Problem("unfilled", {})
    if "any" in entry:
        problems = [compare(e, got, rule, salt) for e in entry["any"]]
        return None if any(p is None for p in problems) else problems[0]
    if "dict" in entry:
        if not isinstance(got, dict):
            return Problem("want_dict", {"type": _type_name(got), "keys": ", ".join(list(entry["dict"])[:6])})
        given = {text_form(k): v for k, v in got.items()}
        wanted = {text_form(k): k for k in entry["dict"]}
        extra = [k for k in got if text_form(k) not in wanted]
        missing = [k for f, k in wanted.items() if f not in given]
        if extra:
            return Problem("extra_keys", {"keys": ", ".join(map(repr, extra))})
        if missing:
            return Problem("missing_keys", {"keys": ", ".join(map(repr, missing))})
        for form, key in wanted.items():
            problem = compare(entry["dict"][key], given[form], rule, salt)
            if problem:
                return problem
        return None
    if "list" in entry:
        if not isinstance(got, list):
            return Problem("want_list", {"type": _type_name(got), "n": len(entry["list"])})
        if len(got) != len(entry["list"]):
            return Problem("wrong_length", {"n": len(entry["list"]), "got": len(got)})
        if rule.unordered:
            free = list(entry["list"])
            for item in got:
                hit = next((i for i, e in enumerate(free) if compare(e, item, rule, salt) is None), None)
                if hit is None:
                    return Problem("no_match", {})
                free.pop(hit)
            return None
        for want, item in zip(entry["list"], got):
            problem = compare(want, item, rule, salt)
            if problem:
                return problem
        return None
    if "num" in entry:
        if isinstance(got, str) and got.lstrip("+-").lower() in NOT_FINITE:  # what a NaN or infinity is exported as
            return Problem("not_finite", {"got": got})
        if isinstance(got, str):
            number = number_from_text(got)
            if number is None:
                return Problem("string_for_number", {"got": show(got, 40)})
            got = number
        if not _is_number(got):
            return Problem("want_number", {"type": _type_name(got)})
        return None if _number_matches(entry["num"], float(got), rule, salt) else Problem("no_match", {})
    if "str" in entry:
        if _is_number(got):
            got = str(got)
        if not isinstance(got, str):
            return Problem("want_text", {"type": _type_name(got)})
        return None if _digest(salt, "s", text_form(got)) in entry["str"] else Problem("no_match", {})
    return None if _digest(salt, "c", json.dumps(got)) == entry["const"] else Problem("no_match", {})


def leaves(value: Any) -> list[Any]:
    """Every leaf of a plain value (for the checks that a key states its tolerance)."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]
