"""The grader's export without a kernel: the cells it adds, run in an in-process IPython shell, and
the strict reading of what comes back (``workbook.export``, ``workbook.kernel_export``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_shell import collecting_shell

from workbook import judge, keys
from workbook.export import export_cells, parse_payload, plan_of
from workbook.kernel_export import MIME

FIXTURES = Path(__file__).parent / "fixtures" / "grade"
KEY = keys.load_source(FIXTURES / "solutions" / "keys" / "90_gradefix.yml")


@pytest.fixture(autouse=True)
def _fixture_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURES / "solutions" / "keys"))  # gradefix_cases.py, beside the key


@pytest.fixture()
def shell():
    """An IPython shell whose display messages are collected instead of sent."""
    with collecting_shell() as sh:
        yield sh


def _run(shell, prelude: str, student: str, cells) -> dict:
    shell.run_cell(prelude)
    shell.run_cell(student)
    for cell in cells:
        shell.run_cell(cell.source)
    payloads = [d[MIME] for d in shell.sent if MIME in d]
    return {p["qid"]: p for p in payloads}


def test_each_question_is_exported_on_its_own_with_its_nonce(shell) -> None:
    hidden = {"q2": judge.hidden_cases(KEY["questions"]["q2"], seed=5)}
    prelude, cells = export_cells(plan_of(KEY, hidden))
    assert [c.qid for c in cells] == ["q1", "q2", "q3", "q4"]
    assert len({c.nonce for c in cells}) == 4 and all(c.nonce not in prelude for c in cells)
    assert str(hidden["q2"][0]["args"][0]) not in prelude  # hidden inputs only in the last cells
    student = ("labels = {'a': 1, 'b': 2, 'c': 9}\n"
               "def accuracy(t, p):\n    return sum(a == b for a, b in zip(t, p)) / len(t)\n"
               "total = ...\nsort_list = 3\n")
    got = _run(shell, prelude, student, cells)
    answers = {c.qid: parse_payload(got[c.qid], nonce=c.nonce, qid=c.qid)[0] for c in cells}
    assert answers["q1"] == {"value": {"a": 1, "b": 2, "c": 9}}
    assert len(answers["q2"]["outputs"]) == 2 + 1 + 2 and all("value" in o for o in answers["q2"]["outputs"])
    assert answers["q3"] == {"missing": "not attempted"}
    assert answers["q4"] == {"not_callable": "int"}
    verdicts = {v.qid: v for v in judge.judge(KEY, answers, seed=5, hidden=hidden)}
    assert (verdicts["q1"].status, verdicts["q1"].points) == ("partial", 2.0)
    assert (verdicts["q2"].status, verdicts["q2"].points) == ("passed", 2.0)
    assert verdicts["q3"].status == "not_attempted" and verdicts["q4"].status == "failed"


def test_a_student_patch_after_the_prelude_does_not_change_the_encoder(shell) -> None:
    prelude, cells = export_cells(plan_of(KEY, {}))
    student = ("import json\njson.JSONEncoder.encode = lambda self, o: '{\"value\": {\"a\": 1, \"b\": 2, \"c\": 3}}'\n"
               "labels = {'a': 0}\n")
    original = json.JSONEncoder.encode
    try:
        got = _run(shell, prelude, student, cells[:1])
    finally:
        json.JSONEncoder.encode = original
    assert parse_payload(got["q1"], nonce=cells[0].nonce, qid="q1")[0] == {"value": {"a": 0}}


GOOD = json.dumps({"value": 1})


@pytest.mark.parametrize("payload, why", [
    ({"nonce": "forged", "qid": "q1", "answer": GOOD}, "nonce"),
    ({"nonce": "N", "qid": "q2", "answer": GOOD}, "nonce"),  # another question's payload
    ({"nonce": "N", "qid": "q1", "answer": '{"value": NaN}'}, "finite"),
    ({"nonce": "N", "qid": "q1", "answer": '{"value": [1, Infinity]}'}, "finite"),
    ({"nonce": "N", "qid": "q1", "answer": '{"value": 1e999}'}, "non-finite"),
    ({"nonce": "N", "qid": "q1", "answer": '{"status": "passed"}'}, "malformed"),
    ({"nonce": "N", "qid": "q1", "answer": '{"value": 1, "outputs": []}'}, "malformed"),
    ({"nonce": "N", "qid": "q1", "answer": '{"outputs": [1, 2]}'}, "malformed"),
    ({"nonce": "N", "qid": "q1", "answer": {"value": 1}}, "malformed"),
    ("not a dict", "nonce"),
])
def test_payloads_that_are_not_plain_finite_answers_are_rejected(payload: object, why: str) -> None:
    answer, reason = parse_payload(payload, nonce="N", qid="q1")
    assert answer is None and why in reason


def test_a_well_formed_payload_is_accepted() -> None:
    assert parse_payload({"nonce": "N", "qid": "q1", "answer": GOOD}, nonce="N", qid="q1") == ({"value": 1}, "")


@pytest.mark.parametrize("answer", [{"value": float("nan")}, {"outputs": [{"value": float("inf")}]}])
def test_the_judge_never_scores_a_non_finite_number(answer: dict) -> None:
    for qid in ("q1", "q2", "q4"):
        verdict = judge.judge_question(qid, KEY["questions"][qid], answer, seed=0, hidden=[])
        assert (verdict.status, verdict.points) == ("failed", 0.0), (qid, verdict)


@pytest.mark.parametrize("form, status", [("timeout", "timeout"), ("kernel_died", "kernel_died"),
                                          ("not_exported", "missing"), ("rejected", "failed")])
def test_a_question_whose_export_stopped_scores_zero_with_its_own_status(form: str, status: str) -> None:
    verdict = judge.judge_question("q2", KEY["questions"]["q2"], {form: "why"}, seed=0, hidden=[])
    assert (verdict.status, verdict.points, verdict.message) == (status, 0.0, "why")


def test_control_plain_json_would_have_let_nan_through() -> None:
    """What the old reader did: json.loads takes NaN, and NaN beats every comparison a checker makes
    the wrong way round. parse_payload must be what stops it."""
    value = json.loads('{"value": NaN}')["value"]
    assert value != value and not value > 0.5 and not value < 0.5
    assert parse_payload({"nonce": "N", "qid": "q1", "answer": '{"value": NaN}'}, nonce="N", qid="q1")[0] is None
