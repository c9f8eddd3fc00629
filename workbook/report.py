"""Feedback pages for students and the class report for the instructor.

Feedback is the executed notebook with each question's verdict and hint placed after the cell that
checks it; the grader's own cells (prelude, export: they hold hidden inputs) and papermill's error
banner are removed. No solution code is ever in it: the submission never had any.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .export import GRADER_TAG
from .handouts import to_html

PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
_COLOURS = {"passed": "#1e7e34", "partial": "#8a4b00", "failed": "#b3261e", "not_attempted": "#3c4043",
            "missing": "#b3261e", "error": "#8a4b00"}
_PAGE = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
         "<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#202124}}"
         "table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left}}</style>"
         "</head><body><main>{body}</main></body></html>\n")


def _box(verdict: dict[str, Any]) -> str:
    colour = _COLOURS.get(verdict["status"], "#3c4043")
    hint = verdict.get("hint") if verdict["status"] not in ("passed",) else ""
    return (f"<div class='workbook-verdict' data-qid='{html.escape(verdict['qid'])}' data-status='{verdict['status']}' "
            f"style='border-left:6px solid {colour};padding:6px 12px;margin:4px 0;background:#f8f9fa'>"
            f"<b style='color:{colour}'>{html.escape(verdict['qid'])}: {verdict['status'].replace('_', ' ')}"
            f" ({verdict['points']:g} / {verdict['max_points']:g})</b> {html.escape(verdict.get('title') or '')}"
            + (f"<div>{html.escape(verdict['message'])}</div>" if verdict.get("message") else "")
            + (f"<div><b>Hint:</b> {html.escape(hint)}</div>" if hint else "") + "</div>")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def learner_frames(traceback: list[str]) -> list[str]:
    """An error's traceback with only the learner's own frames (IPython's ``Cell In[n]`` entries),
    the header and the final line: frames in files (installed libraries, the grader's modules) are
    replaced by one line saying how many were left out."""
    kept: list[str] = []
    hidden = 0
    for index, entry in enumerate(traceback):
        plain = _ANSI.sub("", entry).lstrip()
        if 0 < index < len(traceback) - 1 and plain.startswith("File "):
            hidden += 1
            continue
        if hidden:
            kept.append(f"[{hidden} frame(s) in installed code not shown]")
            hidden = 0
        kept.append(entry)
    return kept


def feedback_html(nb: Any, record: dict[str, Any], prefix: str, lang: str = "en") -> str:
    """The student's feedback page for an executed submission and its record; like the handouts,
    it needs no network to view (no MathJax or require.js from a CDN)."""
    import nbformat

    cells = [c for c in nb.cells if not set(c.metadata.get("tags", [])) & {GRADER_TAG, PAPERMILL_ERROR_TAG}]
    placed: set[str] = set()
    out = []
    for cell in cells:
        cell.metadata.pop("papermill", None)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = learner_frames(list(output.get("traceback", [])))
        out.append(cell)
        if cell.cell_type != "code":
            continue
        for verdict in record["questions"]:
            call = re.compile(r"check\(\s*['\"]" + re.escape(f"{prefix}.{verdict['qid']}") + r"['\"]")
            if verdict["qid"] not in placed and call.search(cell.source):
                out.append(nbformat.v4.new_markdown_cell(_box(verdict)))
                placed.add(verdict["qid"])
    rest = "".join(_box(v) for v in record["questions"] if v["qid"] not in placed)
    head = (f"<h2>Feedback: {html.escape(record['notebook'])} · {html.escape(record['student'])}</h2>"
            f"<p><b>Score: {record['score']:g} / {record['max_score']:g}</b> · status: {record['status']}"
            + (f" · {html.escape(record['reason'])}" if record.get("reason") else "") + "</p>"
            + "".join(f"<p style='color:#b3261e'>Flagged: {html.escape(t)}</p>" for t in record.get("tamper", []))
            + (f"<p>Questions whose check cell is missing:</p>{rest}" if rest else ""))
    page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(head), *out], metadata=nb.metadata)
    return to_html(page, lang=lang)


def _histogram(scores: list[float], top: float, bins: int = 10) -> str:
    """An inline SVG bar chart of the scores (fractions of the maximum)."""
    counts = [0] * bins
    for score in scores:
        counts[min(int(score / top * bins), bins - 1) if top else 0] += 1
    high = max(counts) or 1
    width, height = 40, 160
    bars = "".join(
        f"<rect x='{i * width + 30}' y='{10 + height - c / high * height:.1f}' width='{width - 4}' "
        f"height='{c / high * height:.1f}' fill='#0b57d0'><title>{c}</title></rect>"
        f"<text x='{i * width + 32}' y='{height + 25}' font-size='10'>{i * 100 // bins}%</text>"
        f"<text x='{i * width + 40}' y='{5 + height - c / high * height:.1f}' font-size='10'>{c or ''}</text>"
        for i, c in enumerate(counts))
    return (f"<svg role='img' aria-label='score distribution' width='{bins * width + 40}' height='{height + 40}' "
            f"xmlns='http://www.w3.org/2000/svg'>{bars}</svg>")


def class_report(records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The instructor's ``report.html``: score distribution, pass rate per question, slowest cells,
    and every submission that was not graded normally, with its reason."""
    parts = [f"<h1>Grading report</h1><p>{len(records)} submissions · isolation: "
             f"{html.escape(str(meta.get('isolation', {}).get('level')))}</p>"]
    parts += [f"<p style='color:#8a4b00'>Warning: {html.escape(w)}</p>" for w in meta.get("isolation", {}).get("warnings", [])]
    for notebook in sorted({r["notebook"] for r in records}):
        mine = [r for r in records if r["notebook"] == notebook]
        top = max((r["max_score"] for r in mine), default=0)
        parts.append(f"<h2>{html.escape(notebook)}</h2><h3>Score distribution (share of {top:g} points)</h3>")
        parts.append(_histogram([r["score"] for r in mine], top))
        rates: dict[str, list[int]] = {}
        for record in mine:
            for q in record["questions"]:
                rates.setdefault(q["qid"], []).append(q["status"] == "passed")
        rows = "".join(f"<tr><td>{html.escape(q)}</td><td>{sum(v)} / {len(v)}</td><td>{100 * sum(v) / len(v):.0f}%</td></tr>"
                       for q, v in rates.items())
        parts.append(f"<h3>Pass rate per question</h3><table><tr><th>question</th><th>passed</th><th>rate</th></tr>{rows}</table>")
    cells = sorted(((c["seconds"], r["student"], r["notebook"], c["index"]) for r in records for c in r.get("cells", [])),
                   reverse=True)[:10]
    rows = "".join(f"<tr><td>{s:.2f} s</td><td>{html.escape(st)}</td><td>{html.escape(n)}</td><td>{i}</td></tr>"
                   for s, st, n, i in cells)
    parts.append(f"<h2>Slowest cells</h2><table><tr><th>time</th><th>student</th><th>notebook</th><th>cell</th></tr>{rows}</table>")
    bad = [r for r in records if r["status"] != "graded" or r.get("tamper")]
    rows = "".join(f"<tr><td>{html.escape(r['student'])}</td><td>{html.escape(r['notebook'])}</td><td>{r['status']}</td>"
                   f"<td>{html.escape('; '.join(([r['reason']] if r.get('reason') else []) + r.get('tamper', [])))}</td></tr>"
                   for r in bad)
    parts.append(f"<h2>Failed, invalid or flagged submissions ({len(bad)})</h2>"
                 f"<table><tr><th>student</th><th>notebook</th><th>status</th><th>reason</th></tr>{rows}</table>")
    return _PAGE.format(title="Grading report", body="".join(parts))
