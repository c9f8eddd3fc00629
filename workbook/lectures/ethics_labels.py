"""Lecture 2 — what COMPAS's label measures: a re-arrest, not a crime.

A reoffence enters the data only if it leads to an arrest. Suppose a score is *equally good for two
groups on what they actually did* (same true reoffence rate, same true positive and false positive
rates) but one group is policed more heavily, so more of its reoffences become arrests. Measured
against arrests, the same score shows different base rates and different error rates: the fairness
metric inherits the measurement's bias (Bao et al. 2021, "It's COMPASlicated").
"""

from __future__ import annotations

from typing import Any

from ..i18n import t

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}


def measured_rates(reoffence_rate: float, arrest_prob: float, tpr: float = 0.7, fpr: float = 0.3) -> dict[str, float]:
    """Base rate, FPR and FNR as the data records them, when a reoffence is recorded (as a re-arrest) with
    probability ``arrest_prob``, independently of the score, and the score flags true reoffenders with
    rate ``tpr`` and non-reoffenders with rate ``fpr``.

    Recorded positives are arrested reoffenders (flagged at ``tpr``); recorded negatives are the
    non-reoffenders plus the reoffenders never arrested, whom the score flags at ``tpr`` too, so they
    count as false positives."""
    for name, value in (("reoffence_rate", reoffence_rate), ("arrest_prob", arrest_prob), ("tpr", tpr), ("fpr", fpr)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"measured_rates: {name} must be in [0, 1], not {value}")
    if not 0.0 < reoffence_rate * arrest_prob < 1.0:
        raise ValueError("measured_rates: need some recorded reoffences and some recorded non-reoffences")
    recorded_positive = reoffence_rate * arrest_prob
    missed = reoffence_rate * (1 - arrest_prob)  # reoffended, never arrested: recorded as "did not reoffend"
    recorded_negative = (1 - reoffence_rate) + missed
    return {"recorded base rate": recorded_positive,
            "measured FPR": (fpr * (1 - reoffence_rate) + tpr * missed) / recorded_negative,
            "measured FNR": 1 - tpr}


def label_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`label_view`: the chance that a reoffence becomes an arrest, per group."""
    import ipywidgets as w

    return {"arrest_a": w.FloatSlider(value=0.8, min=0.1, max=1.0, step=0.05, style=_WIDE, description=t("arrest, group A", "체포율, 집단 A", lang)),
            "arrest_b": w.FloatSlider(value=0.5, min=0.1, max=1.0, step=0.05, style=_WIDE, description=t("arrest, group B", "체포율, 집단 B", lang))}


def label_view(arrest_a: float = 0.8, arrest_b: float = 0.5, reoffence_rate: float = 0.4, lang: str | None = None) -> Any:
    """A DataFrame: the truth (equal for both groups) and what the recorded labels make of the same score."""
    import pandas as pd

    rows = []
    for group, arrest in ((t("group A", "집단 A", lang), arrest_a), (t("group B", "집단 B", lang), arrest_b)):
        m = measured_rates(reoffence_rate, arrest)
        rows.append({t("group", "집단", lang): group, t("true reoffence rate", "실제 재범률", lang): reoffence_rate,
                     t("true FPR", "실제 FPR", lang): 0.3, t("arrest probability", "체포 확률", lang): arrest,
                     t("recorded base rate", "기록된 기저율", lang): round(m["recorded base rate"], 3),
                     t("measured FPR", "측정된 FPR", lang): round(m["measured FPR"], 3),
                     t("measured FNR", "측정된 FNR", lang): round(m["measured FNR"], 3)})
    return pd.DataFrame(rows)
