"""Verdicts: compare exported answers (plain data) with the source answer key, in the grader's process.

Nothing here runs student code. Reference functions (the field's library) and property checkers run
on the key's own arguments and on the plain values the student's kernel exported.

Per-student variants: a function question may add ``hidden_from_seed: module:function`` (called with
the student's seed, returns more hidden cases ``[{"args": [...]}, ...]``; needs ``reference``), and a
value question may give ``answer_from_seed: module:function`` (called with the seed, returns the
expected answer) when the notebook derives its data from ``seed``.
"""

from __future__ import annotations

from typing import Any

from . import kinds
from .export import ANSWER_FORMS, finite
from .i18n import msg, pick
from .kinds import manual
from .verdict import NO_VARIABLE, STOPPED, Verdict

def hidden_cases(spec: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """The grading-only cases of a question: the key's ``hidden`` plus those made from the seed."""
    cases = list(spec.get("hidden") or [])
    if spec.get("hidden_from_seed"):
        cases += [{"args": c["args"], "kwargs": c.get("kwargs", {})} for c in kinds.resolve(spec["hidden_from_seed"])(seed)]
    return cases


def _score(spec: dict[str, Any], fraction: float) -> float:
    return round(float(spec["points"]) * fraction, 4)


def _status(fraction: float) -> str:
    return "passed" if fraction >= 1 else "partial" if fraction > 0 else "failed"


def judge_question(qid: str, spec: dict[str, Any], answer: dict[str, Any] | None, *, seed: int,
                   hidden: list[dict[str, Any]], lang: str = "en", notebook: str = "",
                   file_synonyms: dict[str, Any] | None = None) -> Verdict:
    """The verdict for one question from its exported ``answer`` (see ``workbook.export``): the question
    compiled with its hidden cases and judged by its kind (:mod:`workbook.kinds`), as the check does."""
    spec = {"kind": "value", "points": 1, **spec}
    if spec["kind"] == manual.KIND:  # a written answer: awaiting review, nothing judged here
        return manual.grader_verdict(qid, spec, answer, lang)  # type: ignore[return-value]
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
    try:
        question = kinds.compile_question(spec, notebook, qid, file_synonyms=file_synonyms, seed=seed, hidden=hidden)
    except Exception as err:  # a broken key or seed function is the key's fault: say so, grade the rest
        verdict.status, verdict.message = "error", msg("judge_key_error", lang, error=f"{type(err).__name__}: {err}")
        return verdict
    try:
        outcome = kinds.verdict(question, answer, lang)
    except Exception as err:  # a broken reference or checker is the key's fault: say so, grade the rest
        verdict.status, verdict.message = "error", msg("judge_key_error", lang, error=f"{type(err).__name__}: {err}")
        return verdict
    if not outcome.attempted:
        verdict.status, verdict.message = "not_attempted", msg("judge_not_attempted", lang)
        return verdict
    verdict.status, verdict.points = _status(outcome.fraction), _score(spec, outcome.fraction)
    verdict.message = "; ".join(outcome.details)
    verdict.hint = pick(question.get("hint"), lang)
    return verdict


def judge(key: dict[str, Any], answers: dict[str, Any] | None, *, seed: int,
          hidden: dict[str, list[dict[str, Any]]], lang: str = "en") -> list[Verdict]:
    """Verdicts for every question of ``key``; ``answers`` is None when nothing was exported."""
    return [judge_question(str(qid), spec, (answers or {}).get(str(qid)), seed=seed,
                           hidden=hidden.get(str(qid), []), lang=lang, notebook=key.get("notebook", ""),
                           file_synonyms=key.get("synonyms"))
            for qid, spec in key["questions"].items()]
