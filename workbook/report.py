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


# Charts are inline SVG from these templates: no image library in the grader's process (matplotlib
# cost about a second per report), text the browser draws in any language, and each mark readable
# by a test (``data-*``) and on hover (``<title>``).
_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 540, 250, 48, 12, 10, 42

_CHART = """\
<svg role='img' aria-label='{{ alt }}' class='workbook-chart' data-chart='{{ kind }}' viewBox='0 0 {{ w }} {{ h }}' \
width='{{ w }}' height='{{ h }}' xmlns='http://www.w3.org/2000/svg' font-family='system-ui,sans-serif' font-size='11'>\
{% for t in yticks %}<line x1='{{ left }}' x2='{{ w - right }}' y1='{{ t.y }}' y2='{{ t.y }}' \
stroke='{{ "#999" if t.mark else "#e0e0e0" }}'{% if t.mark %} stroke-dasharray='4 3'{% endif %}/>\
<text x='{{ left - 6 }}' y='{{ t.y + 4 }}' text-anchor='end'>{{ t.label }}</text>{% endfor %}\
{% for t in xticks %}<text x='{{ t.x }}' y='{{ h - bottom + 14 }}' text-anchor='middle'>{{ t.label }}</text>{% endfor %}\
{% for b in bars %}<rect class='bar' data-count='{{ b.count }}' data-low='{{ b.low }}' data-high='{{ b.high }}' \
x='{{ b.x }}' y='{{ b.y }}' width='{{ b.width }}' height='{{ b.height }}' fill='#0b57d0' stroke='white'>\
<title>{{ b.low }}–{{ b.high }}: {{ b.count }}</title></rect>{% endfor %}\
{% for p in points %}<g class='point' data-qid='{{ p.qid }}' data-difficulty='{{ p.difficulty }}' \
data-discrimination='{{ p.discrimination }}'><circle cx='{{ p.x }}' cy='{{ p.y }}' r='4' fill='#8a4b00'/>\
<text x='{{ p.x + 6 }}' y='{{ p.y - 5 }}' font-size='10'>{{ p.qid }}</text>\
<title>{{ p.qid }}: {{ p.difficulty }}, {{ p.discrimination }}</title></g>{% endfor %}\
<line x1='{{ left }}' x2='{{ w - right }}' y1='{{ h - bottom }}' y2='{{ h - bottom }}' stroke='#5f6368'/>\
<text x='{{ (left + w - right) / 2 }}' y='{{ h - 6 }}' text-anchor='middle'>{{ xlabel }}</text>\
<text transform='translate(12 {{ (top + h - bottom) / 2 }}) rotate(-90)' text-anchor='middle'>{{ ylabel }}</text></svg>"""


def _chart(kind: str, lang: str, **marks: Any) -> str:
    """One chart of the report: the frame every chart shares, with ``bars`` or ``points`` in it."""
    return _render(_CHART, lang, kind=kind, w=_W, h=_H, left=_LEFT, right=_RIGHT, top=_TOP, bottom=_BOTTOM,
                   **{"bars": [], "points": [], **marks})


def _x(value: float, low: float, high: float) -> float:
    return round(_LEFT + (value - low) / (high - low) * (_W - _LEFT - _RIGHT), 1)


def _y(value: float, low: float, high: float) -> float:
    return round(_H - _BOTTOM - (value - low) / (high - low) * (_H - _TOP - _BOTTOM), 1)


def bin_counts(scores: list[float], top: float, bins: int) -> list[int]:
    """How many ``scores`` fall in each of ``bins`` equal bins of [0, ``top``] (clipped to it); a bin
    holds its lower edge, the last bin also ``top``. Computed from ``score * bins / top``, so a score
    on an edge (3 of 10) lands in the bin it starts, which float bin edges can miss."""
    counts = [0] * bins
    for score in scores:
        position = score * bins / top if top else 0.0
        counts[min(max(int(position), 0), bins - 1)] += 1
    return counts


def _count_ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to at least ``top``, at most about six of them."""
    step = 1
    while top / step > 6:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50, ...
    return list(range(0, top + step, step)) if top else [0, 1]


def _histogram(scores: list[float], top: float, lang: str = "en", bins: int = 10) -> str:
    """The notebook's score distribution (share of the maximum) as an inline SVG bar chart."""
    counts = bin_counts(scores, top, bins)
    ticks = _count_ticks(max(counts))
    high = ticks[-1]
    width = (_W - _LEFT - _RIGHT) / bins
    bars = [{"count": c, "low": f"{i / bins:g}", "high": f"{(i + 1) / bins:g}", "x": round(_LEFT + i * width, 1),
             "width": round(width, 1), "y": _y(c, 0, high), "height": round(_y(0, 0, high) - _y(c, 0, high), 1)}
            for i, c in enumerate(counts)]
    return _chart("histogram", lang, alt=msg("score_chart", lang), bars=bars,
                  yticks=[{"y": _y(t, 0, high), "label": t, "mark": False} for t in ticks],
                  xticks=[{"x": _x(t / 5, 0, 1), "label": f"{t / 5:g}"} for t in range(6)],
                  xlabel=msg("axis_share", lang), ylabel=msg("axis_learners", lang))


def _items_plot(questions: list[dict[str, Any]], lang: str) -> str:
    """Difficulty (x, 0-1) against discrimination (y, -1-1), one labelled point per question that has
    both, as an inline SVG; the dashed line is discrimination 0.2, below which a question separates
    strong from weak learners poorly."""
    shown = [q for q in questions if q["difficulty"] is not None and q["discrimination"] is not None]
    if not shown:
        return ""
    points = [{"qid": q["qid"], "difficulty": f"{q['difficulty']:.3g}", "discrimination": f"{q['discrimination']:.3g}",
               "x": _x(q["difficulty"], -0.05, 1.05), "y": _y(max(-1.0, min(1.0, q["discrimination"])), -1, 1)}
              for q in shown]
    yticks = [{"y": _y(v, -1, 1), "label": f"{v:g}", "mark": v == 0.2} for v in (-1, -0.5, 0, 0.2, 0.5, 1)]
    return _chart("items", lang, alt=msg("items_chart", lang), points=points, yticks=yticks,
                  xticks=[{"x": _x(t / 5, -0.05, 1.05), "label": f"{t / 5:g}"} for t in range(6)],
                  xlabel=msg("col_difficulty", lang), ylabel=msg("col_discrimination", lang))


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
