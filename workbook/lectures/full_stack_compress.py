"""Lecture 1, §6 — lightweighting: quantization and distillation (soft targets with SciPy's softmax)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..i18n import t


def quantization_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`quantization_report`: bits per weight."""
    import ipywidgets as w

    return {"bits": w.IntSlider(value=8, min=2, max=16, description=t("bits", "비트", lang))}


def distillation_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`distillation_report`: the temperature."""
    import ipywidgets as w

    return {"temperature": w.FloatSlider(value=4.0, min=0.5, max=20.0, step=0.5, description=t("T", "온도 T", lang))}


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
