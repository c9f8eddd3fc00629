"""The learner's self-check: ``check("full_stack.q3", answer)`` shows a verdict in the notebook.

A check never raises on a wrong or missing answer: it returns a :class:`CheckResult` that renders
itself (HTML in JupyterLab, plain text elsewhere, and a small JSON bundle that tests and the
handouts read). It compares against the installed learner key, which holds digests only.
This is feedback for the learner, not a grade: grades are judged by ``workbook grade`` outside the
learner's kernel.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from . import keys
from .i18n import get_lang, msg, pick
from .kinds import manual
from .normalize import NotCanonical, Rule, agree, digest, is_missing, short_repr

MIME = "application/vnd.workbook.check+json"
STATUSES = ("passed", "failed", "not_attempted", "error", "recorded")
_STYLE = {
    "passed": ("#e6f4ea", "#1e7e34", "✔"),
    "failed": ("#fdecea", "#b3261e", "✘"),
    "not_attempted": ("#f1f3f4", "#3c4043", "…"),
    "error": ("#fff4e5", "#8a4b00", "!"),
    "recorded": ("#e8f0fe", "#0b57d0", "✎"),  # a free-response answer, read by the instructor
}


@dataclass
class CheckResult:
    """The verdict of one check, in the learner's language."""

    qid: str
    status: str
    score: float = 0.0
    title: str = ""
    details: list[str] = field(default_factory=list)
    hint: str = ""
    lang: str = "en"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def summary(self) -> str:
        """One line: the question, the verdict and (if any) the first detail."""
        head = f"{self.qid}: {msg(self.status, self.lang)}"
        return head + (f" - {self.details[0]}" if self.details else "")

    def __repr__(self) -> str:
        lines = [self.summary(), *(f"  {d}" for d in self.details[1:])]
        if self.hint and self.status == "failed":
            lines.append(f"  {msg('hint', self.lang)}: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"qid": self.qid, "status": self.status, "score": round(self.score, 4)}

    def _repr_html_(self) -> str:
        background, colour, icon = _STYLE[self.status]
        title = f" <span style='font-weight:normal'>{html.escape(self.title)}</span>" if self.title else ""
        items = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        details = f"<ul style='margin:4px 0'>{items}</ul>" if items else ""
        hint = (
            f"<div class='workbook-hint'><b>{msg('hint', self.lang)}:</b> {html.escape(self.hint)}</div>"
            if self.hint and self.status == "failed" else ""
        )
        return (
            f"<div class='workbook-check workbook-{self.status}' data-qid='{html.escape(self.qid)}' "
            f"data-status='{self.status}' role='status' style='border-left:6px solid {colour};"
            f"background:{background};color:#202124;padding:8px 12px;margin:4px 0;border-radius:4px'>"
            f"<b style='color:{colour}'>{icon} {html.escape(self.qid)} · {msg(self.status, self.lang)}</b>{title}"
            f"{details}{hint}</div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": repr(self), "text/html": self._repr_html_(), MIME: self.to_dict()}


def _result(qid: str, spec: dict[str, Any] | None, status: str, lang: str, score: float = 0.0,
            details: list[str] | None = None) -> CheckResult:
    spec = spec or {}
    return CheckResult(qid=qid, status=status, score=score, title=pick(spec.get("title"), lang),
                       details=details or [], hint=pick(spec.get("hint"), lang), lang=lang)


def _check_value(qid: str, spec: dict[str, Any], value: Any, lang: str) -> CheckResult:
    rule, salt = Rule.from_dict(spec["rule"]), spec["salt"]
    try:
        if digest(value, rule, salt) == spec["digest"]:
            return _result(qid, spec, "passed", lang, 1.0)
    except NotCanonical:
        if not spec.get("items"):
            raise
    items = spec.get("items")
    if items and isinstance(value, (dict, list, tuple)):
        given = value if isinstance(value, dict) else dict(enumerate(value))
        given = {str(k): v for k, v in given.items()}
        missing = [k for k in items if k not in given or is_missing(given[k])]
        wrong = [k for k in items if k not in missing and digest(given[k], rule, f"{salt}:{k}") != items[k]]
        right = len(items) - len(missing) - len(wrong)
        details = [msg("items_right", lang, right=right, total=len(items))]
        if wrong:
            details.append(msg("wrong_items", lang, items=", ".join(wrong)))
        if missing:
            details.append(msg("missing_items", lang, items=", ".join(missing)))
        return _result(qid, spec, "failed", lang, right / len(items), details)
    return _result(qid, spec, "failed", lang)


def _check_function(qid: str, spec: dict[str, Any], func: Any, lang: str) -> CheckResult:
    if not callable(func):
        return _result(qid, spec, "failed", lang, details=[msg("not_callable", lang, type=type(func).__name__)])
    rule, salt = Rule.from_dict(spec["rule"]), spec["salt"]
    reference = keys.resolve(spec["reference"]) if spec.get("reference") else None
    cases, right, details = spec["cases"], 0, []
    for case in cases:
        args, kwargs = case["args"], case.get("kwargs", {})
        shown = ", ".join(short_repr(a, 40) for a in args)
        try:
            got = func(*json.loads(json.dumps(args)), **kwargs)  # a fresh copy: the function may mutate it
        except NotImplementedError:
            return _result(qid, spec, "not_attempted", lang, details=[msg("fill_in", lang)])
        except Exception as err:  # the learner's code failing is a verdict, not a crash
            details.append(msg("raised", lang, error=f"{type(err).__name__}: {err}"))
            continue
        if is_missing(got):
            return _result(qid, spec, "not_attempted", lang, details=[msg("fill_in", lang)])
        try:
            if reference is not None:
                want = reference(*args, **kwargs)
                ok = agree(got, want, rule)
            else:
                want, ok = None, digest(got, rule, salt) == case["digest"]
        except NotCanonical as err:
            details.append(msg("bad_type", lang, error=err))
            continue
        if ok:
            right += 1
        elif want is not None:
            details.append(msg("case_expected", lang, args=shown, got=short_repr(got), want=short_repr(want)))
        else:
            details.append(msg("case_failed", lang, args=shown, got=short_repr(got)))
    if right == len(cases):
        return _result(qid, spec, "passed", lang, 1.0)
    return _result(qid, spec, "failed", lang, right / len(cases),
                   [msg("cases_right", lang, right=right, total=len(cases)), *details[:3]])


def _check_property(qid: str, spec: dict[str, Any], value: Any, lang: str) -> CheckResult:
    if spec.get("cases"):  # a function answer: the checker judges its outputs on the given cases
        if not callable(value):
            return _result(qid, spec, "failed", lang, details=[msg("not_callable", lang, type=type(value).__name__)])
        outputs = []
        for case in spec["cases"]:
            try:
                outputs.append(value(*json.loads(json.dumps(case["args"])), **case.get("kwargs", {})))
            except NotImplementedError:
                return _result(qid, spec, "not_attempted", lang, details=[msg("fill_in", lang)])
            if is_missing(outputs[-1]):
                return _result(qid, spec, "not_attempted", lang, details=[msg("fill_in", lang)])
        value = outputs
    problems = keys.resolve(spec["checker"])(value, lang=lang)
    if not problems:
        return _result(qid, spec, "passed", lang, 1.0)
    return _result(qid, spec, "failed", lang, 0.0, list(problems))


def check(qid: str, value: Any = ..., *, lang: str | None = None) -> CheckResult:
    """Check the learner's ``value`` for question ``qid`` ("<prefix>.<question>").

    Returns a result that displays itself; never raises on a wrong, missing (``...``) or broken answer.
    """
    lang = lang or get_lang()
    prefix, _, name = qid.rpartition(".")
    key = keys.learner_key(prefix) if prefix else None
    spec = (key or {}).get("questions", {}).get(name)
    if spec is None:
        return _result(qid, None, "error", lang, details=[msg("unknown_question", lang, qid=qid)])
    if is_missing(value):
        return _result(qid, spec, "not_attempted", lang, details=[msg("fill_in", lang)])
    if spec["kind"] == manual.KIND:
        status, details = manual.check(spec, value, lang)
        return _result(qid, spec, status, lang, details=details)
    try:
        if spec["kind"] == "function":
            return _check_function(qid, spec, value, lang)
        if spec["kind"] == "property":
            return _check_property(qid, spec, value, lang)
        return _check_value(qid, spec, value, lang)
    except NotCanonical as err:
        return _result(qid, spec, "failed", lang, details=[msg("bad_type", lang, error=err)])
    except Exception as err:  # a learner's object can fail in surprising ways; say so, do not raise
        return _result(qid, spec, "failed", lang, details=[msg("raised", lang, error=f"{type(err).__name__}: {err}")])
