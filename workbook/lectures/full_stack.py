"""Lecture 1 — Full Stack ML Engineer: the team and its seven jobs, the pipeline sorter, data versioning
and its property checker; the other sections live in their own modules, imported here so that the
notebooks and the answer key keep one name (``fs``) for the lecture:

* ``full_stack_annotation``: review items, simulated annotators, the annotation tool, agreement;
* ``full_stack_compress``: quantization and distillation;
* ``full_stack_serving``: the Flask demo server, latency and capacity;
* ``full_stack_db`` (labels in SQLite), ``full_stack_eval`` (slices, behavioural tests),
  ``full_stack_queue`` (file server + message queue) and ``full_stack_drift`` (monitoring), used by
  the notebook directly.

Every widget in ``notebooks/01_full_stack_ml.ipynb`` is a plain function that returns something
displayable, so it is tested without a browser. Exercise answers are not here: the lecture widgets
use the field's libraries (scikit-learn's kappa, SciPy's softmax) or show a related quantity.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Callable, Sequence

from ..i18n import t
from .html_template import render_html
# Re-exported: the lecture notebook, the exercises and the tests call these as ``fs.<name>``.
from .full_stack_annotation import (LABEL_NAMES, LABELS, AnnotationTool, _ASPECTS, _PHRASES,  # noqa: F401
                                    agreement_controls, agreement_curve, agreement_report, annotation_tool,
                                    label_name, label_options, noisy_annotator, review_items)
from .full_stack_compress import (TEACHER_CLASSES, TEACHER_LOGITS, class_names, demo_weights,  # noqa: F401
                                  distillation_controls, distillation_report, quantization_controls,
                                  quantization_error, quantization_report, soft_targets)
from .full_stack_serving import (call, capacity_controls, capacity_report, latency_summary,  # noqa: F401
                                 make_app, measure_latency, model_version, serve, train_demo_model)

# ---------------------------------------------------------------------------------------------------
# Controls of the ``live`` widgets defined here (name -> stock ipywidget), tested at trait level
# ---------------------------------------------------------------------------------------------------


def team_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`team_coverage`: the roles one person holds."""
    import ipywidgets as w

    return {"roles": w.SelectMultiple(options=role_options(lang), value=("developer", "researcher", "data"),
                                      rows=len(TEAM_ROLES), description=t("roles", "역할", lang))}


def versioning_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`versioning_report`: which row to relabel, and its new label."""
    import ipywidgets as w

    return {"row": w.IntSlider(value=2, min=0, max=5, description=t("row", "행", lang)),
            "label": w.Dropdown(options=label_options(lang), value="negative", description=t("new label", "새 라벨", lang))}


# ---------------------------------------------------------------------------------------------------
# The ML team and the seven jobs of a full stack ML engineer
# ---------------------------------------------------------------------------------------------------

TEAM_ROLES: dict[str, tuple[str, str, int]] = {
    # key: (English, Korean, head count in the "usual" team of the talk)
    "pm": ("project manager", "프로젝트 매니저", 1),
    "developer": ("developer", "개발자", 2),
    "researcher": ("researcher", "연구자", 2),
    "planner": ("service planner", "서비스 기획자", 1),
    "data": ("data manager", "데이터 관리자", 1),
}

# The talk: a full stack ML engineer is "developer + researcher + data manager" and does these seven
# jobs. Which role usually owns which job is our reading of the talk, stated as such in the notebook.
SEVEN_JOBS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Formulate a real-life problem as an ML problem", "실생활 문제를 ML 문제로 정의하기", ("researcher",)),
    ("Collect raw data", "원시 데이터 수집", ("data",)),
    ("Build the annotation tool", "어노테이션 도구 개발", ("developer",)),
    ("Version the data and write the loader", "데이터 버전 관리와 데이터 로더 개발", ("data", "developer")),
    ("Develop the model and write the paper", "모델 개발과 논문 작성", ("researcher",)),
    ("Build the evaluation tool and the demo", "평가 도구와 데모 개발", ("developer", "researcher")),
    ("Deploy the model to the real server", "모델을 실제 서버에 배포", ("developer",)),
)


def role_options(lang: str | None = None) -> list[tuple[str, str]]:
    """(label, key) pairs for a role selector, in the learner's language."""
    return [(t(en, ko, lang), key) for key, (en, ko, _) in TEAM_ROLES.items()]


def team_coverage(roles: Sequence[str], lang: str | None = None) -> Any:
    """An HTML table: which of the seven jobs one person holding ``roles`` covers.

    Raises ValueError naming an unknown role key.
    """
    from IPython.display import HTML

    unknown = sorted(set(roles) - set(TEAM_ROLES))
    if unknown:
        raise ValueError(f"team_coverage: unknown role(s) {unknown}; choose from {sorted(TEAM_ROLES)}")
    held = set(roles)
    rows, covered = [], 0
    for number, (en, ko, owners) in enumerate(SEVEN_JOBS, start=1):
        ok = bool(held & set(owners))
        covered += ok
        who = ", ".join(t(*TEAM_ROLES[o][:2], lang) for o in owners)
        mark = "✔" if ok else "✘"
        colour = "#1e7e34" if ok else "#b3261e"
        rows.append(f"<tr><td>{number}</td><td>{html.escape(t(en, ko, lang))}</td>"
                    f"<td>{html.escape(who)}</td><td style='color:{colour};text-align:center'>{mark}</td></tr>")
    if covered == len(SEVEN_JOBS):
        verdict = t("All seven jobs: this person is a full stack ML engineer.",
                    "일곱 가지 업무를 모두 맡습니다. 이 사람은 풀스택 ML 엔지니어입니다.", lang)
    else:
        verdict = t(f"{covered} of {len(SEVEN_JOBS)} jobs covered; the rest need a teammate.",
                    f"업무 {len(SEVEN_JOBS)}가지 중 {covered}가지를 맡습니다. 나머지는 다른 팀원이 맡아야 합니다.", lang)
    # "역할" is the role (the selector's label); a job is "업무", so the two never share a word.
    head = (f"<tr><th>#</th><th>{t('Job', '업무', lang)}</th><th>{t('Usually owned by', '주로 맡는 역할', lang)}</th>"
            f"<th>{t('Covered', '담당 여부', lang)}</th></tr>")
    team = sum(size for *_, size in TEAM_ROLES.values())
    note = t(f"The usual ML team of the talk has {team} people; one full stack ML engineer holds three of its roles.",
             f"강의에서 소개한 일반적인 ML 팀은 {team}명입니다. 풀스택 ML 엔지니어 한 명은 그중 세 역할을 겸합니다.", lang)
    return HTML(f"<table>{head}{''.join(rows)}</table><p><b>{html.escape(verdict)}</b> {html.escape(note)}</p>")
# ---------------------------------------------------------------------------------------------------
# Pipeline sorter: dropdowns that fill a learner's {sub-step: stage} dict
# ---------------------------------------------------------------------------------------------------


def dict_source(name: str, answers: dict[str, Any]) -> str:
    """Python source that recreates ``answers`` (``...`` for an empty slot), to paste into a cell."""
    lines = [f"{name} = {{"]
    lines += [f"    {json.dumps(k, ensure_ascii=False)}: {'...' if v is Ellipsis else json.dumps(v, ensure_ascii=False)},"
              for k, v in answers.items()]
    return "\n".join(lines + ["}"])


class PipelineSorter:
    """One dropdown per key of ``answers``; a change re-checks the picks with ``feedback`` and shows them as
    source to paste back into the answer cell.

    The widget works on its own copy: the learner's dict changes only when the pasted cell runs. The
    grader re-runs the saved notebook, so it never sees a pick made in the widget; the widget says so and
    counts the picks that still differ from the answer cell."""

    def __init__(self, answers: dict[str, Any], stages: Sequence[str], *, name: str = "stage_of",
                 feedback: Callable[[dict[str, Any]], Any] | None = None, lang: str | None = None) -> None:
        import ipywidgets as w

        self.saved = dict(answers)  # what the answer cell holds now
        self.answers = dict(answers)
        self.name, self.feedback, self.lang = name, feedback, lang
        options = [("—", None)] + [(s, s) for s in stages]
        self.dropdowns: dict[str, Any] = {}
        for key, value in answers.items():
            dropdown = w.Dropdown(options=options, value=value if value in stages else None,
                                  description=key, style={"description_width": "32em"},
                                  layout=w.Layout(width="46em"))
            dropdown.observe(self._changed, names="value")
            self.dropdowns[key] = dropdown
        self.output = w.HTML()  # a value, not an Output widget: capturing output can hang a headless run
        self.widget = w.VBox([*self.dropdowns.values(), self.output])
        self.refresh()

    def _changed(self, change: dict[str, Any]) -> None:
        key = change["owner"].description
        self.answers[key] = ... if change["new"] is None else change["new"]
        self.refresh()

    def unsaved(self) -> list[str]:
        """The keys whose pick in the widget differs from the answer cell."""
        return [key for key, value in self.answers.items() if value is not self.saved.get(key) and value != self.saved.get(key)]

    def refresh(self) -> None:
        """Redraw the feedback, the save status and the source under the dropdowns."""
        from IPython.display import Markdown

        from ..widgets import to_html

        differ = len(self.unsaved())
        if differ:
            status = t(f"**Not saved: {differ} pick(s) differ from your answer cell.** The grader re-runs the saved "
                       f"notebook and sees only the answer cell, never this widget. Copy the code below into the "
                       f"answer cell, run it, then save the notebook.",
                       f"**저장되지 않음: 답 셀과 다른 선택이 {differ}개 있습니다.** 채점기는 저장된 노트북을 다시 실행하므로 "
                       f"이 위젯이 아니라 답 셀만 봅니다. 아래 코드를 답 셀에 복사해 실행한 뒤 노트북을 저장하세요.", self.lang)
        else:
            status = t("Your answer cell holds these picks.", "답 셀에 지금 선택이 그대로 들어 있습니다.", self.lang)
        parts = [to_html(self.feedback(self.answers))] if self.feedback is not None else []
        parts.append(to_html(Markdown(f"{status}\n\n```python\n{dict_source(self.name, self.answers)}\n```")))
        self.output.value = "".join(parts)
# ---------------------------------------------------------------------------------------------------
# Data versioning
# ---------------------------------------------------------------------------------------------------


def label_table(n: int = 6, seed: int = 0, lang: str | None = None) -> Any:
    """A small labelled data set as a DataFrame (file, text, label), as an annotation run produces it."""
    import pandas as pd

    items = review_items(n, seed, lang)
    return pd.DataFrame({"file": [f"review_{i:03d}.txt" for i in range(n)],
                         "text": [x for x, _ in items], "label": [y for _, y in items]})


_VERSIONING_TEMPLATE = """
<p>v1 <code>{{ before }}</code> → v2 <code>{{ after }}</code>: <b>{{ verdict }}</b></p>
<p><small>sha256(<code>{{ query }}</code>)</small></p>
{{ table|safe }}
"""


def versioning_report(row: int, label: str, n: int = 6, seed: int = 0, lang: str | None = None) -> Any:
    """HTML: the labelled data in SQLite with ``row`` relabelled as ``label`` by an UPDATE, and the version
    id (a hash over the result of ``SELECT file, label FROM labels ORDER BY file``) before and after. One
    changed cell gives a new version id; relabelling to the same label does not."""
    import pandas as pd

    from .full_stack_db import VERSION_QUERY, labels_db, query_hash, relabel

    if label not in LABELS:
        raise ValueError(f"versioning_report: label must be one of {LABELS}, not {label!r}")
    conn = labels_db(n, seed, lang)
    try:
        files = [file for (file,) in conn.execute("SELECT file FROM labels ORDER BY file")]
        if not 0 <= row < len(files):
            raise ValueError(f"versioning_report: row must be in 0..{len(files) - 1}, not {row}")
        before = query_hash(conn)
        relabel(conn, files[row], label)
        after_id = query_hash(conn)
        after = pd.read_sql_query("SELECT file, text, label FROM labels ORDER BY file", conn)
    finally:
        conn.close()
    ids = [before, after_id]
    same = ids[0] == ids[1]
    verdict = (t("same content, same version id", "내용이 같으니 버전 id도 같습니다", lang) if same
               else t("one cell changed, so the version id changed", "셀 하나가 바뀌어 버전 id가 바뀌었습니다", lang))
    # The database keeps its English columns and label keys; only the table the learner reads is translated.
    shown = after.assign(label=[label_name(y, lang) for y in after["label"]]).rename(
        columns={"file": t("file", "파일", lang), "text": t("text", "텍스트", lang), "label": t("label", "라벨", lang)})
    styled = shown.style.apply(lambda r: ["background:#fff3cd" if r.name == row else "" for _ in r], axis=1)
    return render_html(_VERSIONING_TEMPLATE, before=ids[0], after=ids[1], verdict=verdict, query=VERSION_QUERY,
                       table=styled.hide(axis="index").to_html())


def check_content_hash(outputs: Sequence[Any], lang: str | None = None) -> list[str]:
    """Property checker for the content-hash exercise. ``outputs`` are the learner's hashes of the key's
    cases, in order: 0 a data set, 1 an equal copy of it, 2 one label changed, 3 one row appended,
    4 ``[["ab", "c"]]``, 5 ``[["a", "bc"]]`` (same characters, different fields). Returns problems."""
    if len(outputs) != 6:
        return [t(f"expected 6 outputs, got {len(outputs)}", f"출력이 6개여야 하는데 {len(outputs)}개입니다", lang)]
    problems = []
    if not all(isinstance(h, str) and re.fullmatch(r"[0-9a-f]{12,}", h) for h in outputs) or all(
            re.fullmatch(r"\d{1,20}", h) for h in outputs):  # str(hash(...)): a 64-bit decimal, salted per process
        problems.append(t("return a hex digest of at least 12 hex digits (e.g. hashlib.sha256(...).hexdigest()); "
                          "Python's hash() changes from one process to the next, so it cannot identify a version",
                          "12자리 이상의 16진수 다이제스트(hex digest) 문자열을 반환하세요 (예: hashlib.sha256(...).hexdigest()). "
                          "파이썬의 hash()는 프로세스마다 값이 바뀌므로 버전을 식별할 수 없습니다", lang))
        return problems
    if outputs[0] != outputs[1]:
        problems.append(t("two equal data sets got different hashes: the hash must depend on content only",
                          "내용이 같은 두 데이터 세트의 해시가 다릅니다. 해시는 내용에만 의존해야 합니다", lang))
    if outputs[2] == outputs[0]:
        problems.append(t("changing one label did not change the hash", "라벨 하나를 바꿔도 해시가 그대로입니다", lang))
    if outputs[3] == outputs[0]:
        problems.append(t("appending a row did not change the hash", "행을 추가해도 해시가 그대로입니다", lang))
    if outputs[4] == outputs[5]:
        problems.append(t('[["ab", "c"]] and [["a", "bc"]] got the same hash: keep field boundaries (e.g. json.dumps)',
                          '[["ab", "c"]]와 [["a", "bc"]]의 해시가 같습니다. 필드 경계가 남도록 직렬화하세요 (예: json.dumps)', lang))
    return problems
