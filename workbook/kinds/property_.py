"""The ``property`` kind: the answer is judged by a checker function, not against one expected value.

Key fields: ``checker: module:function`` (called as ``checker(value, lang=...)``, returns a list of
problems in ``lang``; empty means right) and optional ``cases`` (then the answer is a function, and the
checker gets its plain outputs on these cases, in order). The checker runs the same way in the
learner's kernel and in the grader's process; it states its own tolerance in its messages.
"""

from __future__ import annotations

from typing import Any

from ..i18n import msg
from . import Outcome, resolve
from .expected import Rule


def validate(spec: dict[str, Any], where: str) -> None:
    if ":" not in str(spec.get("checker", "")):
        raise ValueError(f"{where}: a property question needs 'checker: module:function'")


def compile(spec: dict[str, Any], rule: Rule, salt: str, *, seed: int | None = None,
            hidden: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"checker": spec["checker"], "numbers": False}
    if spec.get("cases"):
        out["cases"] = [{"args": c["args"], "kwargs": c.get("kwargs", {})} for c in spec["cases"]]
    return out


def calls(spec: dict[str, Any]) -> list[list[Any]] | None:
    if not spec.get("cases"):
        return None
    return [[c["args"], c.get("kwargs", {})] for c in spec["cases"]]


def verdict(question: dict[str, Any], answer: dict[str, Any], lang: str) -> Outcome:
    if question.get("cases"):
        outputs = answer.get("outputs")
        if not isinstance(outputs, list) or len(outputs) != len(question["cases"]):
            return Outcome(0.0, [msg("output_count", lang, want=len(question["cases"]), found=len(outputs or []))])
        broken = next((o for o in outputs if "value" not in o), None)
        if broken is not None:
            return Outcome(0.0, [msg("raised", lang, error=broken.get("error", "...")) if "error" in broken
                                 else msg("fill_in", lang)])
        value: Any = [o["value"] for o in outputs]
    else:
        value = answer["value"]
    problems = resolve(question["checker"])(value, lang=lang)
    return Outcome(0.0, [str(p) for p in problems]) if problems else Outcome(1.0)
