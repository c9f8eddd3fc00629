"""A results folder with free-response answers, for the review and release tests (no kernel needed)."""

from __future__ import annotations

from pathlib import Path

from workbook import gradebook

NB = "02_ai_ethics"
RUBRIC = [{"id": "tradeoff", "points": 2.0, "text": "Names the trade-off"},
          {"id": "cost", "points": 1.0, "text": "Says who bears the cost"},
          {"id": "remedy", "points": 1.0, "text": "Proposes a remedy"}]
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def make_results(out: Path, students: int = 5) -> list[str]:
    """``students`` records of 02_ai_ethics: one automatic question and one written one each."""
    ids = [f"s{i:02d}" for i in range(students)]
    for i, student in enumerate(ids):
        written = {"qid": "q12", "title": "Written: the COMPAS trade-off", "status": "manual", "points": 0.0,
                   "max_points": 4.0, "message": "", "hint": "", "kind": "manual", "rubric": RUBRIC,
                   "answer": f"Essay of {student}: equal FPR cannot coexist with calibration <b>here</b>."}
        if i == 0:
            written["figure"] = PNG
        record = {"student": student, "notebook": NB, "origin": f"{student}/{NB}.ipynb", "hash": f"h{i}",
                  "status": "graded", "reason": "", "seed": i, "tamper": [], "cells": [], "feedback": None,
                  "questions": [{"qid": "q3", "title": "The PPV that equal FPRs would need", "status": "passed" if i % 2 else "failed",
                                 "points": 2.0 if i % 2 else 0.0, "max_points": 2.0, "message": "", "hint": ""}, written]}
        record["score"] = sum(q["points"] for q in record["questions"])
        record["max_score"] = sum(q["max_points"] for q in record["questions"])
        gradebook.write_record(out, record)
    return ids
