"""Question kinds: one module per kind, used by the learner's check and by the grader alike.

A question's kind (``kind:`` in ``solutions/keys/NN_topic.yml``) names a module of this package, listed
in :data:`KINDS`. Each kind module defines four functions and nothing else is kind-specific anywhere:

``validate(spec, where) -> None``
    Check (and normalise in place) one source question; raise ``ValueError`` naming ``where``.
``compile(spec, rule, salt, *, seed=None, hidden=None) -> dict``
    The kind's part of the compiled question. With ``hidden=None`` it is the learner key's entry (no
    answer in the clear, no hidden case: see :mod:`workbook.kinds.expected`); the grader calls it with
    the student's ``seed`` and the hidden cases to get the same entry plus those cases.
``calls(spec) -> list | None``
    ``[[args, kwargs], ...]`` to call the answer with (a function answer), or None to take the
    variable's value. Works on a source or compiled question.
``verdict(question, answer, lang) -> Outcome``
    Judge the plain ``answer`` (``{"value": v}`` or ``{"outputs": [...]}``, as
    :func:`collect` or the grader's export :mod:`workbook.kernel_export` makes it) against the compiled
    ``question``: the fraction of the points, and the messages (from :mod:`workbook.i18n`).

:func:`verdict` handles what every kind shares (placeholders, unserialisable values, a value where a
function is expected) before calling the kind's own. The learner's :func:`workbook.check.check` runs
``collect`` then ``verdict`` on the learner key; the grader's :func:`workbook.judge.judge` runs
``compile`` (with hidden cases) then ``verdict`` on the exported answer. To add a kind, add a module
with these four functions and list it in :data:`KINDS`.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from ..i18n import msg
from ..normalize import is_missing, to_plain
from .expected import Rule

KIND_MODULES = {"value": "value", "function": "function", "property": "property_", "manual": "manual"}


@dataclass
class Outcome:
    """A kind's verdict: the fraction of the points, whether anything was attempted, and what to say."""

    fraction: float
    details: list[str] = field(default_factory=list)
    attempted: bool = True


def kind_module(name: str) -> ModuleType:
    """The module of kind ``name``; ValueError for an unknown kind."""
    if name not in KIND_MODULES:
        raise ValueError(f"kind must be one of {tuple(KIND_MODULES)}, not {name!r}")
    return importlib.import_module(f"{__name__}.{KIND_MODULES[name]}")


KINDS = tuple(KIND_MODULES)


def salt_for(notebook: str, qid: str) -> str:
    """A per-question salt; deterministic so the generated key is reproducible and checkable."""
    return hashlib.sha256(f"workbook:{notebook}:{qid}".encode()).hexdigest()[:16]


def resolve(path: str) -> Callable[..., Any]:
    """Import ``module:function`` (a library reference or a property checker)."""
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def rule_of(question: dict[str, Any]) -> Rule:
    """The comparison rule of a compiled question (the synonyms are already inside its digests)."""
    return Rule(float(question.get("tolerance", 0.0)), bool(question.get("unordered", False)))


def compile_question(spec: dict[str, Any], notebook: str, qid: str, *, file_synonyms: dict[str, Any] | None = None,
                     seed: int | None = None, hidden: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The compiled question: the learner key's entry, or with ``hidden`` the grader's."""
    rule = Rule.of(spec, file_synonyms)
    salt = salt_for(notebook, qid)
    compiled: dict[str, Any] = {
        "kind": spec["kind"], "name": spec.get("name", qid), "points": spec["points"], "salt": salt,
        "tolerance": rule.tolerance, "unordered": rule.unordered,
        "title": spec.get("title", ""), "hint": spec.get("hint", ""),
    }
    compiled.update(kind_module(spec["kind"]).compile(spec, rule, salt, seed=seed, hidden=hidden))
    if compiled.get("numbers"):  # the tolerance is stated with the hint, from the key itself
        hint = compiled["hint"] if isinstance(compiled["hint"], dict) else {"en": compiled["hint"], "ko": compiled["hint"]}
        compiled["hint"] = {lang: " ".join(filter(None, [hint.get(lang, ""), tolerance_note(compiled, lang)]))
                            for lang in ("en", "ko")}
    return compiled


def calls(question: dict[str, Any]) -> list[list[Any]] | None:
    """What to call the answer with (see the module docstring)."""
    return kind_module(question["kind"]).calls(question)


def call(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """One output of a function answer, as the export makes it: value, error or missing."""
    import copy

    try:
        got = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except NotImplementedError:
        return {"missing": "not attempted"}
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # SystemExit too: a verdict on this case, as in the grader's export
        return {"error": f"{type(err).__name__}: {str(err)[:200]}"}
    answer = to_plain(got)
    if "unserialisable" in answer:
        return {"error": f"returned a value of type {answer['unserialisable']}"}
    return answer


def collect(question: dict[str, Any], value: Any) -> dict[str, Any]:
    """The plain answer for ``value`` in the learner's own kernel, as the grader's export makes it."""
    plan = calls(question)
    if plan is None or is_missing(value):
        return to_plain(value)
    if not callable(value):
        return {"not_callable": type(value).__name__}
    return {"outputs": [call(value, args, kwargs) for args, kwargs in plan]}


def verdict(question: dict[str, Any], answer: dict[str, Any], lang: str) -> Outcome:
    """The verdict on a plain ``answer`` (see the module docstring); never raises on a learner's answer."""
    if "missing" in answer:
        return Outcome(0.0, [msg("fill_in", lang)], attempted=False)
    if "unserialisable" in answer:
        return Outcome(0.0, [msg("unserialisable", lang, type=answer["unserialisable"])])
    if "not_callable" in answer:
        return Outcome(0.0, [msg("not_callable", lang, type=answer["not_callable"])])
    if "outputs" in answer and answer["outputs"] and all("missing" in out for out in answer["outputs"]):
        return Outcome(0.0, [msg("fill_in", lang)], attempted=False)
    return kind_module(question["kind"]).verdict(question, answer, lang)


def problem_text(problem: Any, lang: str) -> str:
    """A :class:`workbook.kinds.expected.Problem` as a sentence."""
    return msg(f"problem_{problem.key}", lang, **problem.fields)


def tolerance_note(question: dict[str, Any], lang: str) -> str:
    """The sentence stating how close a number must be (empty when the question has no numbers)."""
    if not question.get("numbers"):
        return ""
    tol = float(question.get("tolerance", 0.0))
    return msg("tolerance_exact", lang) if tol == 0 else msg("tolerance", lang, tol=f"{tol:g}")
