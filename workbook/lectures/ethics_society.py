"""Lecture 2 — AI & society and AI & humanity: the AI Now domains, the deepfake types, the climate
areas, the energy and CO₂ of a training run (and its widget's controls), and the data-centre cooling
arithmetic of DeepMind's 2016 result."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..i18n import get_lang, t


# The four families of facial manipulation (Tolosana et al., 2020, "DeepFakes and Beyond").
DEEPFAKE_TYPES: dict[str, tuple[str, str, str]] = {
    "entire face synthesis": ("전체 얼굴 합성", "A face of a person who does not exist, generated from noise (e.g. StyleGAN).",
                              "존재하지 않는 사람의 얼굴을 노이즈에서 생성 (예: StyleGAN)."),
    "identity swap": ("신원 교체", "One person's face replaced by another's in a video.",
                      "영상 속 사람의 얼굴을 다른 사람의 얼굴로 바꿈."),
    "attribute manipulation": ("속성 조작", "Changing hair, age, gender or glasses of a real face.",
                               "실제 얼굴의 머리 모양, 나이, 성별, 안경 등을 바꿈."),
    "expression swap": ("표정 교체", "Transferring another person's facial expression and lip movement (e.g. Face2Face).",
                        "다른 사람의 표정과 입 모양을 옮겨 옴 (예: Face2Face)."),
}

# AI Now 2016 report: domains where automated decisions affect people, and where bias is amplified.
# Each: (Korean name, English example, Korean example).
AI_NOW_DOMAINS: dict[str, tuple[str, str, str]] = {
    "housing": ("주거", "tenant screening, mortgage approval", "임차인 심사, 주택담보대출 승인"),
    "health insurance": ("건강보험", "premiums and coverage from predicted risk", "예측된 위험에 따른 보험료와 보장 범위"),
    "credit": ("신용", "credit scores and loan decisions", "신용 점수와 대출 심사"),
    "employment": ("고용", "CV screening, scheduling, automation of jobs", "이력서 선별, 근무 일정 배정, 일자리 자동화"),
    "legal": ("사법", "risk assessment in bail and sentencing (COMPAS)", "보석과 형량 결정의 위험 평가 (COMPAS)"),
}

# Rolnick et al. (2019), "Tackling Climate Change with Machine Learning": areas discussed in the talk.
# Each: (Korean name, English example, Korean example).
CLIMATE_AREAS: dict[str, tuple[str, str, str]] = {
    "electricity systems": ("전력 시스템", "forecast supply and demand, integrate renewables",
                            "전력 수요와 공급 예측, 재생에너지 연계"),
    "transportation": ("교통·운송", "route and load optimisation, demand modelling", "경로와 적재 최적화, 수요 모델링"),
    "buildings and cities": ("건물과 도시", "smart heating and cooling control", "보일러·냉난방의 스마트 제어"),
    "industry": ("산업", "optimise supply chains and processes", "공급망과 공정 최적화"),
    "farms and forests": ("농업·산림", "precision agriculture, monitor deforestation", "정밀 농업, 산림 파괴 감시"),
    "climate prediction": ("기후 예측", "faster climate models, extreme-event forecasts", "더 빠른 기후 모델, 극한 기상 예측"),
}

CAR_TONNES_PER_YEAR = 4.6  # US EPA: a typical passenger car emits about 4.6 t CO₂ a year

# ------------------------------------------------------------------------------------ society & humanity


def _glossary(entries: Mapping[str, tuple[str, str, str]], en_columns: tuple[str, str],
              ko_columns: tuple[str, str, str]) -> pd.DataFrame:
    """A table of (English name, Korean name, English text, Korean text) entries in the current language:
    the English name and its text in English; in Korean the Korean name, the English one beside it, and
    the Korean text."""
    if get_lang() == "en":
        return pd.DataFrame([(en, text) for en, (_, text, _) in entries.items()], columns=list(en_columns))
    return pd.DataFrame([(ko, en, text) for en, (ko, _, text) in entries.items()], columns=list(ko_columns))


def ai_now_table() -> pd.DataFrame:
    """The AI Now 2016 domains with an example of automated decisions in each."""
    return _glossary(AI_NOW_DOMAINS, ("domain", "automated decisions, e.g."), ("영역", "영어", "자동화된 결정의 예"))


def deepfake_table() -> pd.DataFrame:
    """The four types of facial manipulation, with what each does (in Korean with the English name, which
    the exercise takes as the answer)."""
    return _glossary(DEEPFAKE_TYPES, ("type", "what it does"), ("유형", "영어 이름 (답안용)", "설명"))


def climate_table() -> pd.DataFrame:
    """Rolnick et al. (2019)'s areas where ML can help with climate change."""
    return _glossary(CLIMATE_AREAS, ("area", "ML example"), ("분야", "영어", "ML 활용 예"))


def training_footprint(gpus: int = 8, kw_per_gpu: float = 0.3, hours: float = 240.0, pue: float = 1.5,
                       grid_kg_per_kwh: float = 0.45) -> Any:
    """HTML: the energy (GPUs × kW × hours × PUE) and CO₂ (× grid intensity) of one training run."""
    from IPython.display import HTML

    if min(gpus, kw_per_gpu, hours, grid_kg_per_kwh) < 0 or pue < 1:
        raise ValueError("counts, power, hours and grid intensity must be >= 0, and PUE >= 1")
    kwh = gpus * kw_per_gpu * hours * pue
    tonnes = kwh * grid_kg_per_kwh / 1000
    cars = tonnes / CAR_TONNES_PER_YEAR
    return HTML(
        f"<p>{gpus} × {kw_per_gpu:g} kW × {hours:g} h × PUE {pue:g} = <b>{kwh:,.0f} kWh</b><br>"
        f"× {grid_kg_per_kwh:g} kg CO₂/kWh = <b>{tonnes:,.2f} t CO₂</b> "
        + t(f"≈ {cars:.2f} car-years (a car emits about {CAR_TONNES_PER_YEAR} t a year)",
            f"≈ 승용차 {cars:.2f}대가 1년 동안 내뿜는 양 (승용차 1대는 1년에 약 {CAR_TONNES_PER_YEAR} t 배출)")
        + "</p>"
    )

# Hours a training run may take, one day to over a year. A SelectionSlider shows each value exactly;
# a log slider snaps to powers of its step (240 became 10^2.4 = 251.189).
FOOTPRINT_HOURS = (1, 2, 5, 10, 24, 48, 72, 120, 240, 500, 720, 1000, 2000, 5000, 10000)


def footprint_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`ethics.training_footprint`, at a run of 8 GPUs for 240 hours (ten days)."""
    import ipywidgets as w

    wide = {"description_width": "initial"}  # "kg CO₂/kWh" whole, not cut
    return {"gpus": w.IntSlider(value=8, min=1, max=1024, description="GPUs"),
            "kw_per_gpu": w.FloatSlider(value=0.3, min=0.05, max=1.0, step=0.05, style=wide,
                                        description=t("kW / GPU", "GPU당 kW", lang)),
            "hours": w.SelectionSlider(options=FOOTPRINT_HOURS, value=240, description=t("hours", "시간", lang)),
            "pue": w.FloatSlider(value=1.5, min=1.0, max=2.5, step=0.05, description="PUE"),
            "grid_kg_per_kwh": w.FloatSlider(value=0.45, min=0.0, max=1.0, step=0.01, style=wide, description="kg CO₂/kWh")}


def pue_after_cooling_cut(pue: float, overhead_cut: float = 0.15) -> float:
    """PUE after cutting the overhead (PUE − 1: cooling, power supply) by ``overhead_cut``. DeepMind (2016)
    reported a 40 % cut in cooling energy at a Google data centre, which it put at a 15 % cut in overall
    PUE overhead."""
    if pue < 1 or not 0 <= overhead_cut <= 1:
        raise ValueError(f"pue_after_cooling_cut: need pue >= 1 and overhead_cut in [0, 1], got {pue} and {overhead_cut}")
    return 1 + (pue - 1) * (1 - overhead_cut)
