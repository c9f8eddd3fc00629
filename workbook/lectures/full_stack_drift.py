"""Lecture 1 — monitoring the served model: data drift between the training inputs and a live stream.

Two standard statistics per feature: the population stability index (PSI, a binned symmetric KL
divergence used in credit scoring; rule of thumb: < 0.1 stable, 0.1–0.2 watch, > 0.2 drift) and the
two-sample Kolmogorov–Smirnov test (SciPy). An alert is raised when either crosses its threshold.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..i18n import t
from .html_template import render_html

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}

PSI_ALERT = 0.2
KS_P_ALERT = 0.01
IRIS_FEATURES = (("sepal length", "꽃받침 길이"), ("sepal width", "꽃받침 너비"),
                 ("petal length", "꽃잎 길이"), ("petal width", "꽃잎 너비"))
SHIFTED_FEATURE = 2  # petal length: the feature the new device measures differently


def psi(reference: Sequence[float], current: Sequence[float], bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference``: sum over bins of
    (cur% − ref%) · ln(cur% / ref%), the bins being deciles of the reference (open at both ends).
    Empty bins count as a share of 1e-4, so the index stays finite."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    if reference.size < bins or current.size == 0:
        raise ValueError(f"psi: need at least {bins} reference values and one current value, "
                         f"got {reference.size} and {current.size}")
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    ref = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=edges.size + 1) / reference.size
    cur = np.bincount(np.searchsorted(edges, current, side="right"), minlength=edges.size + 1) / current.size
    ref, cur = np.clip(ref, 1e-4, None), np.clip(cur, 1e-4, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def drift_table(reference: np.ndarray, current: np.ndarray, names: Sequence[str], lang: str | None = None) -> Any:
    """A DataFrame, one row per feature (column): PSI, the KS statistic and its p-value (SciPy's
    ``ks_2samp``), and whether it raises an alert."""
    import pandas as pd
    from scipy.stats import ks_2samp

    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    if reference.ndim != 2 or current.ndim != 2 or not reference.shape[1] == current.shape[1] == len(names):
        raise ValueError(f"drift_table: need two 2-d arrays with {len(names)} columns, "
                         f"got shapes {reference.shape} and {current.shape}")
    rows = []
    for j, name in enumerate(names):
        ks = ks_2samp(reference[:, j], current[:, j])
        index = psi(reference[:, j], current[:, j])
        alert = index > PSI_ALERT or ks.pvalue < KS_P_ALERT
        rows.append({t("feature", "특성", lang): name, "PSI": round(index, 3), "KS": round(float(ks.statistic), 3),
                     t("KS p-value", "KS p값", lang): f"{ks.pvalue:.2g}",
                     t("alert", "경보", lang): "⚠" if alert else "—"})
    return pd.DataFrame(rows)


def served_stream(X: np.ndarray, shift: float, n: int = 500, seed: int = 0) -> np.ndarray:
    """``n`` requests to the served model: training rows drawn with replacement plus measurement noise (0.2 cm), with
    ``shift`` standard deviations added to petal length (say, a new measuring device in the field)."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=float)
    rows = X[rng.integers(len(X), size=n)] + rng.normal(0, 0.2, size=(n, X.shape[1]))
    rows[:, SHIFTED_FEATURE] += shift * X[:, SHIFTED_FEATURE].std()
    return rows


def drift_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`drift_report`: how far the live stream has shifted."""
    import ipywidgets as w

    return {"shift": w.FloatSlider(value=0.5, min=0.0, max=2.0, step=0.1, style=_WIDE, description=t("shift (SD)", "이동 (표준편차)", lang))}


_DRIFT_TEMPLATE = """
{% if alerts %}<p style="color:#b3261e"><b>⚠ {{ alert_text }}</b></p>{% else %}<p style="color:#1e7e34"><b>{{ ok_text }}</b></p>{% endif %}
{{ table|safe }}
<p>{{ prediction_text }}</p>
{{ chart|safe }}
"""


def drift_report(shift: float = 0.5, seed: int = 0, lang: str | None = None) -> Any:
    """HTML: the drift table of a live stream shifted by ``shift`` SD against a reference window, the alert
    it raises, how the model's predicted classes moved, and the shifted feature's two histograms."""
    import matplotlib.pyplot as plt

    from ..widgets import figure_html
    from .full_stack_serving import train_demo_model

    model, X = train_demo_model(seed)
    # The reference is a window of requests from when the model was validated, drawn the same way.
    reference = served_stream(X, 0.0, seed=seed + 1)
    live_rows = served_stream(X, shift, seed=seed)
    names = [t(en, ko, lang) for en, ko in IRIS_FEATURES]
    table = drift_table(reference, live_rows, names, lang)
    alerts = [name for name, flag in zip(names, table.iloc[:, -1]) if flag == "⚠"]
    before = np.bincount(model.predict(reference), minlength=3) / len(reference)
    after = np.bincount(model.predict(live_rows), minlength=3) / len(live_rows)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(reference[:, SHIFTED_FEATURE], bins=30, alpha=0.6, density=True, label=t("reference window", "기준 구간", lang))
    ax.hist(live_rows[:, SHIFTED_FEATURE], bins=30, alpha=0.6, density=True, label=t("live stream", "서비스 입력", lang))
    ax.set_xlabel(names[SHIFTED_FEATURE] + " (cm)")
    ax.legend(loc="upper right")
    fig.tight_layout()
    shares = lambda p: ", ".join(f"{x:.0%}" for x in p)  # noqa: E731
    return render_html(
        _DRIFT_TEMPLATE, alerts=alerts, table=table.to_html(index=False, border=0), chart=figure_html(fig),
        alert_text=t(f"Drift alert: {', '.join(alerts)} (PSI > {PSI_ALERT} or KS p < {KS_P_ALERT}). Check the input pipeline; retrain if the new inputs are right.",
                     f"드리프트 경보: {', '.join(alerts)} (PSI > {PSI_ALERT} 또는 KS p < {KS_P_ALERT}). 입력 파이프라인을 점검하고, 새 입력이 맞다면 재학습하세요.", lang),
        ok_text=t("No drift alert.", "드리프트 경보 없음.", lang),
        prediction_text=t(f"Predicted class shares (setosa, versicolor, virginica): reference {shares(before)} → live {shares(after)}.",
                          f"예측 클래스 비율 (setosa, versicolor, virginica): 기준 구간 {shares(before)} → 서비스 {shares(after)}.", lang))
