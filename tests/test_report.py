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


def _charts(page: str) -> list[Any]:
    """Every chart of a page, parsed as XML (a malformed SVG fails here)."""
    import xml.etree.ElementTree as ET

    return [ET.fromstring(str(svg)) for svg in BeautifulSoup(page, "html.parser").select("svg.workbook-chart")]


def test_the_score_chart_counts_each_score_in_its_bin() -> None:
    """Bins of a tenth of the maximum; a score on an edge is in the bin it starts (numpy's float edges
    put 3 of 10 below 0.30000000000000004, in the bin before: exact fractions say otherwise)."""
    from fractions import Fraction

    scores = [0.0, 0.0, 1.0, 2.5, 3.0, 7.0, 9.99, 10.0, 10.0, 5.0, -1.0, 12.0]  # edges, and outside [0, top]
    records = [{**record("en"), "student": f"s{i}", "score": s, "max_score": 10.0} for i, s in enumerate(scores)]
    histogram = [c for c in _charts(class_report(records, {"isolation": {}})) if c.get("data-chart") == "histogram"]
    assert len(histogram) == 1
    bars = histogram[0].findall("{http://www.w3.org/2000/svg}rect")
    counts = [int(b.get("data-count")) for b in bars]
    exact = [min(max(Fraction(s) / 10, Fraction(0)), Fraction(1)) for s in scores]
    assert counts == [sum(Fraction(i, 10) <= x < Fraction(i + 1, 10) or (i == 9 and x == 1) for x in exact)
                      for i in range(10)]
    assert counts == [3, 1, 1, 1, 0, 1, 0, 1, 0, 4]
    heights = [float(b.get("height")) for b in bars]
    assert heights[9] == max(heights) and heights[4] == 0 and heights[0] == 3 * heights[1]
    assert [c for c in counts if c] and sum(counts) == len(scores)


def test_the_item_chart_places_each_question_and_escapes_its_id() -> None:
    from workbook.report import _items_plot

    questions = [{"qid": "q1", "difficulty": 0.9, "discrimination": 0.5},
                 {"qid": "<b>q2</b>", "difficulty": 0.2, "discrimination": -0.1},
                 {"qid": "q3", "difficulty": None, "discrimination": None}]
    page = _items_plot(questions, "ko")
    assert "<b>q2" not in page and "&lt;b&gt;q2" in page
    (chart,) = _charts(page)
    points = chart.findall("{http://www.w3.org/2000/svg}g")
    assert [(p.get("data-qid"), p.get("data-difficulty"), p.get("data-discrimination")) for p in points] == \
        [("q1", "0.9", "0.5"), ("<b>q2</b>", "0.2", "-0.1")]
    (one, two) = (p.find("{http://www.w3.org/2000/svg}circle") for p in points)
    assert float(one.get("cx")) > float(two.get("cx")) and float(one.get("cy")) < float(two.get("cy"))  # easier, higher
    assert chart.get("aria-label") == MESSAGES["items_chart"]["ko"]
    assert _items_plot([questions[2]], "en") == ""


def test_the_report_draws_without_an_image_or_array_library() -> None:
    import subprocess
    import sys

    script = ("import sys\nfrom workbook.report import class_report\n"
              "r = {'student': 's', 'notebook': 'n', 'status': 'graded', 'score': 1.0, 'max_score': 2.0,\n"
              "     'questions': [{'qid': 'q1', 'title': 't', 'status': 'passed', 'points': 1.0, 'max_points': 1.0}]}\n"
              "page = class_report([r, {**r, 'student': 't', 'score': 2.0}], {'isolation': {}})\n"
              "assert \"data-chart='histogram'\" in page\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL', 'numpy')))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
