"""The ``function`` kind: the answer is a function, called on the key's cases.

Key fields: ``cases`` (public: ``args``, optional ``kwargs``, and ``expect``, the expected result, with
``also: [...]`` for other accepted results), ``hidden`` (grading only, same form; never in the learner
key), ``reference: module:function`` (the field's library computes each expected result instead of
``expect``), ``hidden_from_seed: module:function`` (seed -> more hidden cases; needs ``reference``)
and ``tolerance`` (absolute, for every number in a result).

Credit is the share of cases that pass. The learner's check runs the public cases only and says so;
its feedback names the first failing case (the call, the expected result, what came back) and the
first case that raised, if another. Hidden cases are counted, never shown.
"""

from __future__ import annotations

from typing import Any

from ..i18n import msg
from ..normalize import show, to_plain
from . import Outcome, problem_text, resolve, rule_of
from .expected import Rule, compare, compile_any, compile_value, leaves


def validate(spec: dict[str, Any], where: str) -> None:
    cases = spec.get("cases") or []
    if not cases:
        raise ValueError(f"{where}: a function question needs public 'cases'")
    for case in cases + (spec.get("hidden") or []):
        if not isinstance(case, dict) or "args" not in case or ("expect" not in case and "reference" not in spec):
            raise ValueError(f"{where}: each case needs 'args' and, without 'reference', 'expect'")
    if spec.get("hidden_from_seed") and not spec.get("reference"):
        raise ValueError(f"{where}: 'hidden_from_seed' needs 'reference'")


def _case(case: dict[str, Any], rule: Rule, salt: str, public: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"args": case["args"], "kwargs": case.get("kwargs", {})}
    if "expect" in case:
        out["want"] = compile_any([case["expect"], *case.get("also", [])], rule, salt)
        if public:
            out["shown"] = case["expect"]
    if not public:
        out["hidden"] = True
    return out


def compile(spec: dict[str, Any], rule: Rule, salt: str, *, seed: int | None = None,
            hidden: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    cases = [_case(c, rule, salt, True) for c in spec["cases"]]
    cases += [_case(c, rule, salt, False) for c in hidden or []]
    expects = [c.get("expect") for c in spec["cases"]]
    numbers = bool(spec.get("reference")) or "tolerance" in spec or any(
        isinstance(v, float) and v != int(v) for v in leaves(expects))
    out: dict[str, Any] = {"cases": cases, "numbers": numbers}
    if spec.get("reference"):
        out["reference"] = spec["reference"]
    return out


def calls(spec: dict[str, Any]) -> list[list[Any]]:
    return [[c["args"], c.get("kwargs", {})] for c in spec["cases"]]


def call_text(name: str, case: dict[str, Any]) -> str:
    """The call of a case as the learner would write it, readable, long inputs cut at item boundaries."""
    parts = [show(a, 320) for a in case["args"]] + [f"{k}={show(v, 200)}" for k, v in case.get("kwargs", {}).items()]
    return f"{name}({', '.join(parts)})"


def _expected(question: dict[str, Any], case: dict[str, Any], rule: Rule) -> tuple[dict[str, Any], Any]:
    """The case's expected entry and its plain form to show (None for a hidden case)."""
    if "want" in case:
        return case["want"], case.get("shown")
    want = to_plain(resolve(question["reference"])(*case["args"], **case.get("kwargs", {})))["value"]
    return compile_value(want, rule, question["salt"]), None if case.get("hidden") else want


def verdict(question: dict[str, Any], answer: dict[str, Any], lang: str) -> Outcome:
    cases, outputs = question["cases"], answer.get("outputs")
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return Outcome(0.0, [msg("output_count", lang, want=len(cases), found=len(outputs or []))])
    rule, name = rule_of(question), question["name"]
    right, hidden_right, failure, crash = 0, 0, "", ""
    for index, (case, out) in enumerate(zip(cases, outputs)):
        entry, shown = _expected(question, case, rule)
        problem = compare(entry, out["value"], rule, question["salt"]) if "value" in out else None
        ok = "value" in out and problem is None
        right += ok
        hidden_right += ok and bool(case.get("hidden"))
        if ok or case.get("hidden"):
            continue
        call = call_text(name, case)
        if "error" in out:
            crash = crash or msg("case_raised", lang, n=index + 1, call=call, error=out["error"])
            continue
        got = show(out["value"], 160) if "value" in out else "..."
        if not failure:
            why = "" if problem is None or problem.key == "no_match" else f" ({problem_text(problem, lang)})"
            failure = msg("case_expected", lang, n=index + 1, call=call, want=show(shown, 160), got=got) + why
    hidden = sum(1 for c in cases if c.get("hidden"))
    public = len(cases) - hidden
    public_right = right - hidden_right
    if right == len(cases):
        return Outcome(1.0, [msg("public_cases_pass", lang, n=public)] if not hidden else
                       [msg("all_cases_pass", lang, n=len(cases), hidden=hidden)])
    if hidden:
        details = [msg("judge_cases", lang, right=right, total=len(cases), hidden_right=hidden_right, hidden=hidden)]
    else:
        details = [msg("cases_right", lang, right=public_right, total=public)]
    details += [d for d in (failure, crash) if d] or [msg("hidden_fail", lang)]
    return Outcome(right / len(cases), details)
