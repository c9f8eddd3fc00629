"""Verdicts: compare exported answers (plain data) with the source answer key, in the grader's process.

Nothing here runs student code. Reference functions (the field's library) and property checkers run
on the key's own arguments and on the plain values the student's kernel exported.

Per-student variants: a function question may add ``hidden_from_seed: module:function`` (called with
the student's seed, returns more hidden cases ``[{"args": [...]}, ...]``; needs ``reference``), and a
value question may give ``answer_from_seed: module:function`` (called with the seed, returns the
expected answer) when the notebook derives its data from ``seed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from . import keys
from .export import ANSWER_FORMS, finite
from .i18n import msg, pick
from .kinds import manual
from .normalize import NotCanonical, agree, short_repr

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


def hidden_cases(spec: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """The grading-only cases of a question: the key's ``hidden`` plus those made from the seed."""
    cases = list(spec.get("hidden") or [])
    if spec.get("hidden_from_seed"):
        cases += [{"args": c["args"], "kwargs": c.get("kwargs", {})} for c in keys.resolve(spec["hidden_from_seed"])(seed)]
    return cases


def _score(spec: dict[str, Any], fraction: float) -> float:
    return round(float(spec["points"]) * fraction, 4)


def _status(fraction: float) -> str:
    return "passed" if fraction >= 1 else "partial" if fraction > 0 else "failed"


def _judge_value(spec: dict[str, Any], value: Any, seed: int, lang: str) -> tuple[float, str]:
    rule = keys.rule_of(spec)
    want = keys.resolve(spec["answer_from_seed"])(seed) if spec.get("answer_from_seed") else spec["answer"]
    if agree(value, want, rule):
        return 1.0, ""
    if spec.get("partial") and isinstance(want, (dict, list)):
        expected = {str(k): v for k, v in (want.items() if isinstance(want, dict) else enumerate(want))}
        given = value if isinstance(value, dict) else dict(enumerate(value)) if isinstance(value, list) else {}
        given = {str(k): v for k, v in given.items()}
        right = [k for k, v in expected.items() if k in given and agree(given[k], v, rule)]
        wrong = [k for k in expected if k not in right]
        return len(right) / len(expected), msg("judge_items", lang, right=len(right), total=len(expected), items=", ".join(wrong))
    return 0.0, msg("judge_no_match", lang)


def _expected(spec: dict[str, Any], case: dict[str, Any]) -> Any:
    if "expect" in case:
        return case["expect"]
    return keys.resolve(spec["reference"])(*case["args"], **case.get("kwargs", {}))


def _judge_function(spec: dict[str, Any], outputs: list[dict[str, Any]], hidden: list[dict[str, Any]],
                    lang: str) -> tuple[float, str]:
    public = list(spec.get("cases") or [])
    cases = public + hidden
    if len(outputs) != len(cases):
        return 0.0, msg("judge_output_count", lang, want=len(cases), found=len(outputs))
    if all("missing" in out for out in outputs):
        raise _NotAttempted()
    right, hidden_right, first_problem = 0, 0, ""
    rule = keys.rule_of(spec)
    for index, (case, out) in enumerate(zip(cases, outputs)):
        ok = "value" in out and agree(out["value"], _expected(spec, case), rule)
        right += ok
        hidden_right += ok and index >= len(public)
        if not ok and not first_problem and index < len(public):  # hidden inputs are never shown
            args = ", ".join(short_repr(a, 30) for a in case["args"])
            got = out.get("error") or (msg("judge_returned", lang, value=short_repr(out["value"], 60)) if "value" in out
                                       else next(iter(out.values())))
            first_problem = msg("judge_first_problem", lang, args=args, problem=got)
    message = msg("judge_cases", lang, right=right, total=len(cases), hidden_right=hidden_right, hidden=len(hidden))
    return right / len(cases), message + (f"; {first_problem}" if first_problem else "")


def _judge_property(spec: dict[str, Any], answer: dict[str, Any], lang: str) -> tuple[float, str]:
    if "outputs" in answer:
        if all("missing" in out for out in answer["outputs"]):
            raise _NotAttempted()
        broken = [out for out in answer["outputs"] if "value" not in out]
        if broken:
            first = broken[0]
            return 0.0, str(first.get("error") or next(iter(first.values())))
        value: Any = [out["value"] for out in answer["outputs"]]
    else:
        value = answer["value"]
    problems = keys.resolve(spec["checker"])(value, lang=lang)
    return (0.0, "; ".join(map(str, problems))) if problems else (1.0, "")


class _NotAttempted(Exception):
    """The answer is still the placeholder."""


def judge_question(qid: str, spec: dict[str, Any], answer: dict[str, Any] | None, *, seed: int,
                   hidden: list[dict[str, Any]], lang: str = "en") -> Verdict:
    """The verdict for one question from its exported ``answer`` (see ``workbook.export``)."""
    if spec["kind"] == manual.KIND:  # a written answer: awaiting review, nothing judged here
        return manual.verdict(qid, spec, answer, lang)  # type: ignore[return-value]
    verdict = Verdict(qid=qid, title=pick(spec.get("title"), lang), status="failed", points=0.0,
                      max_points=float(spec["points"]), hint=pick(spec.get("hint"), lang))
    if answer is None:
        verdict.status, verdict.message = "missing", msg("judge_no_export", lang)
        return verdict
    if isinstance(answer, dict) and len(answer) == 1 and next(iter(answer)) in STOPPED:
        form = next(iter(answer))
        # The grader's own English detail; other languages get the catalogue's sentence for the form.
        verdict.status = STOPPED[form]
        verdict.message = str(answer[form]) if lang == "en" else msg(f"judge_stopped_{form}", lang)
        return verdict
    if not isinstance(answer, dict) or not set(answer) & set(ANSWER_FORMS):
        verdict.message = msg("judge_malformed", lang)
        return verdict
    if not finite(answer):
        verdict.message = msg("judge_non_finite", lang)
        return verdict
    if "too_large" in answer:
        verdict.message = msg("judge_too_large", lang, size=answer["too_large"])
        return verdict
    if "missing" in answer:
        missing = str(answer["missing"])
        named = missing.startswith("no variable")
        verdict.status = "missing" if named else "not_attempted"
        if missing.startswith(NO_VARIABLE):
            verdict.message = msg("judge_no_variable", lang, name=missing[len(NO_VARIABLE):])
        else:
            verdict.message = msg("judge_missing", lang, detail=missing) if named else msg("judge_not_attempted", lang)
        return verdict
    if "unserialisable" in answer:
        verdict.message = msg("judge_unserialisable", lang, type=answer["unserialisable"])
        return verdict
    if "not_callable" in answer:
        verdict.message = msg("judge_not_callable", lang, type=answer["not_callable"])
        return verdict
    try:
        if spec["kind"] == "function":
            fraction, message = _judge_function(spec, answer.get("outputs", []), hidden, lang)
        elif spec["kind"] == "property":
            fraction, message = _judge_property(spec, answer, lang)
        else:
            fraction, message = _judge_value(spec, answer.get("value"), seed, lang)
    except _NotAttempted:
        verdict.status, verdict.message = "not_attempted", msg("judge_not_attempted", lang)
        return verdict
    except NotCanonical as err:
        fraction, message = 0.0, msg("judge_cannot_grade", lang, error=err)
    except Exception as err:  # a broken reference or checker is the key's fault: say so, grade the rest
        verdict.status, verdict.message = "error", msg("judge_key_error", lang, error=f"{type(err).__name__}: {err}")
        return verdict
    verdict.status, verdict.points, verdict.message = _status(fraction), _score(spec, fraction), message
    return verdict


def judge(key: dict[str, Any], answers: dict[str, Any] | None, *, seed: int,
          hidden: dict[str, list[dict[str, Any]]], lang: str = "en") -> list[Verdict]:
    """Verdicts for every question of ``key``; ``answers`` is None when nothing was exported."""
    return [judge_question(str(qid), spec, (answers or {}).get(str(qid)), seed=seed,
                           hidden=hidden.get(str(qid), []), lang=lang)
            for qid, spec in key["questions"].items()]
