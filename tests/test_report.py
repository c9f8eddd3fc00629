"""Feedback pages and report.html in Korean: every word of the pages' own comes from the catalogue.

Rendered from synthetic records (the judge's real verdicts on made-up answers), without running the
grader. The scan removes code, the student's own cells and known content (ids, names), then looks for
any ASCII word left: in Korean there must be none; the same scan on the English page finds many."""

from __future__ import annotations

import re
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbook.i18n import MESSAGES
from workbook.judge import judge_question
from workbook.report import class_report, feedback_html, learner_frames
from workbook.tamper import locked_changes

# Names that are content, not UI: ids, the student, a file name, the isolation level, the variable named.
CONTENT = ("90_gradefix", "student-kim", "q1", "q2", "q3", "q4", "q5", "q6", "demo", "alice.zip", "bwrap", "answer")
SPEC = {"kind": "value", "points": 2, "answer": {"a": 1, "b": 2}, "partial": True,
        "title": {"en": "Two items", "ko": "두 항목"}, "hint": {"en": "Count again.", "ko": "다시 세어 보세요."}}
FUNCTION = {"kind": "function", "points": 1, "cases": [{"args": [2], "expect": 4}], "title": {"en": "Square", "ko": "제곱"}}


def verdicts(lang: str) -> list[dict[str, Any]]:
    """One verdict of each kind the judge gives, in ``lang``."""
    made = [judge_question("q1", SPEC, {"value": {"a": 1, "b": 3}}, seed=0, hidden=[], lang=lang),
            judge_question("q2", SPEC, {"value": {"a": 1, "b": 2}}, seed=0, hidden=[], lang=lang),
            judge_question("q3", SPEC, {"missing": "no variable named answer"}, seed=0, hidden=[], lang=lang),
            judge_question("q4", FUNCTION, {"outputs": [{"value": 5}]}, seed=0, hidden=[], lang=lang),
            judge_question("q5", SPEC, {"timeout": "the answer did not finish exporting within 60 s"}, seed=0,
                           hidden=[], lang=lang),
            judge_question("q6", SPEC, None, seed=0, hidden=[], lang=lang)]
    return [v.to_dict() for v in made]


def submission() -> tuple[Any, Any]:
    """(released edition, the student's executed notebook): a Korean edition with a changed locked cell."""
    given = new_code_cell("x = 1", id="given")
    given.metadata["workbook"] = {"locked": True}
    released = new_notebook(cells=[new_markdown_cell("# 연습", id="t-ko"), given])
    nb = new_notebook(cells=[new_markdown_cell("# 연습 문제: 기저율", id="t-ko"),
                             new_code_cell("x = 2", id="given"),
                             new_code_cell('check("demo.q1", answer)', id="c1"),
                             new_code_cell('check("demo.q2", answer)', id="c2")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return released, nb


def record(lang: str) -> dict[str, Any]:
    released, nb = submission()
    questions = verdicts(lang)
    return {"student": "student-kim", "notebook": "90_gradefix", "status": "graded", "reason": "",
            "score": sum(q["points"] for q in questions), "max_score": sum(q["max_points"] for q in questions),
            "questions": questions, "tamper": locked_changes(released, nb, lang),
            "cells": [{"index": 2, "seconds": 1.5}]}


def leftover_words(page: str) -> list[str]:
    """ASCII words in what a reader sees, outside code, the student's own cells and known content."""
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup(["script", "style", "code", "pre", "title"]):
        tag.decompose()
    for area in soup.select(".jp-InputArea-editor, .jp-OutputArea-output"):  # the student's code and its output
        area.decompose()
    text = soup.get_text(" ")
    for name in CONTENT:
        text = text.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", text)


def report(lang: str) -> str:
    bad = {**record(lang), "student": "student-kim", "status": "invalid", "reason": "alice.zip", "questions": []}
    meta = {"isolation": {"level": "bwrap", "warnings": []}, "options": {"lang": lang}}
    return class_report([record(lang), bad], meta)


@pytest.mark.parametrize("lang, empty", [("ko", True), ("en", False)])
def test_feedback_page_has_no_english_ui_text_in_korean(lang: str, empty: bool) -> None:
    _, nb = submission()
    page = feedback_html(nb, record(lang), "demo", lang)
    assert page.count("workbook-verdict") == 6  # q1, q2 after their check cells, the rest listed
    words = leftover_words(page)
    assert (words == []) is empty, words
    if lang == "ko":
        for korean in ("점수", "힌트", "부분 점수", "변경 감지", "확인 셀이 없는 문제", "다시 세어 보세요"):
            assert korean in page


@pytest.mark.parametrize("lang, empty", [("ko", True), ("en", False)])
def test_report_has_no_english_ui_text_in_korean(lang: str, empty: bool) -> None:
    page = report(lang)
    words = leftover_words(page)
    assert (words == []) is empty, words
    assert f'<html lang="{lang}">' in page


def test_report_language_follows_the_batch_options() -> None:
    assert "채점 보고서" in report("ko") and "Grading report" in report("en")


def test_student_text_is_escaped() -> None:
    page = class_report([{**record("ko"), "student": "<script>x</script>", "status": "invalid", "reason": "<b>"}],
                        {"isolation": {}, "options": {"lang": "ko"}})
    assert "<script>x" not in page and "&lt;script&gt;" in page


def test_hidden_frames_line_is_translated() -> None:
    traceback = ["Traceback", "File /usr/lib/x.py", "File /usr/lib/y.py", "Cell In[3]", "ValueError: x"]
    assert learner_frames(traceback, "ko")[1] == "[설치된 코드의 프레임 2개는 표시하지 않음]"
    assert learner_frames(traceback)[1] == "[2 frame(s) in installed code not shown]"


def test_every_message_has_both_languages() -> None:
    assert [k for k, v in MESSAGES.items() if set(v) != {"en", "ko"}] == []
    fields = re.compile(r"\{(\w+)")
    assert [k for k, v in MESSAGES.items() if sorted(fields.findall(v["en"])) != sorted(fields.findall(v["ko"]))] == []


def test_tamper_ignores_the_language_preset_but_not_a_change() -> None:
    params = new_code_cell('lang = "en"\nseed = 0', id="params")
    params.metadata["workbook"] = {"locked": True}
    released = new_notebook(cells=[params])
    korean = nbformat.from_dict(released)
    korean.cells = [new_code_cell('lang = "ko"\nseed = 0', id="params")]
    assert locked_changes(released, korean) == []
    korean.cells = [new_code_cell('lang = "ko"\nseed = 7', id="params")]
    assert locked_changes(released, korean, "ko") == ["잠긴 셀 0이(가) 바뀌었습니다 ('lang = \"en\"')"]
