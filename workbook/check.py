"""The learner's self-check: ``check("full_stack.q3", answer)`` shows a verdict in the notebook.

A check never raises on a wrong or missing answer: it returns a :class:`CheckResult` that renders
itself (HTML in JupyterLab, plain text elsewhere, and a small JSON bundle that tests and the
handouts read). It compares against the installed learner key, which holds digests only.
This is feedback for the learner, not a grade: grades are judged by ``workbook grade`` outside the
learner's kernel.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from . import keys, kinds
from .i18n import get_lang, msg, pick
from .kinds import manual
from .normalize import is_missing

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
    public_only: bool = False  # a function answer: only the public cases were run

    @property
    def verdict(self) -> str:
        """The verdict as the learner reads it: "Correct", or for a function "Passes the public cases"."""
        return msg("passed_public" if self.public_only and self.status == "passed" else self.status, self.lang)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def summary(self) -> str:
        """One line: the question, the verdict and (if any) the first detail."""
        head = f"{self.qid}: {self.verdict}"
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
            f"<b style='color:{colour}'>{icon} {html.escape(self.qid)} · {html.escape(self.verdict)}</b>{title}"
            f"{details}{hint}</div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": repr(self), "text/html": self._repr_html_(), MIME: self.to_dict()}


def _result(qid: str, spec: dict[str, Any] | None, status: str, lang: str, score: float = 0.0,
            details: list[str] | None = None) -> CheckResult:
    spec = spec or {}
    return CheckResult(qid=qid, status=status, score=score, title=pick(spec.get("title"), lang),
                       details=details or [], hint=pick(spec.get("hint"), lang), lang=lang)


def check(qid: str, value: Any = ..., *, lang: str | None = None) -> CheckResult:
    """Check the learner's ``value`` for question ``qid`` ("<prefix>.<question>").

    The value is turned into the plain answer the grader's export would send (a function is called on
    the public cases) and judged by the question's kind (:mod:`workbook.kinds`), the same code the
    grader runs. Returns a result that displays itself; never raises on a wrong, missing (``...``) or
    broken answer.
    """
    lang = lang or get_lang()
    prefix, _, name = qid.rpartition(".")
    key = keys.learner_key(prefix) if prefix else None
    spec = (key or {}).get("questions", {}).get(name)
    if spec is None:
        return _result(qid, None, "error", lang, details=[msg("unknown_question", lang, qid=qid)])
    if spec["kind"] == manual.KIND:  # a written answer: recorded for the instructor, never judged here
        status, details = ("not_attempted", [msg("fill_in", lang)]) if is_missing(value) else manual.check(spec, value, lang)
        return _result(qid, spec, status, lang, details=details)
    try:
        outcome = kinds.verdict(spec, kinds.collect(spec, value), lang)
    except Exception as err:  # a learner's object can fail in surprising ways; say so, do not raise
        return _result(qid, spec, "failed", lang, details=[msg("raised", lang, error=f"{type(err).__name__}: {err}")])
    if not outcome.attempted:
        return _result(qid, spec, "not_attempted", lang, details=outcome.details)
    status = "passed" if outcome.fraction >= 1 else "failed"
    result = _result(qid, spec, status, lang, outcome.fraction, outcome.details)
    result.public_only = bool(spec.get("cases")) and spec["kind"] == "function"
    return result
