"""Lecture 2 — AI & humanity: the controls of the training-footprint widget and the data-centre cooling
arithmetic of DeepMind's 2016 result."""

from __future__ import annotations

from typing import Any

from ..i18n import t

# Hours a training run may take, one day to over a year. A SelectionSlider shows each value exactly;
# a log slider snaps to powers of its step (240 became 10^2.4 = 251.189).
FOOTPRINT_HOURS = (1, 2, 5, 10, 24, 48, 72, 120, 240, 500, 720, 1000, 2000, 5000, 10000)


def footprint_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`ethics.training_footprint`, at a run of 8 GPUs for 240 hours (ten days)."""
    import ipywidgets as w

    return {"gpus": w.IntSlider(value=8, min=1, max=1024, description="GPUs"),
            "kw_per_gpu": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, description=t("kW / GPU", "GPU당 kW", lang)),
            "hours": w.SelectionSlider(options=FOOTPRINT_HOURS, value=240, description=t("hours", "시간", lang)),
            "pue": w.FloatSlider(value=1.5, min=1.0, max=2.5, step=0.05, description="PUE"),
            "grid_kg_per_kwh": w.FloatSlider(value=0.45, min=0.0, max=1.0, step=0.01, description="kg CO₂/kWh")}


def pue_after_cooling_cut(pue: float, overhead_cut: float = 0.15) -> float:
    """PUE after cutting the overhead (PUE − 1: cooling, power supply) by ``overhead_cut``. DeepMind (2016)
    reported a 40 % cut in cooling energy at a Google data centre, which it put at a 15 % cut in overall
    PUE overhead."""
    if pue < 1 or not 0 <= overhead_cut <= 1:
        raise ValueError(f"pue_after_cooling_cut: need pue >= 1 and overhead_cut in [0, 1], got {pue} and {overhead_cut}")
    return 1 + (pue - 1) * (1 - overhead_cut)
