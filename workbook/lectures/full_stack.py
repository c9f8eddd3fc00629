"""Lecture 1 — Full Stack ML Engineer: widget logic, the demo model server and property checkers.

Every widget in ``notebooks/01_full_stack_ml.ipynb`` is a plain function here that returns something
displayable, so it is tested without a browser. Exercise answers are not here: the lecture widgets
use the field's libraries (scikit-learn's kappa, SciPy's softmax) or show a related quantity.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import pickle
import re
import threading
import time
import urllib.request
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..i18n import t

# ---------------------------------------------------------------------------------------------------
# Controls of each ``live`` widget in the lecture notebook (name -> stock ipywidget), so the wiring of
# every widget is built here and tested at trait level
# ---------------------------------------------------------------------------------------------------


def team_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`team_coverage`: the roles one person holds."""
    import ipywidgets as w

    return {"roles": w.SelectMultiple(options=role_options(lang), value=("developer", "researcher", "data"),
                                      rows=len(TEAM_ROLES), description=t("roles", "역할", lang))}


def agreement_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`agreement_report`: the annotators' noise."""
    import ipywidgets as w

    return {"noise": w.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description=t("noise", "노이즈", lang))}


def versioning_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`versioning_report`: which row to relabel, and its new label."""
    import ipywidgets as w

    return {"row": w.IntSlider(value=2, min=0, max=5, description=t("row", "행", lang)),
            "label": w.Dropdown(options=label_options(lang), value="negative", description=t("new label", "새 라벨", lang))}


def quantization_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`quantization_report`: bits per weight."""
    import ipywidgets as w

    return {"bits": w.IntSlider(value=8, min=2, max=16, description=t("bits", "비트", lang))}


def distillation_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`distillation_report`: the temperature."""
    import ipywidgets as w

    return {"temperature": w.FloatSlider(value=4.0, min=0.5, max=20.0, step=0.5, description=t("T", "온도 T", lang))}


def capacity_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`capacity_report`: target load, latency per request, workers per machine."""
    import ipywidgets as w

    return {"target_qps": w.IntSlider(value=1000, min=0, max=5000, step=50, description=t("target QPS", "목표 QPS", lang)),
            "latency_ms": w.FloatSlider(value=50, min=5, max=500, step=5, description=t("latency ms", "지연 시간 ms", lang)),
            "workers": w.IntSlider(value=4, min=1, max=16, description=t("workers", "워커 수", lang))}


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
    """One dropdown per key of ``answers``; a change writes the chosen stage into ``answers`` (in place)
    and shows ``feedback(answers)`` plus the dict as source to paste back into the answer cell."""

    def __init__(self, answers: dict[str, Any], stages: Sequence[str], *, name: str = "stage_of",
                 feedback: Callable[[dict[str, Any]], Any] | None = None, lang: str | None = None) -> None:
        import ipywidgets as w

        self.answers, self.name, self.feedback, self.lang = answers, name, feedback, lang
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

    def refresh(self) -> None:
        """Redraw the feedback and the source under the dropdowns."""
        from IPython.display import Markdown

        from ..widgets import to_html

        hint = t("Paste this into the answer cell so it is saved:", "답이 저장되도록 이 코드를 답 셀에 붙여 넣으세요:", self.lang)
        parts = [to_html(self.feedback(self.answers))] if self.feedback is not None else []
        parts.append(to_html(Markdown(f"{hint}\n\n```python\n{dict_source(self.name, self.answers)}\n```")))
        self.output.value = "".join(parts)


# ---------------------------------------------------------------------------------------------------
# Annotation: a generated review set, simulated annotators, an annotation tool, agreement (kappa)
# ---------------------------------------------------------------------------------------------------

LABELS = ("positive", "negative", "neutral")
# What a learner reads for each label; the data keeps the English keys, which the exercises hash.
LABEL_NAMES = {"positive": ("positive", "긍정"), "negative": ("negative", "부정"), "neutral": ("neutral", "중립")}
_ASPECTS = (("Delivery", "배송"), ("Battery", "배터리"), ("Screen", "화면"), ("Price", "가격"),
            ("Customer service", "고객 응대"), ("Packaging", "포장"))
_PHRASES = {
    "positive": (("excellent", "훌륭해요"), ("better than expected", "기대 이상이에요"), ("really good", "정말 좋아요")),
    "negative": (("terrible", "최악이에요"), ("worse than expected", "기대 이하예요"), ("a real letdown", "실망스러워요")),
    "neutral": (("as described", "설명 그대로예요"), ("about average", "보통이에요"), ("nothing special", "특별할 것 없어요")),
}


def label_name(label: str, lang: str | None = None) -> str:
    """The label ``label`` as the learner reads it (a key outside :data:`LABEL_NAMES` as it is)."""
    return t(*LABEL_NAMES[label], lang) if label in LABEL_NAMES else label


def label_options(lang: str | None = None) -> list[tuple[str, str]]:
    """(name, label) pairs for a label selector, in the learner's language."""
    return [(label_name(label, lang), label) for label in LABELS]


def review_items(n: int = 12, seed: int = 0, lang: str | None = None) -> list[tuple[str, str]]:
    """``n`` generated product-review snippets with their intended label: ``[(text, label), ...]``."""
    if n < 1:
        raise ValueError(f"review_items: n must be at least 1, not {n}")
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(n):
        label = LABELS[rng.integers(len(LABELS))]
        aspect = _ASPECTS[rng.integers(len(_ASPECTS))]
        phrase = _PHRASES[label][rng.integers(len(_PHRASES[label]))]
        text = t(f"{aspect[0]}: {phrase[0]}.", f"{aspect[1]}: {phrase[1]}.", lang)
        items.append((text, label))
    return items


def noisy_annotator(truth: Sequence[str], noise: float, seed: int = 0,
                    labels: Sequence[str] = LABELS) -> list[str]:
    """A simulated annotator: keeps each true label, except with probability ``noise`` picks a label
    uniformly at random (which may, by chance, be the true one)."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noisy_annotator: noise must be in [0, 1], not {noise}")
    rng = np.random.default_rng(seed)
    flip = rng.random(len(truth)) < noise
    random_labels = rng.integers(len(labels), size=len(truth))
    return [labels[r] if f else y for y, f, r in zip(truth, flip, random_labels)]


def agreement_curve(noises: Sequence[float], n: int = 300, seed: int = 0) -> list[tuple[float, float, float]]:
    """For each noise level: (noise, raw agreement, Cohen's kappa) of two independent noisy annotators
    labelling the same generated set. Kappa from scikit-learn."""
    from sklearn.metrics import cohen_kappa_score

    truth = [label for _, label in review_items(n, seed)]
    curve = []
    for noise in noises:
        # The same two annotators at every level (same seeds): more noise only adds random labels, so
        # the curve shows the effect of noise rather than sampling luck.
        a = noisy_annotator(truth, noise, seed=seed + 1)
        b = noisy_annotator(truth, noise, seed=seed + 2)
        raw = float(np.mean([x == y for x, y in zip(a, b)]))
        curve.append((float(noise), raw, float(cohen_kappa_score(a, b))))
    return curve


def agreement_report(noise: float, n: int = 300, seed: int = 0, lang: str | None = None) -> Any:
    """A figure: raw agreement and Cohen's kappa of two annotators against annotator noise, with
    ``noise`` marked. Kappa falls faster than raw agreement because chance agreement is removed."""
    import matplotlib.pyplot as plt

    grid = sorted({round(x, 2) for x in np.linspace(0, 1, 21)} | {round(float(noise), 2)})
    curve = agreement_curve(grid, n=n, seed=seed)
    xs, raw, kappa = (list(col) for col in zip(*curve))
    here = next(c for c in curve if c[0] == round(float(noise), 2))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(xs, raw, label=t("raw agreement", "단순 일치율", lang))
    ax.plot(xs, kappa, label=t("Cohen's kappa", "코헨의 카파", lang))
    ax.axhline(1 / len(LABELS), color="grey", lw=0.8, ls=":", label=t("chance (1/3)", "우연 수준 (1/3)", lang))
    ax.axvline(here[0], color="black", lw=0.8, ls="--")
    ax.set_xlabel(t("annotator noise (share of random labels)", "작업자 노이즈 (무작위로 고른 라벨의 비율)", lang))
    ax.set_ylim(-0.2, 1.05)
    ax.set_title(t(f"noise {here[0]:.2f}: agreement {here[1]:.2f}, kappa {here[2]:.2f}",
                   f"노이즈 {here[0]:.2f}: 단순 일치율 {here[1]:.2f}, 카파 {here[2]:.2f}", lang))
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


class AnnotationTool:
    """A small annotation tool: shows one item at a time, a button per label and a box taking the label's
    number from the keyboard; each choice records the label and moves on. When done, compares the learner with a simulated colleague (Cohen's kappa)."""

    def __init__(self, items: Sequence[tuple[str, str]], *, labels: Sequence[str] = LABELS,
                 colleague_noise: float = 0.2, seed: int = 0, lang: str | None = None) -> None:
        import ipywidgets as w

        self.items, self.labels, self.lang = list(items), tuple(labels), lang
        self.colleague = noisy_annotator([y for _, y in self.items], colleague_noise, seed=seed, labels=self.labels)
        self.answers: list[str] = []
        self.buttons = [w.Button(description=f"{i + 1} · {label_name(label, lang)}", tooltip=label)
                        for i, label in enumerate(self.labels)]
        for button, label in zip(self.buttons, self.labels):
            button.on_click(lambda _b, label=label: self.label(label))
        self.undo_button = w.Button(description=t("undo", "되돌리기", lang), icon="undo")
        self.undo_button.on_click(lambda _b: self.undo())
        # Keyboard labelling with stock widgets: a text box sends every keystroke; a digit picks a label.
        self.keys = w.Text(value="", continuous_update=True, layout=w.Layout(width="14em"),
                           placeholder=t(f"or type 1-{len(self.labels)} here", f"또는 여기에 1~{len(self.labels)} 입력", lang))
        self.keys.observe(self._typed, names="value")
        self.view = w.HTML(self.render())
        self.widget = w.VBox([self.view, w.HBox([*self.buttons, self.undo_button]), self.keys])

    @property
    def done(self) -> bool:
        return len(self.answers) == len(self.items)

    def label(self, value: str) -> None:
        """Record ``value`` for the current item and show the next one (ignored once all are done)."""
        if value not in self.labels:
            raise ValueError(f"AnnotationTool: unknown label {value!r}; choose from {self.labels}")
        if not self.done:
            self.answers.append(value)
        self.view.value = self.render()

    def _typed(self, change: dict[str, Any]) -> None:
        key = change["new"][-1:]
        if not key:
            return
        if key.isdigit() and 1 <= int(key) <= len(self.labels):
            self.label(self.labels[int(key) - 1])
        self.keys.value = ""  # ready for the next key; other keys are ignored

    def undo(self) -> None:
        """Forget the last label."""
        if self.answers:
            self.answers.pop()
        self.view.value = self.render()

    def kappa(self) -> float | None:
        """Cohen's kappa (scikit-learn) between the learner's labels so far and the colleague's."""
        from sklearn.metrics import cohen_kappa_score

        k = len(self.answers)
        if k < 2 or len(set(self.answers) | set(self.colleague[:k])) < 2:
            return None  # kappa is undefined while only one label has been used
        return float(cohen_kappa_score(self.answers, self.colleague[:k]))

    def render(self) -> str:
        """The HTML the tool shows now: progress, the current item (or the result), agreement so far."""
        k, total = len(self.answers), len(self.items)
        progress = t(f"Item {min(k + 1, total)} of {total}", f"항목 {min(k + 1, total)} / {total}", self.lang)
        kappa = self.kappa()
        agree = sum(a == b for a, b in zip(self.answers, self.colleague))
        stats = (t(f"Agreement with your colleague so far: {agree}/{k}", f"지금까지 동료와 일치한 항목: {agree}/{k}", self.lang)
                 + (t(f", kappa = {kappa:.2f}", f", 카파 = {kappa:.2f}", self.lang) if kappa is not None else ""))
        if self.done:
            body = t("<b>Done.</b> Compare: raw agreement counts chance matches; kappa does not.",
                     "<b>완료!</b> 비교해 보세요. 단순 일치율은 우연히 맞은 경우까지 세지만, 카파는 그만큼을 뺍니다.", self.lang)
        else:
            body = (f"<div style='font-size:1.3em;padding:8px;border:1px solid #ccc;border-radius:4px'>"
                    f"{html.escape(self.items[k][0])}</div>")
        return f"<div class='annotation-tool'><p>{progress}</p>{body}<p>{stats}</p></div>"


def annotation_tool(items: Sequence[tuple[str, str]], *, lang: str | None = None, **options: Any) -> AnnotationTool | None:
    """Display an :class:`AnnotationTool` (or, in handout mode, a static table of the first items)."""
    from IPython.display import HTML, display

    from ..widgets import handout_mode

    if handout_mode():
        names = " / ".join(label_name(label, lang) for label in LABELS)
        rows = "".join(f"<tr><td>{html.escape(text)}</td><td>{html.escape(names)}</td></tr>" for text, _ in items[:5])
        note = t("In JupyterLab each item gets a button per label:", "JupyterLab에서는 항목마다 라벨별 버튼이 나옵니다:", lang)
        display(HTML(f"<p><i>{note}</i></p><table>{rows}</table>"))
        return None
    tool = AnnotationTool(items, lang=lang, **options)
    display(tool.widget)
    return tool


# ---------------------------------------------------------------------------------------------------
# Data versioning
# ---------------------------------------------------------------------------------------------------


def label_table(n: int = 6, seed: int = 0, lang: str | None = None) -> Any:
    """A small labelled data set as a DataFrame (file, text, label), as an annotation run produces it."""
    import pandas as pd

    items = review_items(n, seed, lang)
    return pd.DataFrame({"file": [f"review_{i:03d}.txt" for i in range(n)],
                         "text": [x for x, _ in items], "label": [y for _, y in items]})


def versioning_report(row: int, label: str, n: int = 6, seed: int = 0, lang: str | None = None) -> Any:
    """HTML: the data set with ``row`` relabelled as ``label``, and the SHA-256 of its CSV file before
    and after. One changed cell gives a new version id; relabelling to the same label does not."""
    from IPython.display import HTML

    before = label_table(n, seed, lang)
    if not 0 <= row < len(before):
        raise ValueError(f"versioning_report: row must be in 0..{len(before) - 1}, not {row}")
    if label not in LABELS:
        raise ValueError(f"versioning_report: label must be one of {LABELS}, not {label!r}")
    after = before.copy()
    after.loc[row, "label"] = label
    # Hash the bytes that would be written to disk: that is what tools such as DVC or git track.
    ids = [hashlib.sha256(df.to_csv(index=False).encode("utf-8")).hexdigest()[:16] for df in (before, after)]
    same = ids[0] == ids[1]
    verdict = (t("same content, same version id", "내용이 같으니 버전 id도 같습니다", lang) if same
               else t("one cell changed, so the version id changed", "셀 하나가 바뀌어 버전 id가 바뀌었습니다", lang))
    # The file keeps its English columns and label keys; only the table the learner reads is translated.
    shown = after.assign(label=[label_name(y, lang) for y in after["label"]]).rename(
        columns={"file": t("file", "파일", lang), "text": t("text", "텍스트", lang), "label": t("label", "라벨", lang)})
    styled = shown.style.apply(lambda r: ["background:#fff3cd" if r.name == row else "" for _ in r], axis=1)
    return HTML(f"<p>v1 <code>{ids[0]}</code> → v2 <code>{ids[1]}</code>: <b>{verdict}</b></p>"
                + styled.hide(axis="index").to_html())


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


# ---------------------------------------------------------------------------------------------------
# Lightweighting: quantization and distillation
# ---------------------------------------------------------------------------------------------------


def demo_weights(n: int = 4096, seed: int = 0) -> np.ndarray:
    """Generated layer weights: mostly small, a few outliers (as trained weights often are)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.05, size=n)
    w[rng.integers(n, size=max(1, n // 500))] *= 8
    return w.astype(np.float32)


def quantization_error(weights: np.ndarray, bits: int) -> float:
    """Mean absolute error after symmetric ``bits``-bit quantization and back (absmax scaling)."""
    if not 2 <= bits <= 32:
        raise ValueError(f"quantization_error: bits must be in 2..32, not {bits}")
    levels = 2 ** (bits - 1) - 1
    scale = float(np.max(np.abs(weights))) / levels or 1.0
    restored = np.clip(np.round(weights / scale), -levels, levels) * scale
    return float(np.mean(np.abs(weights - restored)))


def quantization_report(bits: int, n: int = 4096, seed: int = 0, lang: str | None = None) -> Any:
    """A figure: model size (KB) and mean absolute weight error against bits per weight, ``bits`` marked."""
    import matplotlib.pyplot as plt

    weights = demo_weights(n, seed)
    grid = list(range(2, 17))
    errors = [quantization_error(weights, b) for b in grid]
    size_kb = [n * b / 8 / 1024 for b in grid]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(grid, size_kb, "o-", color="tab:blue")
    ax.set_xlabel(t("bits per weight", "가중치당 비트 수", lang))
    ax.set_ylabel(t("size (KB)", "크기 (KB)", lang), color="tab:blue")
    ax2 = ax.twinx()
    ax2.semilogy(grid, errors, "s-", color="tab:red")
    ax2.set_ylabel(t("mean |error|", "평균 절대 오차", lang), color="tab:red")
    ax.axvline(bits, color="black", lw=0.8, ls="--")
    error = quantization_error(weights, bits)
    ax.set_title(t(f"{bits} bits: {n * bits / 8 / 1024:.1f} KB (float32: {n * 4 / 1024:.0f} KB), error {error:.2e}",
                   f"{bits}비트: {n * bits / 8 / 1024:.1f} KB (float32: {n * 4 / 1024:.0f} KB), 오차 {error:.2e}", lang),
                 fontsize=10)
    fig.tight_layout()
    return fig


TEACHER_CLASSES = ("cat", "dog", "car")
_CLASS_NAMES = {"cat": "고양이", "dog": "개", "car": "자동차"}
TEACHER_LOGITS = (5.0, 3.0, -1.0)


def soft_targets(logits: Sequence[float], temperature: float) -> list[float]:
    """softmax(logits / T) with SciPy: the teacher's soft targets for knowledge distillation."""
    from scipy.special import softmax

    if temperature <= 0:
        raise ValueError(f"soft_targets: temperature must be positive, not {temperature}")
    return [float(p) for p in softmax(np.asarray(logits, dtype=float) / temperature)]


def class_names(lang: str | None = None) -> list[str]:
    """The teacher's classes (:data:`TEACHER_CLASSES`) as the learner reads them."""
    return [t(name, _CLASS_NAMES[name], lang) for name in TEACHER_CLASSES]


def distillation_report(temperature: float, lang: str | None = None) -> Any:
    """A bar chart of a teacher's soft targets over (cat, dog, car) at ``temperature``."""
    import matplotlib.pyplot as plt

    probs = soft_targets(TEACHER_LOGITS, temperature)
    fig, ax = plt.subplots(figsize=(5, 2.8))
    bars = ax.bar(class_names(lang), probs, color=["tab:orange", "tab:green", "tab:grey"])
    ax.bar_label(bars, fmt="%.3f")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel(t("soft target", "소프트 타깃", lang))
    ax.set_title(t(f"teacher on a cat photo, T = {temperature:g}",
                   f"고양이 사진에 대한 교사 모델의 출력, T = {temperature:g}", lang))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------
# Serving: a scikit-learn model behind a real local Flask endpoint
# ---------------------------------------------------------------------------------------------------


def train_demo_model(seed: int = 0) -> tuple[Any, np.ndarray]:
    """A logistic regression on scikit-learn's bundled iris data (no download); returns (model, X)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500, random_state=seed).fit(X, y), X


def model_version(model: Any) -> str:
    """A version id for a trained model: the first 12 hex digits of the SHA-256 of its pickle."""
    return hashlib.sha256(pickle.dumps(model)).hexdigest()[:12]


def make_app(model: Any) -> Any:
    """A Flask app serving ``model``: ``GET /health`` and ``POST /predict`` with ``{"rows": [[...], ...]}``."""
    from flask import Flask, jsonify, request

    app = Flask("full_stack_demo")
    version = model_version(model)

    @app.get("/health")
    def health() -> Any:
        return jsonify(status="ok", model_version=version)

    @app.post("/predict")
    def predict() -> Any:
        payload = request.get_json(silent=True) or {}
        rows = payload.get("rows")
        if not isinstance(rows, list) or not rows:
            return jsonify(error='send JSON {"rows": [[feature, ...], ...]}'), 400
        try:
            predictions = model.predict(np.asarray(rows, dtype=float))
        except ValueError as err:
            return jsonify(error=str(err)), 400
        return jsonify(predictions=[int(p) for p in predictions], model_version=version)

    return app


@contextmanager
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` on ``host`` at a free port in a background thread; yield its base URL; stop it on exit."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """One log line per request would flood the notebook output."""

    server = make_server(host, 0, app, threaded=True, request_handler=QuietHandler)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, name="full-stack-demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def call(url: str, payload: dict[str, Any] | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """GET ``url`` (or POST ``payload`` as JSON) and return the decoded JSON reply."""
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.load(io.TextIOWrapper(reply, encoding="utf-8"))


def measure_latency(url: str, payload: dict[str, Any], n: int = 50) -> list[float]:
    """Milliseconds taken by each of ``n`` sequential POSTs of ``payload`` to ``url``."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call(url, payload)
        times.append((time.perf_counter() - start) * 1000)
    return times


def latency_summary(times_ms: Sequence[float], lang: str | None = None) -> Any:
    """A one-row DataFrame: requests, p50, p95 and max latency (ms), and the QPS one worker could serve."""
    import pandas as pd

    if not times_ms:
        raise ValueError("latency_summary: no latencies measured")
    p50, p95 = np.percentile(times_ms, [50, 95])
    return pd.DataFrame([{t("requests", "요청 수", lang): len(times_ms), "p50 (ms)": round(float(p50), 2),
                          "p95 (ms)": round(float(p95), 2), "max (ms)": round(float(max(times_ms)), 2),
                          t("QPS per worker (1000 / p50)", "워커당 QPS (1000 / p50)", lang): round(1000 / float(p50), 1)}])


def capacity_report(target_qps: int, latency_ms: float, workers: int, lang: str | None = None) -> Any:
    """HTML: how many machines serve ``target_qps`` when one request takes ``latency_ms`` and each machine
    runs ``workers`` workers handling one request at a time."""
    from IPython.display import HTML

    if latency_ms <= 0 or workers < 1 or target_qps < 0:
        raise ValueError("capacity_report: latency_ms must be positive, workers at least 1, target_qps not negative")
    per_worker = 1000.0 / latency_ms
    per_machine = per_worker * workers
    machines = max(1, math.ceil(target_qps / per_machine - 1e-9))  # 1e-9: 240/240 is one machine, not two
    return HTML(t(
        f"<p>One worker: 1000 / {latency_ms:g} ms = <b>{per_worker:.1f}</b> requests/s. One machine with {workers} "
        f"workers: <b>{per_machine:.1f}</b>/s. For {target_qps} QPS you need <b>{machines}</b> machine(s) "
        f"(capacity {machines * per_machine:.0f} QPS).</p>",
        f"<p>워커 하나: 1000 / {latency_ms:g} ms = 초당 <b>{per_worker:.1f}</b>건. 워커 {workers}개를 둔 서버 한 대: "
        f"초당 <b>{per_machine:.1f}</b>건. {target_qps} QPS를 감당하려면 서버 <b>{machines}</b>대가 필요합니다 "
        f"(최대 처리량 {machines * per_machine:.0f} QPS).</p>", lang))
