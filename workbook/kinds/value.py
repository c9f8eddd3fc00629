"""The ``value`` kind: the answer is a value (a number, a string, a dict or list of them).

Key fields: ``answer`` (the expected value; ``answer_from_seed: module:function`` gives it per seed
for grading), ``tolerance`` (absolute, for every number in it; default 5e-5), ``synonyms``
(``{answer string: [also accepted, ...]}``), ``unordered`` (a list in any order) and ``partial`` (a
dict or list earns credit per item: right items / (expected items + extra keys)).
"""

from __future__ import annotations

from typing import Any

from ..i18n import msg
from ..normalize import is_missing, text_form
from . import Outcome, problem_text, resolve, rule_of
from .expected import Problem, Rule, compare, compile_value, leaves


def validate(spec: dict[str, Any], where: str) -> None:
    if "answer" not in spec:
        raise ValueError(f"{where}: a value question needs 'answer'")
    if spec.get("partial") and not isinstance(spec["answer"], (dict, list)):
        raise ValueError(f"{where}: 'partial' needs a dict or list answer")


def _has_fraction(value: Any) -> bool:
    return any(isinstance(v, float) and v != int(v) for v in leaves(value))


def compile(spec: dict[str, Any], rule: Rule, salt: str, *, seed: int | None = None,
            hidden: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    answer = spec["answer"]
    if seed is not None and spec.get("answer_from_seed"):
        answer = resolve(spec["answer_from_seed"])(seed)
    return {"want": compile_value(answer, rule, salt), "partial": bool(spec.get("partial")),
            "numbers": "tolerance" in spec or _has_fraction(answer)}


def calls(spec: dict[str, Any]) -> None:
    return None


def _set_details(expected: list[dict[str, Any]], got: list[Any], rule: Rule, salt: str, lang: str) -> list[str]:
    """What is right and wrong in an unordered list: how many found, which not recognised, repeated."""
    free, unknown, repeated = list(range(len(expected))), [], []
    for item in got:
        hit = next((i for i in free if compare(expected[i], item, rule, salt) is None), None)
        if hit is not None:
            free.remove(hit)
        elif any(compare(e, item, rule, salt) is None for e in expected):
            repeated.append(item)
        else:
            unknown.append(item)
    details = [msg("set_found", lang, found=len(expected) - len(free), total=len(expected))]
    if len(got) != len(expected):
        details.append(msg("problem_wrong_length", lang, n=len(expected), got=len(got)))
    if unknown:
        details.append(msg("set_unknown", lang, items=", ".join(map(repr, unknown))))
    if repeated:
        details.append(msg("set_repeated", lang, items=", ".join(map(repr, repeated))))
    if free:
        details.append(msg("set_missing", lang, n=len(free)))
    return details


def _items(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return None


def verdict(question: dict[str, Any], answer: dict[str, Any], lang: str) -> Outcome:
    entry, got, rule, salt = question["want"], answer["value"], rule_of(question), question["salt"]
    shape = "dict" if "dict" in entry else "list" if "list" in entry else None
    if not question.get("partial") or shape is None:
        problem = compare(entry, got, rule, salt)
        if problem is None:
            return Outcome(1.0)
        if shape == "list" and rule.unordered and isinstance(got, list):
            return Outcome(0.0, _set_details(entry["list"], got, rule, salt, lang))
        return Outcome(0.0, [problem_text(problem, lang)])
    expected = entry["dict"] if shape == "dict" else {str(i): e for i, e in enumerate(entry["list"])}
    if not isinstance(got, dict if shape == "dict" else list):
        problem = (Problem("want_dict", {"type": type(got).__name__, "keys": ", ".join(list(expected)[:6])})
                   if shape == "dict" else Problem("want_list", {"type": type(got).__name__, "n": len(expected)}))
        return Outcome(0.0, [problem_text(problem, lang)])
    given = {text_form(k): v for k, v in (_items(got) or {}).items()}
    wanted = {text_form(k): k for k in expected}
    extra = [k for k in (_items(got) or {}) if text_form(k) not in wanted]
    missing = [k for f, k in wanted.items() if f not in given or is_missing(given[f])]
    wrong, problems = [], []
    for form, key in wanted.items():
        if key in missing:
            continue
        problem = compare(expected[key], given[form], rule, salt)
        if problem is not None:
            wrong.append(key)
            if problem.key != "no_match":
                problems.append(f"{key}: {problem_text(problem, lang)}")
    right = len(expected) - len(missing) - len(wrong)
    fraction = right / (len(expected) + len(extra))
    if fraction >= 1:
        return Outcome(1.0)
    details = [msg("items_right", lang, right=right, total=len(expected))]
    if extra:
        details.append(msg("extra_items", lang, items=", ".join(map(repr, extra))))
    if wrong:
        details.append(msg("wrong_items", lang, items=", ".join(wrong)))
    if missing:
        details.append(msg("missing_items", lang, items=", ".join(missing)))
    return Outcome(fraction, details + problems[:3], attempted=len(missing) < len(expected))
