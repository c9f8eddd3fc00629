"""The mutation suite: every mutant in tests/mutants/ through the learner's check and the grader's judge.

The judge gets exactly what the export channel delivers: the grader's own export cells run
:mod:`workbook.kernel_export` in an IPython shell holding the mutant, and the payload is read by
:func:`workbook.export.parse_payload` (``test_grade_mutants_in_a_real_kernel`` runs a few of them
through a real kernel and ``workbook grade``). A wrong mutant must fail both, a right one pass both,
and on the public cases the check's score must equal the judge's.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path

import pytest
from export_shell import collecting_shell

from tests.mutants import LECTURES, Mutant
from workbook import check, judge, keys, set_lang
from workbook.export import export_cells, parse_payload, plan_of
from workbook.kernel_export import MIME

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {k["prefix"]: k for k in (keys.load_source(p) for p in sorted((ROOT / "solutions" / "keys").glob("*.yml")))}
MUTANTS: list[Mutant] = [m for lecture in LECTURES for m in importlib.import_module(f"tests.mutants.{lecture}").MUTANTS]
JUDGED_KINDS = ("value", "function", "property")  # a free-response (manual) question has no automatic verdict
SEED = 0


@pytest.fixture(scope="module")
def shell():
    """An IPython shell whose display messages are collected instead of sent (the kernel's side of the export)."""
    with collecting_shell() as sh:
        yield sh


@pytest.fixture(autouse=True)
def english():
    keys.learner_key.cache_clear()
    set_lang("en")
    yield
    set_lang("en")


def exported(shell, source: dict, qid: str, spec: dict, value, hidden: list) -> dict:
    """The answer as the grader reads it: its export cell run against ``value``, the payload parsed."""
    prelude, cells = export_cells(plan_of({"questions": {qid: spec}}, {qid: hidden}))
    shell.sent.clear()
    shell.run_cell(prelude)
    shell.user_ns[spec["name"]] = value
    shell.run_cell(cells[0].source)
    payloads = [d[MIME] for d in shell.sent if MIME in d]
    assert len(payloads) == 1, shell.sent
    answer, why = parse_payload(payloads[0], nonce=cells[0].nonce, qid=qid)
    assert answer is not None, why
    return answer


def _public_only(answer: dict, spec: dict) -> dict:
    if "outputs" in answer and spec.get("cases"):
        return {"outputs": answer["outputs"][: len(spec["cases"])]}
    return answer


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.qid}:{'right' if m.right else 'wrong'}:{m.label}")
def test_mutant(mutant: Mutant, shell) -> None:
    prefix, _, qid = mutant.qid.partition(".")
    source = SOURCES[prefix]
    spec = source["questions"][qid]
    hidden = judge.hidden_cases(spec, SEED)
    mine = check(mutant.qid, mutant.value, lang="en")
    answer = exported(shell, source, qid, spec, mutant.value, hidden)
    graded = judge.judge_question(qid, spec, answer, seed=SEED, hidden=hidden, notebook=source["notebook"],
                                  file_synonyms=source.get("synonyms"))
    public = judge.judge_question(qid, spec, _public_only(answer, spec), seed=SEED, hidden=[],
                                  notebook=source["notebook"], file_synonyms=source.get("synonyms"))
    said = f"check: {mine!r}\njudge: {graded.status} {graded.points}/{graded.max_points} {graded.message}"
    if mutant.right:
        assert mine.status == "passed", said
        assert graded.status == "passed", said
    else:
        assert mine.status != "passed", said
        assert graded.points < graded.max_points, said
    assert (mine.status == "passed") == (public.status == "passed"), said
    assert mine.score == pytest.approx(public.points / public.max_points, abs=1e-3), said


def test_every_question_has_two_wrong_and_one_right_mutant() -> None:
    counts = Counter((m.qid, m.right) for m in MUTANTS)
    short = []
    for prefix, source in SOURCES.items():
        for qid, spec in source["questions"].items():
            if spec["kind"] not in JUDGED_KINDS:
                continue
            name = f"{prefix}.{qid}"
            wrong, right = counts[name, False], counts[name, True]
            if wrong < 2 or right < 1 or wrong + right < 3:
                short.append(f"{name}: {wrong} wrong, {right} right")
    assert short == []
    assert {m.qid.partition(".")[0] for m in MUTANTS} == set(SOURCES)
    unknown = [m.qid for m in MUTANTS if m.qid.partition(".")[2] not in SOURCES[m.qid.partition(".")[0]]["questions"]]
    assert unknown == []


def test_feedback_for_the_reported_cases() -> None:
    """What the learner sees on the problems the issues reported (issues 12 and 15)."""
    from tests.mutants import career, full_stack, lm

    listed = check("career.q2", list(career.DAYS.values()))
    assert "give a dict" in repr(listed) and "list" in repr(listed) and "Still to fill in" not in repr(listed)
    extra = check("full_stack.q1", {**full_stack.STAGES, "Deploy to the app store": "deploy"})
    assert extra.status == "failed" and "Not asked for" in repr(extra) and "'Deploy to the app store'" in repr(extra)
    text = check("full_stack.q7", "240 qps")
    assert "is a string" in repr(text)
    crash = check("lm.q3", lm.bp_no_zero_guard)
    assert "ZeroDivisionError" in repr(crash)
    long_input = check("lm.q1", lm.bigram_no_end)
    assert "['오늘은', '바람이', '차다']" in repr(long_input)  # the inputs are shown whole, not cut in a list
    assert "more cases are used when graded" in repr(check("lm.q2", lm.perplexity_base_two))
    nan = check("lm.q9", lm.entity_seqeval_nan)  # a float NaN is not "a string"
    assert nan.status == "failed" and "not a finite number" in repr(nan) and "is a string" not in repr(nan)
    assert "is a string" in repr(check("lm.q9", lambda gold, pred: "one"))


def _cell_source(mutant: Mutant, name: str) -> str:
    """Code a learner could type for ``mutant``: a value literal, or the function with the helpers it uses."""
    import inspect

    if not callable(mutant.value):
        return f"{name} = {mutant.value!r}\n"
    module = sys.modules[mutant.value.__module__]
    needed, order = [mutant.value], []
    while needed:
        fn = needed.pop()
        if fn in order:
            continue
        order.insert(0, fn)
        needed += [g for n in fn.__code__.co_names if inspect.isfunction(g := getattr(module, n, None))
                   and g.__module__ == module.__name__]
    imports = "import math\nfrom collections import Counter\nfrom rouge_score import rouge_scorer\n"
    return imports + "\n".join(inspect.getsource(f) for f in order) + f"\n{name} = {mutant.value.__name__}\n"


@pytest.mark.slow
def test_grade_mutants_in_a_real_kernel(tmp_path: Path) -> None:
    """Two submissions of Lecture 4 (one right mutant, one wrong mutant per question) graded by
    `workbook grade` in real kernels: each verdict agrees with the in-process check."""
    import json

    import nbformat

    from workbook.grade import grade_all

    source = SOURCES["lm"]
    chosen = {"right": {}, "wrong": {}}
    for mutant in MUTANTS:
        if mutant.qid.startswith("lm."):
            chosen["right" if mutant.right else "wrong"].setdefault(mutant.qid.partition(".")[2], mutant)
    edition = nbformat.read(ROOT / "exercises" / "en" / "04_lm_training_evaluation.ipynb", as_version=4)
    for student, picks in chosen.items():
        nb = nbformat.from_dict(json.loads(json.dumps(edition)))
        for qid, mutant in picks.items():
            name = source["questions"][qid]["name"]
            cell = next(c for c in nb.cells if c.cell_type == "code" and "# YOUR CODE HERE" in c.source
                        and (f"def {name}(" in c.source or c.source.startswith(f"{name} =") or f"\n{name} = " in c.source
                             or c.source.startswith(f"{name} = ...")))
            cell.source = _cell_source(mutant, name)
        folder = tmp_path / "submissions" / student
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "04_lm_training_evaluation.ipynb")
    grade_all(submissions=tmp_path / "submissions", out=tmp_path / "out", keys_dir=ROOT / "solutions" / "keys",
              exercises=ROOT / "exercises", notebooks=["04_lm_training_evaluation"], jobs=1, timeout_cell=30.0,
              timeout=300.0)
    records = {r["student"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["submissions"]}
    seen: list[tuple[str, bool, str]] = []
    for student, picks in chosen.items():
        assert records[student]["status"] == "graded" and not records[student]["tamper"], records[student]
        verdicts = {v["qid"]: v for v in records[student]["questions"]}
        for qid, mutant in picks.items():
            verdict, mine = verdicts[qid], check(mutant.qid, mutant.value, lang="en")
            seen.append((mutant.qid, mutant.right, verdict["status"]))
            assert (verdict["status"] == "passed") is mutant.right, (mutant, verdict)
            assert (mine.status == "passed") is mutant.right, (mutant, mine)
    assert len(seen) == 2 * len(source["questions"]), seen  # every question, a right and a wrong answer
