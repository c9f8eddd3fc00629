"""Lecture 2 — mitigating unfairness with fairlearn on the COMPAS counts, and the accuracy/fairness trade-off.

Three families, all on the 6,150 Black and White defendants (one row each, from the counts):

* **one threshold for everyone** (decile >= k, k = 1..10): the score as it is used;
* **post-processing**, fairlearn's ``ThresholdOptimizer``: group-specific (randomised) thresholds on the
  score, chosen to maximise accuracy under a parity constraint;
* **in-processing**, fairlearn's ``ExponentiatedGradient`` (Agarwal et al. 2018): a randomised mix of
  logistic regressions trained under an equalized-odds constraint with a difference bound ε.

Every model here is evaluated on the data it was fitted on (the point is the trade-off, not a
generalisation estimate), and both mitigations use race at decision time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..i18n import t
from .ethics import GROUPS, expand_to_rows, load_compas

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}

CONSTRAINTS = ("demographic_parity", "equalized_odds", "false_positive_rate_parity")
CONSTRAINT_NAMES = {"demographic_parity": ("demographic parity", "인구통계적 동등성"),
                    "equalized_odds": ("equalized odds", "균등화 오즈"),
                    "false_positive_rate_parity": ("equal FPR", "FPR 동등")}
EG_BOUNDS = (0.01, 0.03, 0.1)
METHODS = ("unmitigated",) + tuple(f"threshold_optimizer:{c}" for c in CONSTRAINTS) + tuple(f"exponentiated_gradient:{b}" for b in EG_BOUNDS)


@lru_cache(maxsize=1)
def compas_xy() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, race) for the defendants, read-only: X holds the decile and a 0/1 column "is Black"; y is
    two-year recidivism."""
    rows = expand_to_rows(load_compas())
    X = np.c_[rows["decile"].to_numpy(), (rows["race"] == "Black").to_numpy().astype(int)]
    arrays = (X, rows["y_true"].to_numpy(), rows["race"].to_numpy())
    for array in arrays:
        array.flags.writeable = False
    return arrays


def scores(y: np.ndarray, y_pred: np.ndarray, race: np.ndarray) -> dict[str, float]:
    """Accuracy, equalized odds difference and demographic parity difference, from scikit-learn's
    confusion matrix per group (the tests check them against fairlearn's ``equalized_odds_difference``
    and ``demographic_parity_difference``; one matrix per group is many times faster than a MetricFrame
    per metric, which keeps the widget quick)."""
    from sklearn.metrics import confusion_matrix

    tpr, fpr, selected = [], [], []
    for group in GROUPS:
        mask = race == group
        (tn, fp), (fn, tp) = confusion_matrix(y[mask], y_pred[mask], labels=[0, 1])
        tpr.append(tp / (tp + fn))
        fpr.append(fp / (fp + tn))
        selected.append((tp + fp) / mask.sum())
    return {"accuracy": float(np.mean(y == y_pred)),
            "equalized odds difference": float(max(np.ptp(tpr), np.ptp(fpr))),
            "demographic parity difference": float(np.ptp(selected))}


def method_name(method: str, lang: str | None = None) -> str:
    """A method key of :data:`METHODS` as the learner reads it."""
    if method == "unmitigated":
        return t("no mitigation (decile ≥ 5)", "완화 없음 (점수 ≥ 5)", lang)
    family, _, arg = method.partition(":")
    if family == "threshold_optimizer" and arg in CONSTRAINTS:
        return f"ThresholdOptimizer — {t(*CONSTRAINT_NAMES[arg], lang)}"
    if family == "exponentiated_gradient" and arg and float(arg) in EG_BOUNDS:
        return t(f"ExponentiatedGradient — equalized odds, ε = {arg}", f"ExponentiatedGradient — 균등화 오즈, ε = {arg}", lang)
    raise ValueError(f"unknown mitigation method {method!r}; choose one of {METHODS}")


def predictions(method: str, seed: int = 0) -> np.ndarray:
    """The 0/1 decisions of ``method`` for every defendant (randomised methods with ``random_state=seed``)."""
    return _predictions(method, seed)


@lru_cache(maxsize=None)  # positional arguments only, so one call shape hits one cache entry
def _predictions(method: str, seed: int) -> np.ndarray:
    from fairlearn.postprocessing import ThresholdOptimizer
    from fairlearn.reductions import EqualizedOdds, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    method_name(method)  # raises on an unknown method
    X, y, race = compas_xy()
    if method == "unmitigated":
        return (X[:, 0] >= 5).astype(int)
    family, _, arg = method.partition(":")
    if family == "threshold_optimizer":
        # The score is the decile; the optimizer only moves each group's threshold (post-processing).
        score = LogisticRegression().fit(X[:, :1], y)
        optimizer = ThresholdOptimizer(estimator=score, constraints=arg, objective="accuracy_score",
                                       predict_method="predict_proba", prefit=True)
        optimizer.fit(X[:, :1], y, sensitive_features=race)
        return np.asarray(optimizer.predict(X[:, :1], sensitive_features=race, random_state=seed), dtype=int)
    mitigator = ExponentiatedGradient(LogisticRegression(solver="liblinear"),
                                      constraints=EqualizedOdds(difference_bound=float(arg)))
    mitigator.fit(X, y, sensitive_features=race)
    return np.asarray(mitigator.predict(X, random_state=seed), dtype=int)


@lru_cache(maxsize=None)
def single_threshold_curve() -> tuple[dict[str, float], ...]:
    """Accuracy and parity differences of "decile >= k" for every k (one threshold for both groups), from
    the confusion counts (:func:`ethics.confusion_counts`; the lecture checks them against fairlearn)."""
    from .ethics import confusion_counts

    table = load_compas()
    curve = []
    for k in range(1, 11):
        c = confusion_counts(table, k).astype(float)
        tpr, fpr = c["TP"] / (c["TP"] + c["FN"]), c["FP"] / (c["FP"] + c["TN"])
        selected = (c["TP"] + c["FP"]) / c.sum(axis=1)
        curve.append({"k": k, "accuracy": float((c["TP"].sum() + c["TN"].sum()) / c.values.sum()),
                      "equalized odds difference": float(max(np.ptp(tpr), np.ptp(fpr))),
                      "demographic parity difference": float(np.ptp(selected))})
    return tuple(curve)


def method_scores(method: str, seed: int = 0) -> dict[str, float]:
    """:func:`scores` of ``method``'s decisions."""
    return dict(_method_scores(method, seed))


@lru_cache(maxsize=None)
def _method_scores(method: str, seed: int) -> tuple[tuple[str, float], ...]:
    _, y, race = compas_xy()
    return tuple(scores(y, predictions(method, seed), race).items())


def rates_by_group(method: str, lang: str | None = None) -> Any:
    """FPR, FNR and selection rate per race for ``method``: fairlearn's MetricFrame."""
    from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

    X, y, race = compas_xy()
    frame = MetricFrame(metrics={"FPR": false_positive_rate, "FNR": false_negative_rate,
                                 t("selection rate", "선택률", lang): selection_rate},
                        y_true=y, y_pred=predictions(method), sensitive_features=race)
    table = frame.by_group.loc[list(GROUPS)]
    table.index.name = t("race", "인종", lang)
    return table


def tradeoff_figure(highlight: str = "unmitigated", lang: str | None = None) -> Any:
    """Accuracy against equalized odds difference: the single-threshold curve, both mitigations, and
    ``highlight`` circled."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4), layout="constrained")
    ax = fig.subplots()
    curve = single_threshold_curve()
    ax.plot([c["equalized odds difference"] for c in curve], [c["accuracy"] for c in curve], "o-", color="grey",
            label=t("one threshold for all, decile ≥ k", "모두에게 같은 임계값, 점수 ≥ k", lang))
    for c in curve:
        ax.annotate(str(c["k"]), (c["equalized odds difference"], c["accuracy"]), textcoords="offset points",
                    xytext=(4, 3), fontsize=7, color="grey")
    styles = {"threshold_optimizer": ("s", "tab:blue"), "exponentiated_gradient": ("^", "tab:orange")}
    for method in METHODS[1:]:
        marker, colour = styles[method.partition(":")[0]]
        s = method_scores(method)
        ax.scatter(s["equalized odds difference"], s["accuracy"], marker=marker, color=colour, s=50,
                   label=method_name(method, lang))
    chosen = method_scores(highlight)
    ax.scatter(chosen["equalized odds difference"], chosen["accuracy"], s=260, facecolors="none",
               edgecolors="black", linewidths=1.5)
    ax.set_xlabel(t("equalized odds difference (0 = equal error rates)", "균등화 오즈 차이 (0 = 오류율 같음)", lang))
    ax.set_ylabel(t("accuracy", "정확도", lang))
    ax.set_title(t("Fairness costs little accuracy here, but it is not free", "공정성의 대가: 정확도가 조금 떨어진다", lang))
    ax.legend(fontsize=7, loc="lower right")
    return fig


def mitigation_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`mitigation_view`: the method."""
    import ipywidgets as w

    return {"method": w.Dropdown(options=[(method_name(m, lang), m) for m in METHODS], value="unmitigated",
                                 style=_WIDE, description=t("method", "방법", lang), layout=w.Layout(width="34em"))}


def mitigation_view(method: str = "unmitigated", lang: str | None = None) -> Any:
    """HTML: ``method``'s rates per race, its accuracy and parity differences, above :func:`tradeoff_figure`."""
    from ..widgets import figure_html
    from .html_template import render_html

    s = method_scores(method)
    rates = rates_by_group(method, lang)
    summary = t(f"accuracy {s['accuracy']:.3f}, equalized odds difference {s['equalized odds difference']:.3f}, "
                f"demographic parity difference {s['demographic parity difference']:.3f}",
                f"정확도 {s['accuracy']:.3f}, 균등화 오즈 차이 {s['equalized odds difference']:.3f}, "
                f"인구통계적 동등성 차이 {s['demographic parity difference']:.3f}", lang)
    return render_html("<p><b>{{ name }}</b>: {{ summary }}</p>{{ table|safe }}{{ chart|safe }}",
                       name=method_name(method, lang), summary=summary,
                       table=(rates * 100).round(1).to_html(float_format=lambda v: f"{v:.1f} %", border=0),
                       chart=figure_html(tradeoff_figure(method, lang)))
