"""Feedback pages for students and the class report for the instructor, in English or Korean.

Feedback is the executed notebook with each question's verdict and hint placed after the cell that
checks it; the grader's own cells (prelude, export: they hold hidden inputs) and papermill's error
banner are removed. No solution code is ever in it: the submission never had any. Every word of the
pages' own (statuses, "Hint", "Score", headings, table headers) comes from the message catalogue
(:mod:`workbook.i18n`); the HTML comes from autoescaped Jinja2 templates.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .export import GRADER_TAG
from .handouts import to_html
from .i18n import msg, status_label

PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
_COLOURS = {"passed": "#1e7e34", "partial": "#8a4b00", "failed": "#b3261e", "not_attempted": "#3c4043",
            "missing": "#b3261e", "error": "#8a4b00"}

_BOX = """\
<div class='workbook-verdict' data-qid='{{ v.qid }}' data-status='{{ v.status }}' \
style='border-left:6px solid {{ colour }};padding:6px 12px;margin:4px 0;background:#f8f9fa'>\
<b style='color:{{ colour }}'><code>{{ v.qid }}</code>: {{ status }} \
({{ '%g' % v.points }} / {{ '%g' % v.max_points }})</b> {{ v.title or '' }}\
{% if v.message %}<div>{{ v.message }}</div>{% endif %}\
{% if hint %}<div><b>{{ m('hint') }}:</b> {{ hint }}</div>{% endif %}</div>"""

_HEAD = """\
<h2>{{ m('feedback_title', notebook=r.notebook, student=r.student) }}</h2>\
<p><b>{{ m('score') }}: {{ '%g' % r.score }} / {{ '%g' % r.max_score }}</b> · {{ m('status') }}: {{ status }}\
{% if r.reason %} · {{ r.reason }}{% endif %}</p>\
{% for item in r.tamper or [] %}<p style='color:#b3261e'>{{ m('flagged') }}: {{ item }}</p>{% endfor %}\
{% if rest %}<p>{{ m('check_cell_missing') }}</p>{{ rest }}{% endif %}"""

_IMG = "<img role='img' alt='{{ alt }}' src='data:image/png;base64,{{ data }}'>"

_REPORT = """\
<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ m('report_title') }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#202124}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>
</head><body><main>
<h1>{{ m('report_title') }}</h1>
<p>{{ m('report_summary', n=records|length) }} <code>{{ isolation.get('level') }}</code></p>
{% for w in isolation.get('warnings', []) %}<p style='color:#8a4b00'>{{ m('warning') }}: {{ w }}</p>{% endfor %}
{% for nb in notebooks %}
<h2>{{ nb.name }}</h2>
<p>{{ m('stats_line', n=nb.stats.totals.n, mean=fmt(nb.stats.totals.mean), median=fmt(nb.stats.totals.median),
  q1=fmt(nb.stats.totals.q1), q3=fmt(nb.stats.totals.q3), top='%g' % nb.top) }}</p>
<h3>{{ m('score_distribution', top='%g' % nb.top) }}</h3>
{{ nb.histogram }}
<h3>{{ m('pass_rate') }}</h3>
<table><tr><th>{{ m('col_question') }}</th><th>{{ m('col_title') }}</th><th>{{ m('col_passed') }}</th><th>{{ m('col_rate') }}</th>
<th>{{ m('col_mean') }}</th><th>{{ m('col_median') }}</th><th>{{ m('col_quartiles') }}</th>
<th>{{ m('col_difficulty') }}</th><th>{{ m('col_discrimination') }}</th></tr>
{% for q in nb.stats.questions %}<tr><td><code>{{ q.qid }}</code></td><td>{{ q.title }}</td><td>{{ q.passed }} / {{ q.n }}</td>
<td>{{ '%.0f' % (100 * q.passed / q.n) if q.n else '' }}%</td><td>{{ fmt(q.mean) }} / {{ '%g' % q.max_points }}</td>
<td>{{ fmt(q.median) }}</td><td>{{ fmt(q.q1) }} – {{ fmt(q.q3) }}</td><td>{{ fmt(q.difficulty) }}</td>
<td>{{ fmt(q.discrimination) }}</td></tr>{% endfor %}</table>
{% if nb.items_plot %}<h3>{{ m('items_chart') }}</h3>{{ nb.items_plot }}{% endif %}
{% endfor %}
{% if progress %}<h2>{{ m('reading_progress') }}</h2>
<table><tr><th>{{ m('col_notebook') }}</th><th>{{ m('col_question') }}</th><th>{{ m('col_title') }}</th><th>{{ m('col_read') }}</th></tr>
{% for p in progress %}<tr><td>{{ p.notebook }}</td><td><code>{{ p.qid }}</code></td><td>{{ p.title }}</td>
<td>{{ p.read }} / {{ p.answers }}</td></tr>{% endfor %}</table>{% endif %}
{% if late %}<h2>{{ m('late_submissions', n=late|length) }}</h2>
<table><tr><th>{{ m('col_student') }}</th><th>{{ m('col_notebook') }}</th><th>{{ m('col_days_late') }}</th>
<th>{{ m('col_penalty') }}</th><th>{{ m('col_submitted') }}</th></tr>
{% for l in late %}<tr><td>{{ l.student }}</td><td>{{ l.notebook }}</td><td>{{ l.days_late }}</td>
<td>{{ '%g' % (100 * l.fraction) }}%</td><td>{{ l.submitted }} (<code>{{ l.source }}</code>)</td></tr>{% endfor %}</table>{% endif %}
<h2>{{ m('slowest_cells') }}</h2>
<table><tr><th>{{ m('col_time') }}</th><th>{{ m('col_student') }}</th><th>{{ m('col_notebook') }}</th><th>{{ m('col_cell') }}</th></tr>
{% for s, student, notebook, index in slowest %}<tr><td>{{ m('seconds', s=s) }}</td><td>{{ student }}</td>\
<td>{{ notebook }}</td><td>{{ index }}</td></tr>{% endfor %}</table>
<h2>{{ m('bad_submissions', n=bad|length) }}</h2>
<table><tr><th>{{ m('col_student') }}</th><th>{{ m('col_notebook') }}</th><th>{{ m('col_status') }}</th><th>{{ m('col_reason') }}</th></tr>
{% for r in bad %}<tr><td>{{ r.student }}</td><td>{{ r.notebook }}</td><td>{{ label(r.status) }}</td>\
<td>{{ '; '.join(([r.reason] if r.reason else []) + (r.tamper or [])) }}</td></tr>{% endfor %}</table>
</main></body></html>
"""


@functools.lru_cache(maxsize=None)
def _template(source: str) -> Any:
    from jinja2 import Environment

    return Environment(autoescape=True, keep_trailing_newline=True).from_string(source)


def _render(source: str, lang: str, **context: Any) -> str:
    def m(key: str, **fields: Any) -> str:
        return msg(key, lang, **fields)

    return _template(source).render(m=m, label=lambda s: status_label(s, lang), lang=lang, **context)


def _box(verdict: dict[str, Any], lang: str = "en") -> str:
    hint = verdict.get("hint") if verdict["status"] != "passed" else ""
    return _render(_BOX, lang, v=verdict, colour=_COLOURS.get(verdict["status"], "#3c4043"),
                   status=status_label(verdict["status"], lang), hint=hint)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def learner_frames(traceback: list[str], lang: str = "en") -> list[str]:
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
            kept.append(msg("frames_hidden", lang, n=hidden))
            hidden = 0
        kept.append(entry)
    return kept


def feedback_html(nb: Any, record: dict[str, Any], prefix: str, lang: str = "en") -> str:
    """The student's feedback page for an executed submission and its record; like the handouts,
    it needs no network to view (no MathJax or require.js from a CDN)."""
    import nbformat
    from markupsafe import Markup

    cells = [c for c in nb.cells if not set(c.metadata.get("tags", [])) & {GRADER_TAG, PAPERMILL_ERROR_TAG}]
    placed: set[str] = set()
    out = []
    for cell in cells:
        cell.metadata.pop("papermill", None)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = learner_frames(list(output.get("traceback", [])), lang)
        out.append(cell)
        if cell.cell_type != "code":
            continue
        for verdict in record["questions"]:
            call = re.compile(r"check\(\s*['\"]" + re.escape(f"{prefix}.{verdict['qid']}") + r"['\"]")
            if verdict["qid"] not in placed and call.search(cell.source):
                out.append(nbformat.v4.new_markdown_cell(_box(verdict, lang)))
                placed.add(verdict["qid"])
    rest = Markup("".join(_box(v, lang) for v in record["questions"] if v["qid"] not in placed))
    head = _render(_HEAD, lang, r=record, status=status_label(record["status"], lang), rest=rest)
    page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(head), *out], metadata=nb.metadata)
    return to_html(page, lang=lang)


def _figure(draw: Any, alt: str, lang: str) -> str:
    """A matplotlib figure as an inline PNG ``<img>`` (the page needs no network and no script)."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if lang == "ko":
        from .fonts import use_hangul_font

        use_hangul_font()
    fig, ax = plt.subplots(figsize=(6, 2.8), dpi=90)
    try:
        draw(ax)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return _render(_IMG, lang, alt=alt, data=base64.b64encode(buffer.getvalue()).decode())


def _histogram(scores: list[float], top: float, lang: str = "en", bins: int = 10) -> str:
    """The notebook's score distribution (share of the maximum), as an inline PNG."""
    def draw(ax: Any) -> None:
        shares = [min(max(s / top, 0.0), 1.0) if top else 0.0 for s in scores]
        ax.hist(shares, bins=bins, range=(0, 1), color="#0b57d0", edgecolor="white")
        ax.set_xlabel(msg("axis_share", lang))
        ax.set_ylabel(msg("axis_learners", lang))

    return _figure(draw, msg("score_chart", lang), lang)


def _items_plot(questions: list[dict[str, Any]], lang: str) -> str:
    """Difficulty against discrimination, one point per question (those with both)."""
    shown = [q for q in questions if q["difficulty"] is not None and q["discrimination"] is not None]
    if not shown:
        return ""

    def draw(ax: Any) -> None:
        ax.scatter([q["difficulty"] for q in shown], [q["discrimination"] for q in shown], color="#8a4b00")
        for q in shown:
            ax.annotate(q["qid"], (q["difficulty"], q["discrimination"]), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.axhline(0.2, color="#999", linewidth=0.8, linestyle="--")
        ax.set_xlim(-0.05, 1.05)
        ax.set_xlabel(msg("col_difficulty", lang))
        ax.set_ylabel(msg("col_discrimination", lang))

    return _figure(draw, msg("items_chart", lang), lang)


def class_report(records: list[dict[str, Any]], meta: dict[str, Any], lang: str | None = None) -> str:
    """The instructor's ``report.html``: per notebook the score distribution and its mean, median and
    quartiles; per question (by title) pass rate, mean, median, quartiles, difficulty and
    discrimination (:mod:`workbook.classstats`); reading progress of the free-response questions;
    late submissions; slowest cells; and every submission that was not graded normally, with its reason. ``lang`` defaults to the
    language the batch was graded in (``meta["options"]["lang"]``)."""
    from markupsafe import Markup

    from .classstats import late, notebook_stats, reading_progress

    lang = lang or meta.get("options", {}).get("lang") or "en"
    notebooks = []
    for name in sorted({r["notebook"] for r in records}):
        mine = [r for r in records if r["notebook"] == name]
        top = max((r["max_score"] for r in mine), default=0)
        stats = notebook_stats(mine)
        notebooks.append({"name": name, "top": top, "stats": stats,
                          "histogram": Markup(_histogram([r["score"] for r in mine], top, lang)),
                          "items_plot": Markup(_items_plot(stats["questions"], lang))})
    slowest = sorted(((c["seconds"], r["student"], r["notebook"], c["index"]) for r in records for c in r.get("cells", [])),
                     reverse=True)[:10]
    bad = [r for r in records if r["status"] != "graded" or r.get("tamper")]
    return _render(_REPORT, lang, records=records, isolation=meta.get("isolation", {}), notebooks=notebooks,
                   slowest=slowest, bad=bad, late=late(records), progress=reading_progress(records),
                   fmt=lambda v: "" if v is None else f"{v:.3g}")
