"""The numbers of the class report: score summaries, item analysis, late work, reading progress.

Item analysis as in classical test theory: an item's *difficulty* is the mean share of its points
the class earned (1 = everyone got it right), its *discrimination* the corrected item-total
correlation: Pearson's r between the item's score and the rest of the notebook's score (the total
without that item), over the learners graded normally. An item everyone answers alike has no
discrimination (None), and so does one with fewer than three learners.

Plain ``statistics`` from the standard library: quartiles by linear interpolation (numpy's default,
``method="inclusive"``), Pearson's r by ``statistics.correlation``. No numpy: the grader's process
draws the report at the end of every batch, and importing numpy cost it a quarter of a second.
"""

from __future__ import annotations

import statistics
from typing import Any


def describe(values: list[float]) -> dict[str, float | int | None]:
    """n, mean, median, first and third quartile, min and max (None when there are no values)."""
    if not values:
        return {"n": 0, "mean": None, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    data = [float(v) for v in values]
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive") if len(data) > 1 else data * 3
    return {"n": len(data), "mean": round(statistics.fmean(data), 4), "median": round(median, 4),
            "q1": round(q1, 4), "q3": round(q3, 4), "min": min(data), "max": max(data)}


def discrimination(item: list[float], rest: list[float]) -> float | None:
    """Pearson's r between an item's scores and the rest-of-test scores (None when undefined)."""
    if len(item) < 3 or len(set(item)) == 1 or len(set(rest)) == 1:
        return None
    return round(statistics.correlation(item, rest), 4)


def notebook_stats(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Summary of one notebook's records (all of one notebook): totals and one entry per question."""
    graded = [r for r in records if r["status"] == "graded"]
    totals = [float(r["score"]) for r in records]
    order: dict[str, dict[str, Any]] = {}
    for r in records:
        for q in r["questions"]:
            order.setdefault(str(q["qid"]), {"qid": str(q["qid"]), "title": q.get("title") or str(q["qid"]),
                                             "max_points": float(q["max_points"]), "manual": q.get("kind") == "manual"})
    questions = []
    for qid, info in order.items():
        points = [float(q["points"]) for r in records for q in r["questions"] if str(q["qid"]) == qid]
        item, rest = [], []
        for r in graded:
            mine = next((float(q["points"]) for q in r["questions"] if str(q["qid"]) == qid), None)
            if mine is not None:
                item.append(mine)
                rest.append(sum(float(q["points"]) for q in r["questions"]) - mine)
        top = info["max_points"] or 1.0
        questions.append({**info, **describe(points),
                          "difficulty": round(statistics.fmean(points) / top, 4) if points else None,
                          "discrimination": discrimination(item, rest),
                          "passed": sum(1 for r in records for q in r["questions"]
                                        if str(q["qid"]) == qid and q["points"] >= q["max_points"] > 0)})
    return {"totals": describe(totals), "max_score": max((float(r["max_score"]) for r in records), default=0.0),
            "questions": questions}


def late(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The late submissions: student, notebook, days late, share taken off, when and from where."""
    rows = [{"student": r["student"], "notebook": r["notebook"], **r["penalty"]}
            for r in records if (r.get("penalty") or {}).get("days_late")]
    return sorted(rows, key=lambda row: (row["notebook"], -row["days_late"], row["student"]))


def reading_progress(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per free-response question: answers with text, how many of them a reader has scored."""
    progress: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        for q in r["questions"]:
            if q.get("kind") != "manual":
                continue
            row = progress.setdefault((r["notebook"], str(q["qid"])), {
                "notebook": r["notebook"], "qid": str(q["qid"]), "title": q.get("title") or q["qid"], "answers": 0, "read": 0})
            if q.get("answer"):
                row["answers"] += 1
                row["read"] += q.get("status") in ("reviewed", "overridden")
    return [progress[k] for k in sorted(progress)]
