"""Free-response questions (``kind: manual``): a written answer that a person reads and scores.

In the source key::

    q12:
      name: compas_reflection           # the variable holding the learner's text (a str)
      kind: manual
      points: 4
      min_chars: 200                    # optional: fewer characters is recorded, with a note
      title: {en: ..., ko: ...}
      rubric:                           # what the reader ticks; the ticked points are the score
        - id: tradeoff                  # (capped at the question's points)
          points: 2
          text: {en: ..., ko: ...}

Nothing is judged automatically. The learner's ``check`` says the answer was recorded, with its
length, and that the instructor will read it (an empty or placeholder answer is not attempted). The
grader exports the text like any other answer (nothing new runs), and :func:`attach_figure` keeps
the last figure the learner's cells for the question drew, from the outputs the run already has.
The scores are given in ``workbook review`` and kept in the gradebook (:mod:`workbook.gradedb`).

As a kind it has the four functions of :mod:`workbook.kinds` (``validate``, ``compile``, ``calls``,
``verdict``); since it has statuses of its own (*recorded* for the learner, *manual* - awaiting
review - for the grader) and a verdict that carries the text and the rubric, :func:`workbook.check.check`
calls :func:`check` and :func:`workbook.judge.judge_question` calls :func:`grader_verdict` directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import msg, pick
from ..verdict import NO_VARIABLE, STOPPED, Verdict

KIND = "manual"
PENDING = "manual"  # the verdict's status until someone reads the answer
MAX_FIGURE_BYTES = 400_000  # base64 PNG kept per answer


def rubric_problem(spec: dict[str, Any]) -> str:
    """What is wrong with a manual question's spec ('' when nothing is)."""
    return _problem(spec)[0]


def _problem(spec: dict[str, Any]) -> tuple[str, int | None]:
    """The problem and the index of the rubric item it is in (None: the question or the whole rubric)."""
    rubric = spec.get("rubric")
    if not isinstance(rubric, list) or not rubric:
        return "a manual question needs a 'rubric': a list of items with 'id', 'points' and 'text' {en, ko}", None
    seen: set[str] = set()
    for index, item in enumerate(rubric):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            return f"rubric item {index + 1} needs an 'id' (a word)", index
        if item["id"] in seen:
            return f"rubric item id {item['id']!r} is used twice", index
        seen.add(item["id"])
        points = item.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            return f"rubric item {item['id']!r} needs 'points', a number >= 0", index
        text = item.get("text")
        if not (isinstance(text, dict) and all(isinstance(text.get(lang), str) and text[lang].strip() for lang in ("en", "ko"))):
            return f"rubric item {item['id']!r} needs 'text' in both languages ({{en: ..., ko: ...}})", index
    total = sum(float(item["points"]) for item in rubric)
    if total < float(spec.get("points", 1)):
        return f"the rubric's items add up to {total:g}, less than the question's {spec.get('points', 1)} points", None
    return "", None


def line_of(path: Path, qid: str, spec: dict[str, Any]) -> int | None:
    """The line in the key file of what :func:`rubric_problem` complains about: the rubric item, else
    the rubric, else the question (None when the file cannot be read again)."""
    import yaml

    try:
        node: Any = yaml.compose(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    line = None
    for name in ("questions", str(qid), "rubric"):
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        match = [(k, v) for k, v in pairs if getattr(k, "value", None) == name]
        if not match:
            return line
        key, node = match[0]
        line = key.start_mark.line + 1
    index = _problem(spec)[1]
    if index is not None and isinstance(node, yaml.SequenceNode) and index < len(node.value):
        line = node.value[index].start_mark.line + 1
    return line


# --- the kind's interface (see workbook/kinds/__init__.py) ---------------------------------------------

def validate(spec: dict[str, Any], where: str) -> None:
    """A manual question needs a sound rubric; the error names the key file and the line."""
    problem = rubric_problem(spec)
    if problem:
        path, _, qid = where.rpartition(": question ")
        line = line_of(Path(path), qid, spec) if path else None
        raise ValueError(f"{path}{f':{line}' if line else ''}: question {qid}: {problem}" if path else f"{where}: {problem}")


def compile(spec: dict[str, Any], rule: Any, salt: str, *, seed: int | None = None,
            hidden: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What the learner key (and the grader) keep: the rubric is no secret, it says what counts."""
    return {"min_chars": int(spec.get("min_chars", 0)), "numbers": False,
            "rubric": [{"id": i["id"], "points": i["points"], "text": i["text"]} for i in spec["rubric"]]}


def calls(spec: dict[str, Any]) -> None:
    return None  # the variable's value (the text) is the answer


def verdict(question: dict[str, Any], answer: dict[str, Any], lang: str) -> Any:
    """No automatic score: 0, with what :func:`check` says (the check and the judge use their own
    statuses, *recorded* and *manual*, through :func:`check` and :func:`grader_verdict`)."""
    from . import Outcome

    status, details = check(question, answer.get("value"), lang)
    return Outcome(0.0, details, attempted=status != "not_attempted")


def text_of(value: Any) -> str | None:
    """The learner's answer as text, or None when it is not text."""
    return value if isinstance(value, str) else None


def check(spec: dict[str, Any], value: Any, lang: str) -> tuple[str, list[str]]:
    """The learner's self-check: ``("recorded", details)``, ``("not_attempted", ...)`` or ``("failed", ...)``."""
    text = text_of(value)
    if text is None:
        return "failed", [msg("manual_not_text", lang, type=type(value).__name__)]
    if not text.strip():
        return "not_attempted", [msg("manual_empty", lang)]
    details = [msg("manual_recorded", lang, n=len(text.strip()))]
    if len(text.strip()) < int(spec.get("min_chars", 0)):
        details.append(msg("manual_short", lang, n=int(spec["min_chars"])))
    return "recorded", details


@dataclass
class ManualVerdict(Verdict):
    """A free-response question's grade before review: 0 points, the text and the rubric to score it."""

    answer: str = ""
    rubric: list[dict[str, Any]] = field(default_factory=list)
    kind: str = KIND


def grader_verdict(qid: str, spec: dict[str, Any], answer: dict[str, Any] | None, lang: str) -> ManualVerdict:
    """The grader's verdict from the exported answer (see ``workbook.export``): awaiting review, or
    why there is nothing to read. It always carries the rubric, so a reader can still score it."""
    rubric = [{"id": i["id"], "points": float(i["points"]), "text": pick(i["text"], lang)} for i in spec["rubric"]]
    out = ManualVerdict(qid=qid, title=pick(spec.get("title"), lang), status=PENDING, points=0.0,
                        max_points=float(spec["points"]), hint=pick(spec.get("hint"), lang), rubric=rubric)
    form = next(iter(answer)) if isinstance(answer, dict) and len(answer) == 1 else None
    if form != "value":
        detail = str(answer[form]) if form else ""
        out.status = ("missing" if answer is None or detail.startswith(NO_VARIABLE) else
                      "not_attempted" if form == "missing" else STOPPED.get(str(form), "failed"))
        out.message = msg("judge_no_export", lang) if answer is None else detail or msg("judge_malformed", lang)
        return out
    text = text_of(answer["value"])
    if text is None:
        out.status, out.message = "failed", msg("manual_not_text", lang, type=type(answer["value"]).__name__)
    elif not text.strip():
        out.status, out.message = "not_attempted", msg("manual_empty", lang)
    else:
        out.answer, out.message = text, msg("manual_awaiting", lang, n=len(text.strip()))
    return out


def attach_figure(nb: Any, verdicts: list[dict[str, Any]], prefix: str) -> None:
    """Give each free-response verdict the last PNG figure drawn in the cells from the previous
    question's check up to its own (``figure``: base64), taken from the run's outputs."""
    last_check = -1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for v in verdicts:
            if v.get("kind") != KIND:
                continue
            call = re.compile(r"check\(\s*['\"]" + re.escape(f"{prefix}.{v['qid']}") + r"['\"]")
            if call.search(cell.source):
                images = [o["data"]["image/png"] for c in nb.cells[last_check + 1:index + 1] if c.cell_type == "code"
                          for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
                if images and len(images[-1]) <= MAX_FIGURE_BYTES:
                    v["figure"] = "".join(images[-1]) if isinstance(images[-1], list) else images[-1]
        if re.search(r"check\(\s*['\"]", cell.source):
            last_check = index
