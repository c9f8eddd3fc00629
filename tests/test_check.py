"""The learner's self-check: digests, normalisation, tolerance, partial credit, both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbook import check, keys, set_lang
from workbook.check import MIME
from workbook.normalize import Rule, agree, canonical, digest, is_missing

SOURCE = {
    "notebook": "98_check_test",
    "prefix": "ct",
    "questions": {
        "stage": {"name": "stage_of", "kind": "value", "points": 2, "partial": True, "casefold": True,
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
    for secret in ("Data collection", "Deployment", "Model development", "0.5065", '"expect"', "hidden", "[1, 1, 0]"):
        assert secret not in text
    assert "digest" in learner_keys["questions"]["stage"]


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
    assert "1 of 2 test cases pass" in repr(wrong)


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
    assert bundle["text/plain"].startswith("ct.double: Correct")


def test_an_expected_number_on_a_rounding_boundary_is_a_key_error(tmp_path: Path) -> None:
    import yaml

    bad = {**SOURCE, "questions": {"q": {"name": "x", "answer": 0.5065, "decimals": 3}}}
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(keys.KeyFileError, match=r"bad.yml: question q: .*rounding boundary"):
        keys.load_source(path)


def test_digest_depends_on_salt_and_agree_has_tolerance() -> None:
    rule = Rule(decimals=2)
    assert digest(0.123, rule, "a") != digest(0.123, rule, "b")
    assert digest(0.123, rule, "a") == digest(0.1249, rule, "a")
    assert agree(0.12449, 0.1251, rule) and not agree(0.12, 0.14, rule)
    assert agree({"a": [1, 2.0001]}, {"a": [1.0, 2]}, rule)
    assert is_missing(...) and not is_missing(0) and not is_missing([])
