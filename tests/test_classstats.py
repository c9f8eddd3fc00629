"""The class report's numbers (summaries, item difficulty and discrimination, late work, reading
progress) and the report that shows them: titles, inline matplotlib plots, no network."""

from __future__ import annotations

import re

import pytest
from scipy import stats

from workbook.classstats import describe, discrimination, late, notebook_stats, reading_progress
from workbook.report import class_report


def _record(student: str, points: list[float], *, penalty: dict | None = None, manual: str | None = None) -> dict:
    questions = [{"qid": f"q{i + 1}", "title": f"Question {i + 1}", "status": "passed" if p >= 2 else "failed",
                  "points": p, "max_points": 2.0, "message": ""} for i, p in enumerate(points)]
    if manual is not None:
        questions.append({"qid": "q9", "title": "Essay", "status": manual, "points": 0.0, "max_points": 3.0,
                          "kind": "manual", "answer": "text" if manual != "not_attempted" else "", "message": ""})
    return {"student": student, "notebook": "02_ai_ethics", "status": "graded", "score": sum(points),
            "max_score": 2.0 * len(points), "questions": questions, "penalty": penalty, "cells": []}


def test_describe_matches_numpy_percentiles() -> None:
    assert describe([1, 2, 3, 4, 5]) == {"n": 5, "mean": 3.0, "median": 3.0, "q1": 2.0, "q3": 4.0, "min": 1.0, "max": 5.0}
    assert describe([])["mean"] is None


def test_discrimination_is_the_item_rest_correlation() -> None:
    item, rest = [0, 0, 1, 1, 2, 2], [1, 3, 2, 5, 4, 6]
    assert discrimination(item, rest) == pytest.approx(stats.pearsonr(item, rest)[0], abs=1e-4)
    assert discrimination([2, 2, 2], [1, 2, 3]) is None  # everyone alike: undefined
    assert discrimination([0, 2], [1, 3]) is None  # too few learners


def test_item_analysis_of_a_notebook() -> None:
    records = [_record("a", [2, 0, 2]), _record("b", [2, 0, 0]), _record("c", [2, 2, 2]), _record("d", [0, 0, 0])]
    by_q = {q["qid"]: q for q in notebook_stats(records)["questions"]}
    assert by_q["q1"]["difficulty"] == 0.75 and by_q["q2"]["difficulty"] == 0.25
    assert by_q["q1"]["title"] == "Question 1" and by_q["q1"]["passed"] == 3
    # q3 goes with the rest of the test: high discrimination; recompute by hand
    item, rest = [2, 0, 2, 0], [2, 2, 4, 0]
    assert by_q["q3"]["discrimination"] == pytest.approx(stats.pearsonr(item, rest)[0], abs=1e-4)


def test_late_work_and_reading_progress() -> None:
    records = [_record("a", [2], penalty={"days_late": 2, "fraction": 0.2, "submitted": "x", "source": "mtime"},
                       manual="reviewed"),
               _record("b", [1], penalty={"days_late": 0, "fraction": 0.0, "submitted": "y", "source": "mtime"},
                       manual="manual"),
               _record("c", [0], manual="not_attempted")]
    assert [(r["student"], r["days_late"]) for r in late(records)] == [("a", 2)]
    assert reading_progress(records) == [{"notebook": "02_ai_ethics", "qid": "q9", "title": "Essay", "answers": 2, "read": 1}]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_report_shows_titles_stats_and_inline_plots(lang: str) -> None:
    records = [_record(s, p, manual="manual") for s, p in (("a", [2, 0]), ("b", [2, 2]), ("c", [0, 0]), ("d", [2, 1]))]
    records[0]["penalty"] = {"days_late": 3, "fraction": 0.3, "submitted": "2026-03-04T10:00:00+09:00", "source": "zip entry"}
    page = class_report(records, {"options": {"lang": lang}})
    assert "Question 1" in page and "Essay" in page
    assert page.count("<svg role='img'") == 2  # the distribution and the item plot, inline SVG
    assert not re.search(r"(src|href)=['\"]https?:", page)  # nothing from the network
    assert ("Late submissions (1)" if lang == "en" else "늦은 제출 (1건)") in page
    assert "0 / 4" in page  # no essay read yet
