"""Free-response questions (kind: manual): the key's rubric, the learner's check, the grader's verdict,
the figure kept with an answer, and the score the rubric ticks give."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from workbook import check, gradebook, gradedb, keys
from workbook.judge import judge_question
from workbook.kinds import manual

ROOT = Path(__file__).resolve().parents[1]
SPEC = {"name": "essay", "kind": "manual", "points": 3, "min_chars": 40,
        "title": {"en": "Essay", "ko": "서술"},
        "rubric": [{"id": "claim", "points": 2, "text": {"en": "A claim", "ko": "주장"}},
                   {"id": "evidence", "points": 2, "text": {"en": "Evidence", "ko": "근거"}}]}


def _key_file(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "97_manual.yml"
    path.write_text(yaml.safe_dump({"notebook": "97_manual", "prefix": "mt", "questions": {"q1": spec}},
                                   allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    key = keys.compile_learner_key(keys.load_source(_key_file(tmp_path, SPEC)), "97_manual.yml")
    (tmp_path / "mt.json").write_text(keys.dumps(key), encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_KEYS", str(tmp_path))
    keys.learner_key.cache_clear()
    yield key
    keys.learner_key.cache_clear()


@pytest.mark.parametrize(("change", "problem"), [
    (lambda s: s.pop("rubric"), "needs a 'rubric'"),
    (lambda s: s["rubric"][1]["text"].pop("ko"), "rubric item 'evidence' needs 'text' in both languages"),
    (lambda s: s["rubric"][0].update(points=-1), "rubric item 'claim' needs 'points'"),
    (lambda s: s["rubric"][1].update(id="claim"), "rubric item id 'claim' is used twice"),
    (lambda s: s.update(points=9), "add up to 4, less than the question's 9 points"),
])
def test_a_malformed_rubric_is_one_line_naming_the_file_and_line(tmp_path: Path, change, problem: str) -> None:
    spec = json.loads(json.dumps(SPEC))
    change(spec)
    path = _key_file(tmp_path, spec)
    with pytest.raises(keys.KeyFileError) as err:
        keys.load_source(path)
    text = str(err.value)
    assert len(text.splitlines()) == 1 and problem in text and text.startswith(f"{path}:"), text
    lines = path.read_text().splitlines()
    line = int(text[len(str(path)) + 1:].split(":")[0])
    item = {"rubric item 'evidence'": "- id: evidence", "rubric item 'claim'": "- id: claim",
            "rubric item id 'claim' is used twice": "- id: claim"}
    want = next((v for k, v in item.items() if k in problem), "rubric:" if "add up" in problem else "q1:")
    assert lines[line - 1].strip() == want, (line, lines)
    if "used twice" in problem:  # the second item, the one that repeats the id
        assert line == [i for i, text in enumerate(lines, 1) if text.strip() == "- id: claim"][1]


def test_the_learner_key_keeps_the_rubric_and_nothing_to_judge_with(learner: dict) -> None:
    q = learner["questions"]["q1"]
    assert q["kind"] == "manual" and [i["id"] for i in q["rubric"]] == ["claim", "evidence"]
    assert "digest" not in q and "answer" not in q


@pytest.mark.parametrize(("value", "status"), [(..., "not_attempted"), ("", "not_attempted"), ("  \n ", "not_attempted"),
                                               (42, "failed"), (["a", "list"], "failed")])
def test_check_says_not_attempted_or_wrong_type(learner: dict, value, status: str) -> None:
    assert check("mt.q1", value, lang="en").status == status


def test_check_records_a_written_answer_with_its_length_in_both_languages(learner: dict) -> None:
    text = "Equal error rates cost calibration; the court should publish both every quarter."
    result = check("mt.q1", text, lang="en")
    assert result.status == "recorded" and f"({len(text)} characters)" in result.details[0]
    assert "instructor" in result.details[0] and len(result.details) == 1
    short = check("mt.q1", "Too short.", lang="ko")
    assert short.status == "recorded" and "10자" in short.details[0] and "40자" in short.details[1]
    assert "recorded" in short._repr_html_()


def test_the_grader_keeps_the_text_and_the_rubric_and_gives_no_points(tmp_path: Path) -> None:
    spec = keys.load_source(_key_file(tmp_path, SPEC))["questions"]["q1"]
    v = judge_question("q1", spec, {"value": "My essay."}, seed=1, hidden=[], lang="ko").to_dict()
    assert (v["status"], v["points"], v["max_points"], v["answer"]) == ("manual", 0.0, 3.0, "My essay.")
    assert v["rubric"] == [{"id": "claim", "points": 2.0, "text": "주장"}, {"id": "evidence", "points": 2.0, "text": "근거"}]
    empty = judge_question("q1", spec, {"value": " "}, seed=1, hidden=[]).to_dict()
    assert empty["status"] == "not_attempted" and empty["answer"] == "" and empty["rubric"]
    renamed = judge_question("q1", spec, {"missing": "no variable named essay"}, seed=1, hidden=[]).to_dict()
    assert renamed["status"] == "missing" and renamed["rubric"]
    assert judge_question("q1", spec, {"value": 3}, seed=1, hidden=[]).to_dict()["status"] == "failed"
    assert judge_question("q1", spec, None, seed=1, hidden=[]).to_dict()["status"] == "missing"


def test_the_last_figure_before_the_check_is_kept_with_the_answer() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("plot_a()", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "QUFB"})]),
        nbformat.v4.new_code_cell('check("mt.q0", x)'),
        nbformat.v4.new_code_cell("plot_b()", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "QkJC"})]),
        nbformat.v4.new_code_cell("essay = 'text'"),
        nbformat.v4.new_code_cell('check("mt.q1", essay)'),
        nbformat.v4.new_code_cell('check("mt.q2", other)'),
    ])
    verdicts = [{"qid": "q0", "kind": "value"}, {"qid": "q1", "kind": "manual"}, {"qid": "q2", "kind": "manual"}]
    manual.attach_figure(nb, verdicts, "mt")
    assert verdicts[1]["figure"] == "QkJC"  # its own figure, not the one before the previous check
    assert "figure" not in verdicts[0] and "figure" not in verdicts[2]


def test_rubric_ticks_give_the_score_once_read(tmp_path: Path) -> None:
    spec = keys.load_source(_key_file(tmp_path, SPEC))["questions"]["q1"]
    v = judge_question("q1", spec, {"value": "An essay."}, seed=1, hidden=[]).to_dict()
    record = {"student": "ann", "notebook": "97_manual", "status": "graded", "score": 0.0, "max_score": 3.0,
              "hash": "h", "questions": [v]}
    gradebook.write_record(tmp_path, record)
    assert gradebook.effective_records(tmp_path)[0]["score"] == 0.0
    with gradedb.connect(tmp_path) as db:
        gradedb.save_review(db, "ann", "97_manual", "q1", base_version=0, ticks=["claim"], comment="", override=None, reason="")
    assert gradebook.effective_records(tmp_path)[0]["score"] == 2.0
    with gradedb.connect(tmp_path) as db:
        gradedb.save_review(db, "ann", "97_manual", "q1", base_version=1, ticks=["claim", "evidence"], comment="",
                            override=None, reason="")
    assert gradebook.effective_records(tmp_path)[0]["score"] == 3.0  # 4 ticked, capped at the question's 3


def test_the_course_has_two_written_questions_in_lectures_2_and_3() -> None:
    for name, qids in (("02_ai_ethics", ("q12", "q13")), ("03_career_building", ("q7", "q8"))):
        key = keys.load_source(ROOT / "solutions" / "keys" / f"{name}.yml")
        for qid in qids:
            spec = key["questions"][qid]
            assert spec["kind"] == "manual" and not manual.rubric_problem(spec)
            assert all(item["text"]["ko"] != item["text"]["en"] for item in spec["rubric"])
