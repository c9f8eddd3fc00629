"""The learner's self-check: digests, normalisation, tolerance, partial credit, both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbook import check, keys, set_lang
from workbook.check import MIME
from workbook.kinds.expected import Rule, compare, compile_value
from workbook.normalize import canonical, is_missing, show, text_form

SOURCE = {
    "notebook": "98_check_test",
    "prefix": "ct",
    "questions": {
        "stage": {"name": "stage_of", "kind": "value", "points": 2, "partial": True,
                  "answer": {"Raw data": "Data collection", "TensorRT": "Deployment", "Paper survey": "Model development"},
                  "hint": {"en": "Think of the pipeline order", "ko": "파이프라인 순서를 생각해 보세요"},
                  "title": {"en": "Stages", "ko": "단계"}},
        "number": {"name": "qps", "kind": "value", "answer": 0.5065},
        "tags": {"name": "tags", "kind": "value", "answer": ["b", "a", "c"], "unordered": True},
        "kappa": {"name": "kappa", "kind": "function", "reference": "sklearn.metrics:cohen_kappa_score",
                  "cases": [{"args": [[0, 1, 1, 0, 1], [0, 1, 0, 0, 1]]}, {"args": [["a", "b"], ["a", "b"]]}],
                  "hidden": [{"args": [[1, 1, 0], [0, 1, 0]]}]},
        "double": {"name": "double", "kind": "function",
                   "cases": [{"args": [2], "expect": 4}, {"args": [0.25], "expect": 0.5}]},
        "hashing": {"name": "h", "kind": "property", "checker": "tests.test_check:differs",
                    "cases": [{"args": ["a"]}, {"args": ["b"]}]},
    },
}


def differs(outputs: list, lang: str = "en") -> list[str]:
    """A property checker for the tests: the two outputs must differ."""
    return [] if outputs[0] != outputs[1] else ["outputs are equal"]


@pytest.fixture(autouse=True)
def learner_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    learner = keys.compile_learner_key(keys.load_source(_write_source(tmp_path)), "98_check_test.yml")
    (tmp_path / "ct.json").write_text(keys.dumps(learner), encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_KEYS", str(tmp_path))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    keys.learner_key.cache_clear()
    set_lang("en")
    yield learner
    keys.learner_key.cache_clear()
    set_lang("en")


def _write_source(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "98_check_test.yml"
    path.write_text(yaml.safe_dump(SOURCE, allow_unicode=True), encoding="utf-8")
    return path


def test_learner_key_holds_no_answer_in_the_clear(learner_keys: dict) -> None:
    text = json.dumps(learner_keys, ensure_ascii=False)
    for secret in ("Data collection", "Deployment", "Model development", "0.5065", "hidden", "[1, 1, 0]"):
        assert secret not in text
    assert "str" in learner_keys["questions"]["stage"]["want"]["dict"]["TensorRT"]


def test_correct_answer_passes_with_case_and_space_differences() -> None:
    result = check("ct.stage", {"Raw data": " data   COLLECTION", "TensorRT": "deployment", "Paper survey": "Model Development"})
    assert result.status == "passed" and result.score == 1.0


def test_partial_credit_names_wrong_and_missing_items_not_the_answer() -> None:
    result = check("ct.stage", {"Raw data": "Data collection", "TensorRT": "Model development", "Paper survey": ...})
    assert result.status == "failed"
    assert result.score == pytest.approx(1 / 3)
    assert "1 of 3 correct" in repr(result)
    assert "TensorRT" in repr(result) and "Paper survey" in repr(result)
    assert "Deployment" not in repr(result) and "Deployment" not in result._repr_html_()
    assert "Hint: Think of the pipeline order" in repr(result)


def test_missing_answer_is_not_attempted_never_raises() -> None:
    for value in (..., {"Raw data": ..., "TensorRT": ...}, [..., ...]):
        result = check("ct.stage", value)
        assert result.status == "not_attempted"
    assert check("ct.kappa", lambda a, b: ...).status == "not_attempted"

    def unfinished(a, b):
        raise NotImplementedError

    assert check("ct.kappa", unfinished).status == "not_attempted"


def test_numbers_are_compared_at_the_stated_precision() -> None:
    assert check("ct.number", 0.50649).status == "passed"
    assert check("ct.number", 0.5067).status == "failed"
    assert canonical(2.0) == 2 and canonical(-0.0) == 0
    import numpy as np

    assert check("ct.number", np.float32(0.5065)).status == "passed"


def test_unordered_lists_and_sets() -> None:
    assert check("ct.tags", ["c", "a", "b"]).status == "passed"
    assert check("ct.tags", {"a", "b", "c"}).status == "passed"
    assert check("ct.tags", ["a", "b"]).status == "failed"


def test_function_against_the_library_reference() -> None:
    from sklearn.metrics import cohen_kappa_score

    assert check("ct.kappa", cohen_kappa_score).status == "passed"
    wrong = check("ct.kappa", lambda a, b: sum(x == y for x, y in zip(a, b)) / len(a))
    assert wrong.status == "failed" and wrong.score == 0.5
    assert "1 of 2 public cases pass" in repr(wrong)


def test_function_against_hashed_expectations_and_crashes() -> None:
    assert check("ct.double", lambda x: 2 * x).status == "passed"
    assert check("ct.double", lambda x: x + 2).status == "failed"
    boom = check("ct.double", lambda x: 1 / 0)
    assert boom.status == "failed" and "ZeroDivisionError" in repr(boom)
    assert check("ct.double", 4).status == "failed"  # not a function


def test_property_checker_gets_outputs_not_the_function() -> None:
    assert check("ct.hashing", lambda s: s.upper()).status == "passed"
    result = check("ct.hashing", lambda s: "same")
    assert result.status == "failed" and "outputs are equal" in repr(result)


def test_unknown_question_and_unhashable_answers_do_not_raise() -> None:
    assert check("ct.nope", 1).status == "error"
    assert check("nobody.q1", 1).status == "error"
    assert check("ct.number", object()).status == "failed"


def test_korean_messages_both_ways() -> None:
    result = check("ct.stage", {"Raw data": "x", "TensorRT": "y", "Paper survey": "z"}, lang="ko")
    assert "아직 아닙니다" in repr(result) and "힌트: 파이프라인 순서를 생각해 보세요" in repr(result)
    set_lang("ko")
    assert "아직 풀지 않았습니다" in repr(check("ct.stage", ...))
    assert "Not attempted" in repr(check("ct.stage", ..., lang="en"))
    with pytest.raises(ValueError):
        set_lang("fr")


def test_result_renders_html_text_and_machine_bundle() -> None:
    result = check("ct.double", lambda x: 2 * x)
    bundle = result._repr_mimebundle_()
    assert bundle[MIME] == {"qid": "ct.double", "status": "passed", "score": 1.0}
    assert "data-status='passed'" in bundle["text/html"] and "workbook-passed" in bundle["text/html"]
    assert bundle["text/plain"].startswith("ct.double: Public cases pass - Passes the 2 public cases")
    assert check("ct.number", 0.5065)._repr_mimebundle_()["text/plain"].startswith("ct.number: Correct")


def test_retired_fields_are_a_key_error(tmp_path: Path) -> None:
    import yaml

    bad = {**SOURCE, "questions": {"q": {"name": "x", "answer": 0.5065, "decimals": 3}}}
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(keys.KeyFileError, match=r"bad.yml: question q: .*retired.*tolerance"):
        keys.load_source(path)


@pytest.mark.parametrize("answer", [0.43076963287340536, 7, -2.5, 10321.92, 0.0, 1e-7])
@pytest.mark.parametrize("tol", [0.0005, 0.005, 5e-5])
def test_digests_accept_exactly_the_stated_interval(answer: float, tol: float) -> None:
    """Within ±tol passes, just outside fails: on the learner's digests as on the grader's plain value."""
    rule = Rule(tolerance=tol)
    entry = compile_value(answer, rule, "salt")
    for got, ok in [(answer, True), (answer + 0.999 * tol, True), (answer - 0.999 * tol, True),
                    (answer + 1.01 * tol, False), (answer - 1.01 * tol, False), (answer + 3 * tol, False)]:
        assert (compare(entry, got, rule, "salt") is None) is ok, (answer, tol, got)
    assert compare(entry, str(answer), rule, "salt") is None  # a string spelling the number
    assert compare(entry, "about " + str(answer), rule, "salt").key == "string_for_number"


def test_digests_depend_on_salt_and_strings_follow_the_documented_rule() -> None:
    rule = Rule(synonyms={"deploy": ["deployment", "배포"]})
    assert compile_value("deploy", rule, "a") != compile_value("deploy", rule, "b")
    entry = compile_value("deploy", rule, "a")
    for right in ("Deploy", " DEPLOYMENT ", "배포"):
        assert compare(entry, right, rule, "a") is None
    assert compare(entry, "model", rule, "a").key == "no_match"
    assert text_form("AI-Centric") == text_form("ai  centric") == text_form("AI_centric")
    assert compare(compile_value({"a": [1, 2.0001]}, Rule(tolerance=0.001), "s"), {"a": [1.0, 2]}, Rule(tolerance=0.001), "s") is None
    assert is_missing(...) and not is_missing(0) and not is_missing([])


def test_show_cuts_long_inputs_between_items_not_inside_a_string() -> None:
    sentences = [["오늘은", "햇살이", "좋다"], ["오늘은", "바람이", "차다"], ["내일은", "햇살이", "좋다"]] * 5
    text = show(sentences, 120)
    assert "'차다']" in text and "more]" in text and "…" not in text.replace("… ", "")
    assert show([1, 2, 3]) == "[1, 2, 3]"


def test_extra_keys_wrong_types_and_strings_for_numbers_get_their_own_message() -> None:
    extra = check("ct.stage", {"Raw data": "Data collection", "TensorRT": "Deployment", "Paper survey": "Model development",
                               "Labelling": "Data collection"})
    assert extra.status == "failed" and "Not asked for" in repr(extra) and "'Labelling'" in repr(extra)
    as_list = check("ct.stage", ["Data collection", "Deployment", "Model development"])
    assert as_list.status == "failed" and "give a dict" in repr(as_list) and "list" in repr(as_list)
    as_text = check("ct.number", "half")
    assert "is a string" in repr(as_text)
    assert check("ct.number", "0.5065").status == "passed"


def test_function_feedback_names_the_first_failing_case_and_a_crash() -> None:
    def half_broken(x):
        if x == 2:
            raise ValueError("boom")
        return x + 1

    result = check("ct.double", half_broken)
    text = repr(result)
    assert "ValueError: boom" in text and "double(2)" in text
    assert "double(0.25) should return 0.5, but returned 1.25" in text
    assert "public cases" in repr(check("ct.double", lambda x: 2 * x))


@pytest.mark.parametrize("change, message", [
    ({"tolerance": -1}, "'tolerance' must be a number >= 0"),
    ({"synonyms": {"a": "b"}}, "'synonyms' must map an answer to a list of strings"),
    ({"kind": "essay"}, "kind must be one of"),
    ({"casefold": True}, "retired"),
])
def test_bad_key_fields_name_the_file_and_question(tmp_path: Path, change: dict, message: str) -> None:
    import yaml

    bad = {"notebook": "97_bad", "prefix": "bad", "questions": {"q": {"name": "x", "answer": 1, **change}}}
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(keys.KeyFileError, match=rf"bad.yml: question q: .*{message}"):
        keys.load_source(path)


def test_a_case_may_accept_other_outputs_and_the_grader_agrees() -> None:
    from workbook import judge

    spec = {"name": "f1", "kind": "function", "points": 2,
            "cases": [{"args": [1], "expect": 1.0, "also": [0.5]}, {"args": [2], "expect": 0.0}]}
    strict, lenient, wrong = (lambda x: 0.5 if x == 1 else 0.0), (lambda x: 1.0 if x == 1 else 0.0), (lambda x: 0.25)
    for func, ok in [(strict, True), (lenient, True), (wrong, False)]:
        outputs = {"outputs": [{"value": func(1)}, {"value": func(2)}]}
        verdict = judge.judge_question("q", spec, outputs, seed=0, hidden=[])
        assert (verdict.status == "passed") is ok


def test_every_kind_module_has_the_documented_interface() -> None:
    from workbook import kinds

    for name in kinds.KINDS:
        module = kinds.kind_module(name)
        for function in ("validate", "compile", "calls", "verdict"):
            assert callable(getattr(module, function)), (name, function)
    with pytest.raises(ValueError, match="kind must be one of"):
        kinds.kind_module("essay")
