"""Lecture 1, Job 6 — the evaluation tool: a small review-sentiment model, its accuracy per slice
(fairlearn's MetricFrame) and behavioural tests in the style of CheckList / Made With ML.

The reviews are generated like the annotation set of §4, with one more attribute: the *form* of the
phrase — ``plain`` ("Battery: really good.") or ``negated`` ("Battery: not good."). Negated phrases
are rare in the training split and common in the test split, as new phrasings are in production, so
the model's overall accuracy hides a slice where it fails.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..i18n import get_lang, t
from .full_stack_annotation import LABELS, _ASPECTS, _PHRASES, label_name
from .html_template import render_html

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}

FORMS = ("plain", "negated")
FORM_NAMES = {"plain": ("plain", "일반 표현"), "negated": ("negated", "부정 표현")}
SLICE_COLUMNS = ("aspect", "form", "aspect × form")
# Negated phrases and the label they carry: "not good" is negative, "not bad at all" positive.
_NEGATED = {
    "negative": (("not good", "좋지 않아요"), ("not excellent", "훌륭하지 않아요"), ("not as good as expected", "기대만큼 좋지 않아요")),
    "positive": (("not bad at all", "전혀 나쁘지 않아요"), ("not a letdown", "실망스럽지 않아요"), ("not terrible at all", "전혀 최악이 아니에요")),
}


def review_records(n: int, seed: int = 0, negated_share: float = 0.1, lang: str | None = None) -> list[dict[str, str]]:
    """``n`` generated reviews as dicts with ``text``, ``label``, ``aspect`` (English key) and ``form``;
    a share ``negated_share`` of them use a negated phrase."""
    if n < 1 or not 0.0 <= negated_share <= 1.0:
        raise ValueError(f"review_records: need n >= 1 and negated_share in [0, 1], got n={n}, negated_share={negated_share}")
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        aspect = _ASPECTS[rng.integers(len(_ASPECTS))]
        if rng.random() < negated_share:
            label = ("negative", "positive")[rng.integers(2)]
            phrase, form = _NEGATED[label][rng.integers(3)], "negated"
        else:
            label = LABELS[rng.integers(len(LABELS))]
            phrase, form = _PHRASES[label][rng.integers(len(_PHRASES[label]))], "plain"
        records.append({"text": t(f"{aspect[0]}: {phrase[0]}.", f"{aspect[1]}: {phrase[1]}.", lang),
                        "label": label, "aspect": aspect[0], "form": form})
    return records


def train_review_model(seed: int = 0, n: int = 400, lang: str | None = None) -> Any:
    """A scikit-learn pipeline (character n-gram counts + logistic regression) trained on ``n`` generated
    reviews, none of them negated, with 10 % of the labels replaced at random as by a careless annotator.
    Trained once per (seed, n, language): the widget redraws without retraining. Do not refit it."""
    return _trained(seed, n, get_lang() if lang is None else lang)


@lru_cache(maxsize=8)
def _trained(seed: int, n: int, lang: str) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .full_stack_annotation import noisy_annotator

    records = review_records(n, seed=seed, negated_share=0.0, lang=lang)
    labels = noisy_annotator([r["label"] for r in records], 0.1, seed=seed + 7)
    model = make_pipeline(CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)), LogisticRegression(max_iter=1000))
    return model.fit([r["text"] for r in records], labels)


def test_records(seed: int = 1, n: int = 600, lang: str | None = None) -> list[dict[str, str]]:
    """The test split: ``n`` fresh reviews, a quarter of them negated."""
    return review_records(n, seed=seed + 100, negated_share=0.25, lang=lang)


def _slice_keys(records: Sequence[dict[str, str]], by: str, lang: str | None) -> list[str]:
    if by not in SLICE_COLUMNS:
        raise ValueError(f"slice_accuracy: by must be one of {SLICE_COLUMNS}, not {by!r}")
    aspects = dict((en, t(en, ko, lang)) for en, ko in _ASPECTS)
    form = lambda r: t(*FORM_NAMES[r["form"]], lang)  # noqa: E731
    if by == "aspect":
        return [aspects[r["aspect"]] for r in records]
    if by == "form":
        return [form(r) for r in records]
    return [f"{aspects[r['aspect']]} × {form(r)}" for r in records]


def slice_accuracy(records: Sequence[dict[str, str]], predictions: Sequence[str], by: str = "form",
                   lang: str | None = None) -> Any:
    """Accuracy and support per slice (fairlearn's MetricFrame with scikit-learn's accuracy), worst first."""
    import pandas as pd
    from fairlearn.metrics import MetricFrame, count
    from sklearn.metrics import accuracy_score

    if len(records) != len(predictions) or not records:
        raise ValueError(f"slice_accuracy: {len(records)} records but {len(predictions)} predictions")
    frame = MetricFrame(metrics={"accuracy": accuracy_score, "n": count},
                        y_true=[r["label"] for r in records], y_pred=list(predictions),
                        sensitive_features=pd.Series(_slice_keys(records, by, lang), name="slice"))
    table = frame.by_group.reset_index()
    table["n"] = table["n"].astype(int)
    return table.sort_values(["accuracy", "n"], ascending=[True, False]).reset_index(drop=True)


def worst_slice(table: Any, min_size: int = 1) -> dict[str, Any] | None:
    """The slice with the lowest accuracy among those with at least ``min_size`` examples (None if none)."""
    big = table[table["n"] >= min_size]
    if big.empty:
        return None
    row = big.sort_values(["accuracy", "n"], ascending=[True, False]).iloc[0]
    return {"slice": row["slice"], "accuracy": float(row["accuracy"]), "n": int(row["n"])}


def slice_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`slice_report`: the slicing attribute and the smallest slice worth reporting."""
    import ipywidgets as w

    options = [(t("aspect", "속성(aspect)", lang), "aspect"), (t("form", "표현 형태", lang), "form"),
               (t("aspect × form", "속성 × 표현 형태", lang), "aspect × form")]
    return {"by": w.Dropdown(options=options, value="aspect", style=_WIDE, description=t("slice by", "나누는 기준", lang)),
            "min_size": w.IntSlider(value=20, min=1, max=100, style=_WIDE, description=t("min size", "최소 크기", lang))}


_SLICE_TEMPLATE = """
<p>{{ overall }}</p>
{% if worst %}<p style="color:#b3261e"><b>{{ worst }}</b></p>{% else %}<p>{{ none_text }}</p>{% endif %}
"""


def slice_report(by: str = "aspect", min_size: int = 20, seed: int = 0, lang: str | None = None) -> Any:
    """HTML and a bar chart: the review model's accuracy per slice on the test split, the overall accuracy
    as a line, slices smaller than ``min_size`` greyed out and the worst remaining slice in red."""
    import matplotlib.pyplot as plt

    from ..widgets import figure_html

    model = train_review_model(seed, lang=lang)
    records = test_records(seed, lang=lang)
    predictions = model.predict([r["text"] for r in records])
    overall = float(np.mean([p == r["label"] for p, r in zip(predictions, records)]))
    table = slice_accuracy(records, predictions, by, lang)
    worst = worst_slice(table, min_size)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(table) + 1.2))
    colours = ["#cccccc" if n < min_size else ("#b3261e" if worst and s == worst["slice"] else "tab:blue")
               for s, n in zip(table["slice"], table["n"])]
    ax.barh(range(len(table)), table["accuracy"], color=colours)
    ax.set_yticks(range(len(table)), [f"{s} (n={n})" for s, n in zip(table["slice"], table["n"])])
    ax.invert_yaxis()
    ax.axvline(overall, color="black", ls="--", lw=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("accuracy on the test split (dashed: overall)", "테스트 세트 정확도 (점선: 전체)", lang))
    fig.tight_layout()
    text = {
        "overall": t(f"Overall accuracy {overall:.1%} on {len(records)} test reviews.",
                     f"테스트 리뷰 {len(records)}개 전체 정확도 {overall:.1%}.", lang),
        "worst": (t(f"Worst slice with at least {min_size} examples: {worst['slice']}, accuracy {worst['accuracy']:.1%} (n={worst['n']}).",
                    f"예시가 {min_size}개 이상인 슬라이스 중 가장 나쁜 것: {worst['slice']}, 정확도 {worst['accuracy']:.1%} (n={worst['n']}).", lang)
                  if worst else ""),
        "none_text": t(f"No slice has {min_size} examples.", f"예시가 {min_size}개 이상인 슬라이스가 없습니다.", lang),
    }
    summary = render_html(_SLICE_TEMPLATE, **text).data
    return render_html("{{ summary|safe }}{{ chart|safe }}", summary=summary, chart=figure_html(fig))


# ---------------------------------------------------------------------------------------------------
# Behavioural tests (Ribeiro et al. 2020, CheckList; Made With ML, "Testing ML")
# ---------------------------------------------------------------------------------------------------

# Minimum functionality: short, unambiguous cases a sentiment model must get right.
_MFT = ((("Screen", "화면"), ("really good", "정말 좋아요"), "positive"),
        (("Price", "가격"), ("terrible", "최악이에요"), "negative"),
        (("Delivery", "배송"), ("as described", "설명 그대로예요"), "neutral"),
        (("Battery", "배터리"), ("excellent", "훌륭해요"), "positive"),
        (("Packaging", "포장"), ("a real letdown", "실망스러워요"), "negative"))
# Directional: negating a positive phrase must move the prediction away from "positive".
_DIR = ((("really good", "정말 좋아요"), ("not good", "좋지 않아요")),
        (("excellent", "훌륭해요"), ("not excellent", "훌륭하지 않아요")),
        (("better than expected", "기대 이상이에요"), ("not as good as expected", "기대만큼 좋지 않아요")))


def behavioural_cases(lang: str | None = None) -> dict[str, list[Any]]:
    """The three kinds of behavioural test as data.

    ``mft``: (text, expected label); ``inv``: pairs of texts that differ only in the aspect, so the
    prediction must not change; ``dir``: (text, negated text), where the negated text must not be
    predicted positive."""
    mft = [(t(f"{a[0]}: {p[0]}.", f"{a[1]}: {p[1]}.", lang), label) for a, p, label in _MFT]
    inv = []
    for label in LABELS:
        for phrase in _PHRASES[label]:
            texts = [t(f"{a[0]}: {phrase[0]}.", f"{a[1]}: {phrase[1]}.", lang) for a in _ASPECTS]
            inv += [(texts[0], other) for other in texts[1:]]
    dir_ = [(t(f"{a[0]}: {p[0]}.", f"{a[1]}: {p[1]}.", lang), t(f"{a[0]}: {q[0]}.", f"{a[1]}: {q[1]}.", lang))
            for a in _ASPECTS for p, q in _DIR]
    return {"mft": mft, "inv": inv, "dir": dir_}


def run_behavioural_tests(model: Any, lang: str | None = None) -> Any:
    """A DataFrame, one row per kind of test: cases, failures, failure rate and one failing example."""
    import pandas as pd

    cases = behavioural_cases(lang)
    positive = list(model.classes_).index("positive")
    rows = []
    texts = [x for x, _ in cases["mft"]]
    fails = [(x, f"{label_name(y, lang)} → {label_name(p, lang)}") for (x, y), p in zip(cases["mft"], model.predict(texts)) if p != y]
    rows.append((t("minimum functionality (MFT)", "최소 기능 (MFT)", lang), len(texts), fails))
    a, b = model.predict([x for x, _ in cases["inv"]]), model.predict([y for _, y in cases["inv"]])
    fails = [(f"{x} / {y}", f"{label_name(p, lang)} ≠ {label_name(q, lang)}") for (x, y), p, q in zip(cases["inv"], a, b) if p != q]
    rows.append((t("invariance (INV): change the aspect", "불변성 (INV): 속성만 바꾸기", lang), len(cases["inv"]), fails))
    after = model.predict([y for _, y in cases["dir"]])
    p_pos = model.predict_proba([y for _, y in cases["dir"]])[:, positive]
    fails = [(y, f"{label_name(q, lang)}, P(+) = {p:.2f}") for (_, y), q, p in zip(cases["dir"], after, p_pos) if q == "positive"]
    rows.append((t("directional (DIR): negate a positive phrase", "방향성 (DIR): 긍정 표현 부정하기", lang), len(cases["dir"]), fails))
    return pd.DataFrame([{t("test", "테스트", lang): name, t("cases", "케이스 수", lang): n,
                          t("failures", "실패 수", lang): len(f), t("failure rate", "실패율", lang): round(len(f) / n, 3),
                          t("example failure", "실패 예시", lang): (f"{f[0][0]} ({f[0][1]})" if f else "—")}
                         for name, n, f in rows])
