"""Lecture 3 — Career building in the AI era: the talk's data, widget logic and a property checker.

Everything here is a plain function over plain data so tests can call it without a browser. The four
widgets of the lecture notebook: :func:`path_view` with :func:`path_controls` (through ``live``), and the
hand-built :func:`debt_explorer`, :func:`self_assessment` and :func:`learning_plan_builder`, each
rendering its default without a click and a static fallback in handout mode.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..i18n import get_lang, t
from ..widgets import figure_html, full_text_table, handout_mode

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.figure import Figure

DATA_FILE = "career_talk.json"
SECTIONS = ("debt_boxes", "fsdl_roles", "skills", "factors", "paths", "plan_items", "checklist", "qa")
TRACKS = ("researcher", "engineer")
SCORE_RANGE = (0, 5)
PROFILE_VERSION = 1
ROLE_FIELDS = ("job", "job_ko", "product", "product_ko", "tools", "tools_ko")


# ---------------------------------------------------------------------------------------------- data

def load_talk_data(path: Path) -> dict[str, Any]:
    """Read and validate the talk's data file; raise ValueError naming the file and the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read talk data: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: talk data must be a JSON object")
    for section in SECTIONS:
        rows = data.get(section)
        if not isinstance(rows, list) or not rows:
            raise ValueError(f"{path}: '{section}' must be a non-empty list")
        for index, row in enumerate(rows):
            missing = [f for f in ("key", "en", "ko") if not isinstance(row, dict) or not row.get(f)]
            if missing:
                raise ValueError(f"{path}: {section}[{index}] lacks {', '.join(missing)}")
        keys = [row["key"] for row in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{path}: '{section}' repeats a key")
    if sum(bool(box.get("ml")) for box in data["debt_boxes"]) != 1:
        raise ValueError(f"{path}: exactly one debt box must be marked \"ml\": true")
    if any(not _positive(box.get("size")) for box in data["debt_boxes"]):
        raise ValueError(f"{path}: every debt box needs a positive 'size'")
    for index, role in enumerate(data["fsdl_roles"]):
        missing = [f for f in ROLE_FIELDS if not role.get(f)]
        if missing:
            raise ValueError(f"{path}: fsdl_roles[{index}] lacks {', '.join(missing)}")
    if any(not _positive(item.get("hours")) for item in data["plan_items"]):
        raise ValueError(f"{path}: every plan item needs positive 'hours'")
    for index, item in enumerate(data["checklist"]):
        tracks = item.get("tracks")
        if not isinstance(tracks, list) or not tracks or not set(tracks) <= set(TRACKS):
            raise ValueError(f"{path}: checklist[{index}] needs 'tracks', a non-empty list of {list(TRACKS)}")
    for index, item in enumerate(data["qa"]):
        if not item.get("q_en") or not item.get("q_ko"):
            raise ValueError(f"{path}: qa[{index}] lacks its question (q_en, q_ko)")
    _check_posting(path, data.get("job_posting"))
    factors = {f["key"] for f in data["factors"]}
    for option in data["paths"]:
        if set(option.get("fit", {})) != factors:
            raise ValueError(f"{path}: path {option['key']!r} must give a 'fit' for each factor {sorted(factors)}")
    return data


def _check_posting(path: Path, posting: Any) -> None:
    if not isinstance(posting, dict):
        raise ValueError(f"{path}: 'job_posting' must be an object")
    missing = [f for f in ("provenance_en", "provenance_ko", "title_en", "title_ko") if not posting.get(f)]
    if missing:
        raise ValueError(f"{path}: job_posting lacks {', '.join(missing)}")
    if not (_positive(posting.get("budget_weeks")) and _positive(posting.get("hours_per_week"))):
        raise ValueError(f"{path}: job_posting needs positive 'budget_weeks' and 'hours_per_week'")
    rows = posting.get("requirements")
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{path}: job_posting 'requirements' must be a non-empty list")
    for index, row in enumerate(rows):
        missing = [f for f in ("key", "en", "ko") if not isinstance(row, dict) or not row.get(f)]
        if missing or not isinstance(row.get("must"), bool):
            raise ValueError(f"{path}: job_posting requirements[{index}] needs key, en, ko and must (true/false)")
    if len({row["key"] for row in rows}) != len(rows):
        raise ValueError(f"{path}: job_posting repeats a requirement key")


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


@functools.lru_cache(maxsize=1)
def talk_data() -> dict[str, Any]:
    """The packaged talk data (validated once)."""
    with resources.as_file(resources.files("workbook").joinpath("data", DATA_FILE)) as path:
        return load_talk_data(path)


def label(row: Mapping[str, Any], lang: str | None = None) -> str:
    """A data row's name in the learner's language."""
    return t(row["en"], row["ko"], lang)


def table(section: str, columns: Sequence[str] = ("en", "ko")) -> Any:
    """One section of the talk data as a pandas DataFrame (for the lecture's tables)."""
    import pandas as pd

    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in talk_data()[section]])


def roles_table(lang: str | None = None) -> Any:
    """FSDL's ML roles with their job function, work product and common tools, headed in the learner's
    language. The Korean table keeps each role's English name in its own column: it is the label
    Exercise 4 expects."""
    import pandas as pd

    roles = talk_data()["fsdl_roles"]
    if (lang or get_lang()) == "ko":
        return pd.DataFrame({"역할": [r["ko"] for r in roles], "영문 이름": [r["en"] for r in roles],
                             "하는 일": [r["job_ko"] for r in roles], "결과물": [r["product_ko"] for r in roles],
                             "주요 도구": [r["tools_ko"] for r in roles]})
    return pd.DataFrame({"role": [r["en"] for r in roles], "job function": [r["job"] for r in roles],
                         "work product": [r["product"] for r in roles], "common tools": [r["tools"] for r in roles]})


def roles_view(lang: str | None = None) -> Any:
    """:func:`roles_table` for the notebook: every cell in full (Exercise 4 needs the text)."""
    return full_text_table(roles_table(lang))


# ------------------------------------------------------------------- widget 1: self-assessment radar

def skill_keys() -> list[str]:
    """The skills the talk named, in the talk's order."""
    return [s["key"] for s in talk_data()["skills"]]


def validate_scores(scores: Mapping[str, Any], where: str = "scores") -> dict[str, int]:
    """Scores for exactly the talk's skills, each an integer in 0..5; raise ValueError otherwise."""
    wanted, given = skill_keys(), set(scores)
    if given != set(wanted):
        problems = [f"missing {sorted(set(wanted) - given)}" if set(wanted) - given else "",
                    f"unknown {sorted(given - set(wanted))}" if given - set(wanted) else ""]
        raise ValueError(f"{where}: skills do not match the talk's list: {'; '.join(p for p in problems if p)}")
    low, high = SCORE_RANGE
    for key in wanted:
        value = scores[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}: score for {key!r} must be an integer from {low} to {high}, not {value!r}")
    return {key: scores[key] for key in wanted}


def next_step(scores: Mapping[str, int], lang: str | None = None) -> str:
    """One concrete next step: the action for the weakest skill (the first one on a tie); when every
    skill is 4 or more, the talk's advice to build one strong showcase project."""
    scores = validate_scores(scores)
    weakest = min(skill_keys(), key=lambda k: scores[k])  # min keeps the first of equals: deterministic
    if scores[weakest] >= 4:
        return t("Every skill is strong: put it all into one strong showcase project.",
                 "모든 역량이 4점 이상입니다. 이제 '강력한 한 방'이 될 대표 프로젝트 하나에 힘을 모으세요.", lang)
    skill = next(s for s in talk_data()["skills"] if s["key"] == weakest)
    return f"{label(skill, lang)} ({scores[weakest]}/5): {t(skill['action_en'], skill['action_ko'], lang)}"


def radar_figure(scores: Mapping[str, int], lang: str | None = None) -> Figure:
    """A radar chart of the self-assessment, one spoke per skill, labelled in ``lang``."""
    from matplotlib.figure import Figure

    scores = validate_scores(scores)
    skills = talk_data()["skills"]
    angles = [2 * math.pi * i / len(skills) for i in range(len(skills))]
    values = [scores[s["key"]] for s in skills]
    fig = Figure(figsize=(4.6, 4.6))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)  # the first skill at the top, then clockwise, as radar charts read
    ax.set_theta_direction(-1)
    ax.plot(angles + angles[:1], values + values[:1], color="#0b57d0", linewidth=2)
    ax.fill(angles + angles[:1], values + values[:1], color="#0b57d0", alpha=0.25)
    ax.set_xticks(angles, [label(s, lang) for s in skills], fontsize=8)
    ax.set_ylim(*SCORE_RANGE)
    ax.set_yticks(range(1, SCORE_RANGE[1] + 1))
    fig.suptitle(t("Self-assessment (0–5)", "자기 평가 (0–5점)", lang), fontsize=10)
    fig.tight_layout()
    return fig


def profile_record(scores: Mapping[str, int]) -> dict[str, Any]:
    """The JSON record the learner keeps: scores plus the suggested next step in both languages."""
    scores = validate_scores(scores)
    return {"version": PROFILE_VERSION, "skills": scores,
            "next_step": {"en": next_step(scores, "en"), "ko": next_step(scores, "ko")}}


def save_profile(scores: Mapping[str, int], path: Path) -> Path:
    """Write the learner's profile as JSON to ``path``; return the path."""
    path = Path(path)
    path.write_text(json.dumps(profile_record(scores), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_profile(path: Path) -> dict[str, int]:
    """The skill scores saved in ``path``; raise ValueError naming the file on a bad file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read the profile: {err}") from None
    if not isinstance(data, dict) or data.get("version") != PROFILE_VERSION or not isinstance(data.get("skills"), dict):
        raise ValueError(f"{path}: not a career profile (expected version {PROFILE_VERSION} with 'skills')")
    return validate_scores(data["skills"], where=str(path))


def _html_text(text: str) -> str:
    return f"<div style='margin:4px 0'><b>{html.escape(t('Next step', '다음 단계'))}:</b> {html.escape(text)}</div>"


def self_assessment(path: Path = Path("my_career_profile.json"),
                    start: Mapping[str, int] | None = None) -> ipywidgets.VBox | None:
    """Sliders per skill, a radar chart and a suggested next step, with a button that saves the profile
    to ``path``. Starts from ``start``, else from a profile already saved at ``path``, else 3 everywhere.
    Returns the widget (None in handout mode, where the default chart is shown statically)."""
    import ipywidgets as w
    from IPython.display import Markdown, display

    if start is None:
        start = load_profile(path) if Path(path).exists() else {k: 3 for k in skill_keys()}
    start = validate_scores(start)
    if handout_mode():
        shown = ", ".join(f"{k} = {v}" for k, v in start.items())
        display(Markdown(t(f"*Self-assessment — interactive in JupyterLab; shown here at the scores {shown}.*",
                           f"*자기 평가 — JupyterLab에서는 직접 조작할 수 있습니다. 여기서는 다음 점수로 그렸습니다: {shown}.*")))
        display(radar_figure(start))
        display(Markdown(f"**{t('Next step', '다음 단계')}:** {next_step(start)}"))
        return None
    low, high = SCORE_RANGE
    sliders = {s["key"]: w.IntSlider(value=start[s["key"]], min=low, max=high, description=label(s),
                                     style={"description_width": "14em"}, layout=w.Layout(width="32em"))
               for s in talk_data()["skills"]}
    chart, suggestion = w.HTML(), w.HTML()  # values, not Output widgets: capturing output can hang a headless run
    save = w.Button(description=t("Save my profile", "내 프로필 저장"), icon="save", layout=w.Layout(width="auto"))
    status = w.HTML()

    def scores() -> dict[str, int]:
        return {key: slider.value for key, slider in sliders.items()}

    def refresh(_: Any = None) -> None:
        suggestion.value = _html_text(next_step(scores()))
        status.value = ""
        chart.value = figure_html(radar_figure(scores()))

    def on_save(_: Any) -> None:
        try:
            saved = save_profile(scores(), path)
        except OSError as err:
            status.value = f"<span style='color:#b3261e'>{t('Could not save', '저장하지 못했습니다')}: {html.escape(str(err))}</span>"
            return
        shown = html.escape(str(saved))
        status.value = t(f"Saved to <code>{shown}</code>. Keep this file.", f"<code>{shown}</code>에 저장했습니다. 이 파일을 보관해 두세요.")

    for slider in sliders.values():
        slider.observe(refresh, names="value")
    save.on_click(on_save)
    refresh()
    box = w.VBox([w.HTML(f"<b>{t('Self-assessment', '자기 평가')}</b>"), *sliders.values(), chart, suggestion,
                  w.HBox([save, status])])
    box.sliders, box.suggestion, box.save, box.status = sliders, suggestion, save, status  # the trait-level handles tests use
    display(box)
    return box


# ---------------------------------------------------------------- widget 2: academia vs industry

def path_scores(weights: Mapping[str, float]) -> dict[str, float]:
    """How well each path fits the learner's preference weights: the weighted mean of the path's fit
    per factor, in 0..1. Raise ValueError on an unknown factor, a negative weight or all weights zero."""
    factors = [f["key"] for f in talk_data()["factors"]]
    unknown = set(weights) - set(factors)
    if unknown:
        raise ValueError(f"unknown preference factor(s) {sorted(unknown)}; expected some of {factors}")
    if any(weights.get(f, 0) < 0 for f in factors):
        raise ValueError("preference weights must be zero or more")
    total = sum(weights.get(f, 0) for f in factors)
    if total == 0:
        raise ValueError("give at least one preference a weight above zero")
    return {p["key"]: sum(weights.get(f, 0) * p["fit"][f] for f in factors) / total for p in talk_data()["paths"]}


def recommend_path(weights: Mapping[str, float]) -> str:
    """The key of the best-fitting path (the first listed on a tie)."""
    scores = path_scores(weights)
    return max(scores, key=lambda k: scores[k])


def path_controls() -> dict[str, ipywidgets.IntSlider]:
    """One 0-5 slider per preference factor, at 3, named as :func:`path_view` expects."""
    import ipywidgets as w

    # The layout width matters: a 16em label inside the default 300 px slider leaves the track 0 px wide.
    return {f["key"]: w.IntSlider(value=3, min=0, max=5, description=label(f), style={"description_width": "16em"},
                                  layout=w.Layout(width="34em"))
            for f in talk_data()["factors"]}


def path_verdict(weights: Mapping[str, float], lang: str | None = None) -> str:
    """The recommendation in words: the best path, its fit, and how far ahead of the runner-up it is."""
    scores = path_scores(weights)
    ranked = sorted(talk_data()["paths"], key=lambda p: -scores[p["key"]])  # stable: ties keep the listed order
    best, second = ranked[0], ranked[1]
    gap = scores[best["key"]] - scores[second["key"]]
    close = gap < 0.05
    return t(f"Best fit: {best['en']} ({scores[best['key']]:.2f})"
             + (f" — a near tie with {second['en']} ({scores[second['key']]:.2f}): your weights do not decide it."
                if close else f", {gap:.2f} ahead of {second['en']}."),
             f"가장 잘 맞는 길: {best['ko']} ({scores[best['key']]:.2f})"
             + (f" — {second['ko']}({scores[second['key']]:.2f})도 거의 같은 점수라, 이 가중치로는 어느 쪽인지 정해지지 않습니다."
                if close else f", {second['ko']}보다 {gap:.2f} 높습니다."), lang)


def path_view(**weights: float) -> None:
    """For ``live``: display the verdict in the learner's language and the bar chart; a one-line
    message instead when every weight is zero."""
    from IPython.display import Markdown, display

    if not any(weights.values()):
        display(Markdown(t("Give at least one preference a weight above zero.", "가중치를 적어도 하나는 0보다 크게 주세요.")))
        return
    display(Markdown(f"**{path_verdict(weights)}**"))
    display(path_figure(**weights))


def path_figure(*, lang: str | None = None, **weights: float) -> Figure:
    """Bars of the fit of each path to the weights, the best one green and named in the title, labelled
    in ``lang``."""
    from matplotlib.figure import Figure

    scores, best = path_scores(weights), recommend_path(weights)
    paths = talk_data()["paths"]
    fig = Figure(figsize=(6, 2.4))
    ax = fig.add_subplot()
    colours = ["#1e7e34" if p["key"] == best else "#9aa0a6" for p in paths]
    ax.barh([label(p, lang) for p in paths], [scores[p["key"]] for p in paths], color=colours)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("fit (0–1)", "적합도 (0–1)", lang))
    name = label(next(p for p in paths if p["key"] == best), lang)
    ax.set_title(t(f"Best fit for your weights: {name}", f"내 가중치에 가장 잘 맞는 길: {name}", lang), fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- widget 3: the technical-debt figure

def debt_boxes() -> list[dict[str, Any]]:
    """The boxes of the figure in "Hidden Technical Debt in ML Systems", with approximate sizes."""
    return talk_data()["debt_boxes"]


def treemap(sizes: Mapping[str, float], width: float = 1.0, height: float = 1.0) -> dict[str, tuple[float, float, float, float]]:
    """Rectangles ``(x, y, w, h)`` tiling a ``width`` x ``height`` area, each with area proportional to
    its size: the largest first, in about sqrt(n) rows whose heights follow their sums."""
    items = sorted(((k, float(v)) for k, v in sizes.items()), key=lambda kv: (-kv[1], kv[0]))
    if not items:
        return {}
    if any(v <= 0 for _, v in items):
        raise ValueError("treemap sizes must be positive")
    total, per_row = sum(v for _, v in items), math.ceil(len(items) / round(math.sqrt(len(items))))
    rects, y = {}, 0.0
    for start in range(0, len(items), per_row):
        row = items[start:start + per_row]
        row_sum = sum(v for _, v in row)
        row_height, x = height * row_sum / total, 0.0
        for key, value in row:
            rects[key] = (x, y, width * value / row_sum, row_height)
            x += width * value / row_sum
        y += row_height
    return rects


def default_sizes() -> dict[str, float]:
    """Every box of the figure at its estimated size."""
    return {b["key"]: float(b["size"]) for b in debt_boxes()}


def _ml_key() -> str:
    return next(b["key"] for b in debt_boxes() if b.get("ml"))


def _check_sizes(sizes: Mapping[str, float]) -> None:
    known = {b["key"] for b in debt_boxes()}
    unknown = sorted(set(sizes) - known)
    if unknown:
        raise ValueError(f"unknown box(es) {unknown}; the figure has {sorted(known)}")
    if _ml_key() not in sizes:
        raise ValueError(f"the ML code box ({_ml_key()!r}) is always drawn: give it a size")
    if any(not _positive(v) for v in sizes.values()):
        raise ValueError("box sizes must be positive numbers")


def ml_share(sizes: Mapping[str, float]) -> float:
    """The fraction of the drawn system that is ML code, for the boxes drawn and their sizes."""
    _check_sizes(sizes)
    return sizes[_ml_key()] / sum(sizes.values())


DEBT_AXES_PT = (7 * 72 * 0.95, 4.2 * 72 * 0.85)  # the drawing area of the debt figure, in points


def _em_width(line: str) -> float:
    """A line's approximate width in em: a Hangul syllable is about 1 em wide, other glyphs about 0.6."""
    return sum(0.95 if "가" <= char <= "힣" else 0.6 for char in line)


def _fit_label(name: str, width: float, height: float) -> tuple[str, float]:
    """The label on one line or one word per line, whichever allows the larger font (5-10 pt) in a box
    of ``width`` x ``height`` points; lines are 1.25 em apart."""
    best = (name, 0.0)
    for text in (name, name.replace(" ", "\n")):
        lines = text.split("\n")
        size = min(10.0, 0.9 * width / max(map(_em_width, lines)), 0.85 * height / (1.25 * len(lines)))
        if size > best[1]:
            best = (text, size)
    return best[0], max(5.0, best[1])


def debt_figure(sizes: Mapping[str, float] | None = None, lang: str | None = None) -> Figure:
    """The technical-debt figure as a treemap of the boxes in ``sizes`` (key -> size; default: every
    box at its estimated size), labelled in ``lang``. The ML-code box is drawn black; the title gives
    its share."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    sizes = default_sizes() if sizes is None else dict(sizes)
    share, ml_key = ml_share(sizes), _ml_key()
    names = {b["key"]: label(b, lang) for b in debt_boxes()}
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    for key, (x, y, w_, h) in treemap(sizes, 1.0, 1.0).items():
        is_ml = key == ml_key
        ax.add_patch(Rectangle((x, y), w_, h, facecolor="#202124" if is_ml else "#dbe7fb", edgecolor="white", linewidth=2))
        name, fontsize = _fit_label(names[key], w_ * DEBT_AXES_PT[0], h * DEBT_AXES_PT[1])
        ax.text(x + w_ / 2, y + h / 2, name, ha="center", va="center", fontsize=fontsize,
                color="white" if is_ml else "#202124", clip_on=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)
    ax.set_axis_off()
    ax.set_title(t(f"ML code is {share:.0%} of the system drawn (Sculley et al., NeurIPS 2015, Fig. 1)",
                   f"그림 속 시스템에서 ML 코드의 비중: {share:.0%} (Sculley 외, NeurIPS 2015, 그림 1)", lang), fontsize=10)
    fig.tight_layout()
    return fig


def debt_summary(sizes: Mapping[str, float], lang: str | None = None) -> str:
    """One line on the drawn system: the share of ML code and how many boxes surround it."""
    share, others = ml_share(sizes), len(sizes) - 1
    return t(f"ML code is {share:.0%} of the system drawn; {others} other box(es) around it.",
             f"그림 속 시스템에서 ML 코드는 {share:.0%}이고, 그 주변에 상자가 {others}개 있습니다.", lang)


def debt_explorer() -> ipywidgets.VBox | None:
    """The technical-debt figure with a size slider per box and a checkbox to show or hide each box
    other than ML code. Returns the widget (None in handout mode: the default figure, statically)."""
    import ipywidgets as w
    from IPython.display import Markdown, display

    if handout_mode():
        display(Markdown(t("*Technical-debt figure — interactive in JupyterLab; shown here at the estimated sizes.*",
                           "*기술 부채 그림 — JupyterLab에서는 직접 조작할 수 있습니다. 여기서는 추정 크기로 그렸습니다.*")))
        display(debt_figure())
        display(Markdown(debt_summary(default_sizes())))
        return None
    ml_key, rows = _ml_key(), []
    shown: dict[str, Any] = {}
    size: dict[str, Any] = {}
    for box in debt_boxes():
        key = box["key"]
        size[key] = w.FloatSlider(value=float(box["size"]), min=0.5, max=40.0, step=0.5, readout_format=".1f",
                                  layout=w.Layout(width="22em"))
        if key == ml_key:
            head = w.HTML(f"<b>{html.escape(label(box))}</b>", layout=w.Layout(width="18em"))
        else:
            shown[key] = head = w.Checkbox(value=True, description=label(box), indent=False, layout=w.Layout(width="18em"))
        rows.append(w.HBox([head, size[key]]))
    chart, summary = w.HTML(), w.HTML()

    def sizes() -> dict[str, float]:
        return {key: slider.value for key, slider in size.items() if key == ml_key or shown[key].value}

    def refresh(_: Any = None) -> None:
        for key, box in shown.items():
            size[key].disabled = not box.value  # a hidden box's size has no effect: say so
        summary.value = html.escape(debt_summary(sizes()))
        chart.value = figure_html(debt_figure(sizes()))

    for control in [*size.values(), *shown.values()]:
        control.observe(refresh, names="value")
    refresh()
    box = w.VBox([w.HTML(f"<b>{t('Hidden technical debt: resize or hide the boxes', '숨은 기술 부채: 상자 크기를 바꾸거나 상자를 숨겨 보세요')}</b>"),
                  *rows, summary, chart])
    box.sizes, box.shown, box.summary = size, shown, summary
    display(box)
    return box


def _name_key(text: str) -> str:
    return re.sub(r"[^0-9a-z가-힣]+", "", text.casefold())


def _box_by_name() -> dict[str, str]:
    """Every accepted spelling of each box (English or Korean, any case or spacing) -> its key."""
    names: dict[str, str] = {}
    for box in debt_boxes():
        for text in (box["en"], box["ko"], box["key"]):
            names[_name_key(text)] = box["key"]
    return names


def debt_box_problems(value: Any, lang: str | None = None) -> list[str]:
    """Property checker for "name the non-ML boxes": a list naming each non-ML box of the figure once
    (English or Korean, any case or spacing). Returns the problems found; empty means correct."""
    lang = lang or get_lang()
    if not isinstance(value, (list, tuple, set)) or not all(isinstance(v, str) for v in value):
        return [t("Give a list of box names (strings).", "상자 이름(문자열)을 담은 리스트로 답하세요.", lang)]
    names, boxes = _box_by_name(), {b["key"]: b for b in debt_boxes()}
    found = [names.get(_name_key(v)) for v in value]
    problems = []
    unknown = [v for v, key in zip(value, found) if key is None]
    if unknown:
        problems.append(t(f"Not a box of the figure: {', '.join(map(repr, unknown))}",
                          f"그림에 없는 상자: {', '.join(map(repr, unknown))}", lang))
    if any(key and boxes[key].get("ml") for key in found):
        problems.append(t("Leave out the ML code box itself: the question asks for everything around it.",
                          "ML 코드 상자 자체는 빼세요. 이 문제는 그 주변의 상자들을 묻습니다.", lang))
    repeated = sorted({label(boxes[k], lang) for k in found if k and found.count(k) > 1})
    if repeated:
        problems.append(t(f"Named more than once: {', '.join(repeated)}", f"두 번 이상 적은 상자: {', '.join(repeated)}", lang))
    missing = sum(1 for k, b in boxes.items() if not b.get("ml") and k not in found)
    if missing:
        problems.append(t(f"{missing} box(es) still missing.", f"아직 {missing}개 상자가 빠져 있습니다.", lang))
    return problems


# ---------------------------------------------------------------- widget 4: a learning-plan builder

def plan_items() -> list[dict[str, Any]]:
    """What a plan can contain: Lecture 1's roadmap layers and the talk's "start now" actions."""
    return talk_data()["plan_items"]


def learning_plan(selected: Sequence[str], hours_per_week: int, lang: str | None = None) -> str:
    """A Markdown checklist of the ``selected`` plan items (keys) in the roadmap's order, each with the
    weeks it takes at ``hours_per_week`` (items follow one another). Raise ValueError on bad input."""
    items = {item["key"]: item for item in plan_items()}
    unknown = [k for k in selected if k not in items]
    if unknown:
        raise ValueError(f"unknown plan item(s) {unknown}; choose from {list(items)}")
    if isinstance(hours_per_week, bool) or not isinstance(hours_per_week, int) or hours_per_week <= 0:
        raise ValueError(f"hours_per_week must be a positive integer, not {hours_per_week!r}")
    title = t("# My learning plan", "# 나의 학습 계획", lang)
    chosen = [item for item in plan_items() if item["key"] in set(selected)]
    if not chosen:
        return f"{title}\n\n{t('Pick at least one item.', '항목을 하나 이상 고르세요.', lang)}\n"
    lines, done = [], 0
    for item in chosen:
        first = done // hours_per_week + 1
        done += item["hours"]
        last = math.ceil(done / hours_per_week)
        weeks = f"{first}" if first == last else f"{first}–{last}"
        when = t(f"Week {weeks}" if first == last else f"Weeks {weeks}", f"{weeks}주차", lang)
        lines.append(f"- [ ] {when}: {label(item, lang)} (~{item['hours']} h)")
    total_weeks = math.ceil(done / hours_per_week)
    summary = t(f"{done} h at {hours_per_week} h/week: about {total_weeks} weeks.",
                f"총 {done}시간, 주당 {hours_per_week}시간이면 약 {total_weeks}주가 걸립니다.", lang)
    return "\n".join([title, "", summary, "", *lines]) + "\n"


def export_plan(markdown: str, path: Path) -> Path:
    """Write the plan to ``path``; return the path."""
    path = Path(path)
    path.write_text(markdown, encoding="utf-8")
    return path


DEFAULT_PLAN = ("cs_fundamentals", "ml", "backend", "ops", "showcase")


def learning_plan_builder(path: Path = Path("my_learning_plan.md"), selected: Sequence[str] = DEFAULT_PLAN,
                          hours_per_week: int = 10) -> ipywidgets.VBox | None:
    """Pick plan items and weekly hours, preview the Markdown checklist, export it to ``path`` with a
    button. Returns the widget (None in handout mode, where the default plan is shown statically)."""
    import ipywidgets as w
    from IPython.display import Markdown, display

    if handout_mode():
        display(Markdown(t("*Learning-plan builder — interactive in JupyterLab; here is the default plan:*",
                           "*학습 계획 만들기 — JupyterLab에서는 직접 조작할 수 있습니다. 아래는 기본 계획입니다:*")))
        display(Markdown(learning_plan(selected, hours_per_week)))
        return None
    picker = w.SelectMultiple(options=[(label(i), i["key"]) for i in plan_items()], value=tuple(selected),
                              rows=len(plan_items()), description=t("Items", "항목"), layout=w.Layout(width="40em"))
    hours = w.IntSlider(value=hours_per_week, min=1, max=40, description=t("h / week", "주당 시간"))
    preview = w.HTML()
    # width auto: the default 148 px cuts the label to "Export Markdo…"
    export = w.Button(description=t("Export Markdown", "Markdown 내보내기"), icon="download", layout=w.Layout(width="auto"))
    status = w.HTML()

    def refresh(_: Any = None) -> None:
        preview.value = f"<pre style='white-space:pre-wrap'>{html.escape(learning_plan(picker.value, hours.value))}</pre>"
        status.value = ""

    def on_export(_: Any) -> None:
        try:
            written = export_plan(learning_plan(picker.value, hours.value), path)
        except OSError as err:
            status.value = f"<span style='color:#b3261e'>{t('Could not export', '내보내지 못했습니다')}: {html.escape(str(err))}</span>"
            return
        shown = html.escape(str(written))
        status.value = t(f"Wrote <code>{shown}</code>.", f"<code>{shown}</code>에 저장했습니다.")

    picker.observe(refresh, names="value")
    hours.observe(refresh, names="value")
    export.on_click(on_export)
    refresh()
    box = w.VBox([w.HTML(f"<b>{t('Learning-plan builder', '학습 계획 만들기')}</b>"), picker, hours, preview,
                  w.HBox([export, status])])
    box.picker, box.hours, box.preview, box.export, box.status = picker, hours, preview, export, status
    display(box)
    return box
