"""Lecture 2 — AI ethics: the plain functions behind its widgets, data loader and property checker.

Covers a quiz on the five ways bias enters (Barocas & Selbst), the COMPAS counts (ProPublica, 2016)
and their error rates per group (checked against fairlearn), Chouldechova's identity,
group-specific thresholds, rotating contact-tracing tokens, the Laplace mechanism, k-anonymity, and
the energy and CO₂ of training a model. Every widget function returns something displayable and takes
plain values, so tests call it without a browser.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..i18n import get_lang, t

COMPAS_FILE = "compas_race_decile_recid.csv"
COMPAS_COLUMNS = ("race", "decile", "two_year_recid", "defendants")
GROUPS = ("Black", "White")
DECILES = tuple(range(1, 11))
PROPUBLICA_THRESHOLD = 5  # decile >= 5 is "Medium" or "High" risk, ProPublica's positive prediction

# Barocas & Selbst (2016), "Big Data's Disparate Impact": five ways bias enters a model.
MECHANISMS: dict[str, dict[str, str]] = {
    "target variable": {
        "ko": "목표 변수와 클래스 레이블 정의",
        "en_what": "Choosing what to predict (the target) and how to split it into classes already encodes a judgement.",
        "ko_what": "무엇을 예측할지(목표 변수)와 그것을 어떤 클래스로 나눌지 정하는 순간 이미 판단이 들어갑니다.",
        "en_example": "Defining a 'good employee' as one who stays long penalises groups who move more often.",
        "ko_example": "'좋은 직원'을 오래 근무한 사람으로 정의하면 이직이 잦은 집단이 불리해집니다.",
    },
    "labelling": {
        "ko": "학습 데이터의 레이블링",
        "en_what": "Labels made by people (or by past decisions) carry their prejudice into the training data.",
        "ko_what": "사람이나 과거의 결정이 붙인 레이블에는 그 편견이 그대로 담깁니다.",
        "en_example": "Training on past hiring decisions teaches the model the recruiters' old preferences.",
        "ko_example": "과거 채용 결정으로 학습하면 채용 담당자의 예전 선호를 그대로 배웁니다.",
    },
    "data collection": {
        "ko": "데이터 수집",
        "en_what": "Some groups are under- or over-represented in the data that was collected.",
        "ko_what": "수집된 데이터에서 어떤 집단은 너무 적게, 어떤 집단은 너무 많이 나타납니다.",
        "en_example": "A pothole app reports more from neighbourhoods where more people own smartphones.",
        "ko_example": "포트홀 신고 앱은 스마트폰 보급률이 높은 동네에서 더 많이 신고됩니다.",
    },
    "feature selection": {
        "ko": "특성 선택",
        "en_what": "The chosen features describe some groups too coarsely to tell their members apart.",
        "ko_what": "선택한 특성이 어떤 집단을 너무 거칠게 묘사해서 구성원을 구분하지 못합니다.",
        "en_example": "Ranking applicants by the prestige of their university ignores skills gained elsewhere.",
        "ko_example": "출신 대학의 명성으로 지원자를 평가하면 다른 곳에서 얻은 역량을 무시하게 됩니다.",
    },
    "proxies": {
        "ko": "대리 변수",
        "en_what": "A harmless-looking feature is correlated with a protected attribute and stands in for it.",
        "ko_what": "겉보기엔 무해한 특성이 보호 속성과 상관되어 그 속성을 대신합니다.",
        "en_example": "A postcode can encode race even when race itself is removed from the data.",
        "ko_example": "인종 정보를 지워도 우편번호가 인종을 대신 나타낼 수 있습니다.",
    },
}

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


# ------------------------------------------------------------------------------------ figure text

# The groups' names in figure text; the data keeps ProPublica's "Black" and "White".
GROUP_NAMES_KO = {"Black": "흑인", "White": "백인"}


def _group(group: str, lang: str | None) -> str:
    """A group's name as a figure shows it in ``lang``."""
    return t(group, GROUP_NAMES_KO[group], lang)


# ---------------------------------------------------------------------------------------------- bias


def mechanism_label(mechanism: str) -> str:
    """The mechanism as a learner reads it: the English key in English; in Korean the Korean name with the
    key (the answer the exercises take) in parentheses."""
    return t(mechanism, f"{MECHANISMS[mechanism]['ko']} ({mechanism})")


def mechanism_card(mechanism: str = "target variable") -> Any:
    """HTML explaining one of Barocas & Selbst's five mechanisms, with an example, in the current language."""
    from IPython.display import HTML

    if mechanism not in MECHANISMS:
        raise ValueError(f"unknown mechanism {mechanism!r}; choose one of {sorted(MECHANISMS)}")
    info = MECHANISMS[mechanism]
    what = t(info["en_what"], info["ko_what"])
    example = t(info["en_example"], info["ko_example"])
    return HTML(
        f"<div style='border:1px solid #ccc;border-radius:4px;padding:8px 12px'>"
        f"<b>{html.escape(mechanism_label(mechanism))}</b><br>{html.escape(what)}<br>"
        f"<i>{t('Example', '예시')}:</i> {html.escape(example)}</div>"
    )


# The lecture's quiz asks for the mechanism behind each card's example, in an order unlike the list's.
QUIZ_ORDER = ("proxies", "data collection", "target variable", "feature selection", "labelling")


def mechanism_quiz(scenario: int = 1, guess: str = "") -> Any:
    """HTML: scenario ``scenario`` (1-5) of the lecture's quiz and a verdict on ``guess`` (a mechanism);
    with no guess yet, the five mechanisms to choose from."""
    from IPython.display import HTML

    if not 1 <= scenario <= len(QUIZ_ORDER):
        raise ValueError(f"scenario must be 1-{len(QUIZ_ORDER)}, not {scenario!r}")
    if guess and guess not in MECHANISMS:
        raise ValueError(f"unknown mechanism {guess!r}; choose one of {sorted(MECHANISMS)}")
    answer = QUIZ_ORDER[scenario - 1]
    info = MECHANISMS[answer]
    head = f"<p><b>{t('Scenario', '사례')} {scenario}:</b> {html.escape(t(info['en_example'], info['ko_example']))}</p>"
    if not guess:
        options = "".join(f"<li><b>{html.escape(mechanism_label(m))}</b>: {html.escape(t(i['en_what'], i['ko_what']))}</li>"
                          for m, i in MECHANISMS.items())
        return HTML(head + f"<p>{t('Which mechanism is it?', '편향은 어느 경로로 들어왔을까요?')}</p><ul>{options}</ul>")
    if guess == answer:
        return HTML(head + f"<p style='color:#1e7e34'>✔ {t('Right', '정답입니다')}</p>" + mechanism_card(answer).data)
    wrong = MECHANISMS[guess]
    return HTML(head + f"<p style='color:#b3261e'>✘ {t('Not', '정답이 아닙니다.')} <b>{html.escape(mechanism_label(guess))}</b>: "
                f"{html.escape(t(wrong['en_what'], wrong['ko_what']))} {t('Try another.', '다른 경로를 골라 보세요.')}</p>")


# --------------------------------------------------------------------------------------------- COMPAS


def load_compas(path: Path | str | None = None) -> pd.DataFrame:
    """The COMPAS counts: one row per race × decile × two-year recidivism, with the number of defendants.

    Raises ValueError naming the file and the problem when the file is not that table.
    """
    source = Path(path) if path else Path(str(resources.files("workbook").joinpath("data", COMPAS_FILE)))
    try:
        table = pd.read_csv(source)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{source}: cannot read the COMPAS table: {str(err).splitlines()[0]}") from None
    if tuple(table.columns) != COMPAS_COLUMNS:
        raise ValueError(f"{source}: columns must be {','.join(COMPAS_COLUMNS)}, found {','.join(map(str, table.columns))}")
    for column in COMPAS_COLUMNS[1:]:
        if not pd.api.types.is_integer_dtype(table[column]):
            raise ValueError(f"{source}: column {column!r} must hold whole numbers")
    if (table["defendants"] < 0).any():
        raise ValueError(f"{source}: a count of defendants is negative")
    cells = set(zip(table["race"], table["decile"], table["two_year_recid"]))
    wanted = {(race, decile, recid) for race in GROUPS for decile in DECILES for recid in (0, 1)}
    if cells != wanted or len(table) != len(wanted):
        raise ValueError(f"{source}: needs exactly one row per race {GROUPS} × decile 1-10 × two_year_recid 0/1")
    return table


def _thresholds(threshold: int | Mapping[str, int]) -> dict[str, int]:
    chosen = dict(threshold) if isinstance(threshold, Mapping) else {group: threshold for group in GROUPS}
    for group in GROUPS:
        value = chosen.get(group)
        if not isinstance(value, (int, np.integer)) or not 1 <= value <= 10:
            raise ValueError(f"threshold for {group} must be a whole decile 1-10, not {value!r}")
    return chosen


def confusion_counts(table: pd.DataFrame, threshold: int | Mapping[str, int] = PROPUBLICA_THRESHOLD) -> pd.DataFrame:
    """TN, FP, FN, TP per race when "high risk" means decile >= threshold (one threshold, or one per race)."""
    cut = _thresholds(threshold)
    positive = table["decile"] >= table["race"].map(cut)
    reoffended = table["two_year_recid"] == 1
    cells = {"TN": ~positive & ~reoffended, "FP": positive & ~reoffended,
             "FN": ~positive & reoffended, "TP": positive & reoffended}
    counts = {name: table["defendants"].where(mask, 0).groupby(table["race"]).sum() for name, mask in cells.items()}
    return pd.DataFrame(counts).loc[list(GROUPS)]


def group_rates(table: pd.DataFrame, threshold: int | Mapping[str, int] = PROPUBLICA_THRESHOLD) -> pd.DataFrame:
    """FPR, FNR, PPV, selection rate and base rate per race, computed from the counts."""
    c = confusion_counts(table, threshold).astype(float)
    total = c.sum(axis=1)
    predicted = c["TP"] + c["FP"]
    rates = pd.DataFrame({
        "FPR": c["FP"] / (c["FP"] + c["TN"]),
        "FNR": c["FN"] / (c["FN"] + c["TP"]),
        "PPV": c["TP"] / predicted.where(predicted > 0),  # no one flagged: PPV is undefined, not 0
        "selection rate": predicted / total,
        "base rate": (c["TP"] + c["FN"]) / total,
    })
    rates.index.name = "race"
    return rates


def expand_to_rows(table: pd.DataFrame, threshold: int | Mapping[str, int] = PROPUBLICA_THRESHOLD) -> pd.DataFrame:
    """One row per defendant (race, decile, y_true, y_pred): the form fairlearn and scikit-learn take."""
    cut = _thresholds(threshold)
    rows = table.loc[table.index.repeat(table["defendants"]), ["race", "decile", "two_year_recid"]]
    rows = rows.rename(columns={"two_year_recid": "y_true"}).reset_index(drop=True)
    rows["y_pred"] = (rows["decile"] >= rows["race"].map(cut)).astype(int)
    return rows


def _sk_fpr(y_true: Any, y_pred: Any) -> float:
    """FPR with scikit-learn: 1 − recall of the negative class (specificity)."""
    from sklearn.metrics import recall_score

    return 1 - recall_score(y_true, y_pred, pos_label=0)


def _sk_fnr(y_true: Any, y_pred: Any) -> float:
    """FNR with scikit-learn: 1 − recall of the positive class."""
    from sklearn.metrics import recall_score

    return 1 - recall_score(y_true, y_pred, pos_label=1)


def _sk_ppv(y_true: Any, y_pred: Any) -> float:
    """PPV with scikit-learn: precision; undefined (NaN) when no one is flagged."""
    from sklearn.metrics import precision_score

    return precision_score(y_true, y_pred, zero_division=np.nan)


def fairlearn_rates(table: pd.DataFrame, threshold: int | Mapping[str, int] = PROPUBLICA_THRESHOLD) -> pd.DataFrame:
    """FPR, FNR, PPV and selection rate per race: fairlearn's MetricFrame with scikit-learn metrics on the
    table expanded to one row per defendant."""
    from fairlearn.metrics import MetricFrame, selection_rate

    rows = expand_to_rows(table, threshold)
    frame = MetricFrame(
        metrics={"FPR": _sk_fpr, "FNR": _sk_fnr, "PPV": _sk_ppv, "selection rate": selection_rate},
        y_true=rows["y_true"], y_pred=rows["y_pred"], sensitive_features=rows["race"],
    )
    return frame.by_group.loc[list(GROUPS)]


RATE_NAMES_KO = {"FPR": "FPR", "FNR": "FNR", "PPV": "PPV", "selection rate": "선택률", "base rate": "기저율"}


def compas_figure(threshold: int = PROPUBLICA_THRESHOLD, lang: str | None = None) -> Any:
    """A figure for one threshold: each race's confusion matrix, and FPR, FNR, PPV, selection rate side by side,
    its text in ``lang`` (default: the current language)."""
    from matplotlib.figure import Figure

    table = load_compas()
    counts, rates = confusion_counts(table, threshold), group_rates(table, threshold)
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.7])
    labels = [t("did not reoffend", "재범 안 함", lang), t("reoffended", "재범함", lang)]
    for ax, group in zip(axes[:2], GROUPS):
        c = counts.loc[group]
        matrix = np.array([[c["TN"], c["FP"]], [c["FN"], c["TP"]]])
        ax.imshow(matrix, cmap="Blues")
        middle = (matrix.min() + matrix.max()) / 2  # imshow spans the colours from min to max
        for (i, j), n in np.ndenumerate(matrix):
            ax.text(j, i, f"{n}\n{['TN', 'FP', 'FN', 'TP'][2 * i + j]}", ha="center", va="center",
                    color="white" if n > middle else "black")
        ax.set_xticks([0, 1], [t("low risk", "저위험", lang), t("high risk", "고위험", lang)])
        ax.set_yticks([0, 1], labels)
        ax.set_title(f"{_group(group, lang)} (n={int(matrix.sum())})")
    shown = rates[["FPR", "FNR", "PPV", "selection rate"]]
    x = np.arange(len(shown.columns))
    for offset, group in ((-0.2, GROUPS[0]), (0.2, GROUPS[1])):
        bars = axes[2].bar(x + offset, shown.loc[group], width=0.4, label=_group(group, lang))
        axes[2].bar_label(bars, labels=[f"{v:.1%}" for v in shown.loc[group]], fontsize=8)
    axes[2].set_xticks(x, [t(name, RATE_NAMES_KO[name], lang) for name in shown.columns])
    axes[2].set_ylim(0, 1.1)
    axes[2].legend(loc="upper right")
    axes[2].set_title(t(f"high risk = decile ≥ {threshold}", f"고위험 = 10분위 점수 ≥ {threshold}", lang))
    return fig


def figure_html(fig: Any, alt: str) -> str:
    """An ``<img>`` holding ``fig`` as an inline PNG (no file, no network), described by ``alt``."""
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}' style='max-width:100%'>"


def compas_explorer(threshold: int = PROPUBLICA_THRESHOLD, lang: str | None = None) -> Any:
    """HTML for one threshold: the rates per race as a table (in percent) above :func:`compas_figure`."""
    from IPython.display import HTML

    rates = group_rates(load_compas(), threshold)[["FPR", "FNR", "PPV", "selection rate"]]
    rates = rates.rename(columns={name: t(name, RATE_NAMES_KO[name], lang) for name in rates.columns})
    rates.index.name = t("race", "인종", lang)
    shown = (rates * 100).round(2).to_html(float_format=lambda v: f"{v:.2f} %", border=0)
    alt = t(f"Confusion matrices and error rates per race at threshold {threshold}",
            f"임계값 {threshold}에서 인종별 혼동 행렬과 오류율", lang)
    return HTML(shown + figure_html(compas_figure(threshold, lang), alt))


BY_HAND_TOLERANCE = 0.0005  # stated in the question's hint: values rounded to 3 decimals pass


def check_compas_by_hand(value: Any, lang: str = "en") -> list[str]:
    """Property checker: ``value`` = {race: {"FPR": .., "FNR": ..}} at ProPublica's threshold, as fractions,
    each within ±``BY_HAND_TOLERANCE`` of fairlearn's MetricFrame (scikit-learn metrics on the expanded rows)."""
    if not isinstance(value, Mapping):
        return [t("Give a dict {race: {'FPR': ..., 'FNR': ...}}.", "{인종: {'FPR': ..., 'FNR': ...}} 형태의 dict로 답하세요.", lang)]
    want = fairlearn_rates(load_compas(), PROPUBLICA_THRESHOLD)
    problems = []
    for group in GROUPS:
        given = value.get(group)
        if not isinstance(given, Mapping):
            problems.append(t(f"{group}: missing its {{'FPR': ..., 'FNR': ...}}", f"{group}: {{'FPR': ..., 'FNR': ...}} 항목이 없습니다", lang))
            continue
        for metric in ("FPR", "FNR"):
            got = given.get(metric)
            if not isinstance(got, (int, float, np.floating)) or isinstance(got, bool):
                problems.append(t(f"{group} {metric}: give a number", f"{group} {metric}: 숫자로 답하세요", lang))
            elif got > 1:
                problems.append(t(f"{group} {metric}: give a fraction between 0 and 1, not a percentage",
                                  f"{group} {metric}: 백분율이 아니라 0과 1 사이의 비율로 답하세요", lang))
            elif abs(got - want.loc[group, metric]) > BY_HAND_TOLERANCE:
                problems.append(t(f"{group} {metric} = {got:.4f} differs from fairlearn's MetricFrame by more than "
                                  f"±{BY_HAND_TOLERANCE} (3 decimals are enough)",
                                  f"{group} {metric} = {got:.4f}: fairlearn MetricFrame으로 구한 값과 ±{BY_HAND_TOLERANCE} "
                                  "넘게 다릅니다 (소수점 셋째 자리까지면 충분합니다)", lang))
    return problems


# -------------------------------------------------------------------------------------- trade-offs


def chouldechova_fpr(base_rate: float, ppv: float, fnr: float) -> float:
    """FPR = p/(1−p) · (1−PPV)/PPV · (1−FNR): the FPR a group must have given its base rate, PPV and FNR."""
    if not 0 < base_rate < 1 or not 0 < ppv <= 1 or not 0 <= fnr <= 1:
        raise ValueError("need 0 < base_rate < 1, 0 < ppv <= 1 and 0 <= fnr <= 1")
    return base_rate / (1 - base_rate) * (1 - ppv) / ppv * (1 - fnr)


def impossibility_view(base_rate: float = 0.4, ppv: float = 0.6, fnr: float = 0.35, lang: str | None = None) -> Any:
    """A figure of FPR against base rate when PPV and FNR are held equal across groups, with COMPAS's two
    groups (threshold 5) marked: equal PPV and FNR force unequal FPR whenever base rates differ."""
    from matplotlib.figure import Figure

    rates = group_rates(load_compas(), PROPUBLICA_THRESHOLD)
    grid = np.linspace(0.05, 0.8, 200)
    curve = [chouldechova_fpr(p, ppv, fnr) for p in grid]
    fpr = chouldechova_fpr(base_rate, ppv, fnr)
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(grid, curve, label=t(f"PPV = {ppv:.2f}, FNR = {fnr:.2f} fixed", f"PPV = {ppv:.2f}, FNR = {fnr:.2f}로 고정", lang))
    ax.scatter([base_rate], [fpr], color="black", zorder=3)
    ax.annotate(f"FPR = {fpr:.1%}", (base_rate, fpr), textcoords="offset points", xytext=(8, -12))
    for group, marker in zip(GROUPS, ("o", "s")):
        row = rates.loc[group]
        ax.scatter([row["base rate"]], [row["FPR"]], marker=marker, zorder=3,
                   label=f"COMPAS {_group(group, lang)}: PPV {row['PPV']:.2f}, FNR {row['FNR']:.2f}")
    ax.set_title(t("Equal PPV and FNR force unequal FPR when base rates differ",
                   "PPV와 FNR이 같으면 기저율이 다른 집단의 FPR은 달라진다", lang))
    ax.set_xlabel(t("base rate p (share who reoffend)", "기저율 p (재범한 사람의 비율)", lang))
    ax.set_ylabel(t("false positive rate (FPR)", "위양성률 (FPR)", lang))
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def thresholds_view(black_threshold: int = PROPUBLICA_THRESHOLD, white_threshold: int = PROPUBLICA_THRESHOLD) -> pd.DataFrame:
    """Rates per race when each race gets its own threshold, with the gap between the groups."""
    rates = group_rates(load_compas(), {"Black": black_threshold, "White": white_threshold})
    rates.loc[t("gap (Black − White)", "격차 (Black − White)")] = rates.loc["Black"] - rates.loc["White"]
    return rates.round(4)


# ----------------------------------------------------------------------------------------- privacy


def rotating_token(key: bytes, epoch: int) -> str:
    """The token a phone broadcasts in one time epoch: HMAC-SHA256(key, epoch), first 16 hex digits."""
    return hmac.new(key, epoch.to_bytes(8, "big"), hashlib.sha256).hexdigest()[:16]


def phone_keys(users: tuple[str, ...] = ("A", "B", "C"), seed: int = 0) -> dict[str, bytes]:
    """Each user's secret key, as the health authority holds it after registration."""
    rng = np.random.default_rng(seed)
    return {user: rng.bytes(32) for user in users}


def linkage_view(observer: str = "snooper", epochs: int = 4, seed: int = 0) -> pd.DataFrame:
    """What one observer can link among the tokens user A broadcast over ``epochs`` epochs.

    A Bluetooth snooper hears every token but, without the key, sees unrelated random strings; a close
    contact keeps the tokens it heard while near A (the last two epochs) and learns no more; the health
    authority holds every registered key, recomputes each user's tokens and so links them all to A.
    """
    observers = ("snooper", "contact", "health authority")
    if observer not in observers:
        raise ValueError(f"observer must be one of {observers}, not {observer!r}")
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    keys = phone_keys(seed=seed)
    heard = range(max(0, epochs - 2), epochs) if observer == "contact" else range(epochs)
    unknown = t("? (cannot be linked)", "? (연결할 수 없음)")
    rows = []
    for epoch in heard:
        token = rotating_token(keys["A"], epoch)
        if observer == "health authority":
            owners = [user for user, key in keys.items() if rotating_token(key, epoch) == token]
            linked = owners[0] if owners else unknown
        else:
            linked = unknown
        rows.append({t("epoch", "구간"): epoch, t("token", "토큰"): token, t("linked to", "연결된 사용자"): linked})
    return pd.DataFrame(rows)


def laplace_release(true_count: float, epsilon: float, sensitivity: float = 1.0, size: int = 1,
                    seed: int = 0) -> np.ndarray:
    """``size`` releases of a query answer through the Laplace mechanism: answer + Laplace(0, sensitivity/ε)."""
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be positive")
    return true_count + np.random.default_rng(seed).laplace(0.0, sensitivity / epsilon, size=size)


def laplace_view(epsilon: float = 1.0, true_count: int = 42, sensitivity: float = 1.0, seed: int = 0,
                 lang: str | None = None) -> Any:
    """Histogram of 2,000 releases of a count through the Laplace mechanism, scale = sensitivity/ε."""
    from matplotlib.figure import Figure

    noisy = laplace_release(true_count, epsilon, sensitivity, size=2000, seed=seed)
    scale = sensitivity / epsilon
    within = np.mean(np.abs(noisy - true_count) <= 2)
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.hist(noisy, bins=80, range=(true_count - 40, true_count + 40), color="#6a8caf")  # fixed axis: compare ε
    ax.axvline(true_count, color="black", linestyle="--", label=t(f"true count {true_count}", f"실제 값 {true_count}", lang))
    ax.set_title(t(f"ε = {epsilon:g}: scale b = {scale:.2f}; {within:.0%} of releases within ±2",
                   f"ε = {epsilon:g}: 척도 b = {scale:.2f}, 공개값의 {within:.0%}가 실제 값 ±2 이내", lang))
    ax.set_xlabel(t("released count", "공개된 값", lang))
    ax.set_ylabel(t("releases (of 2,000)", "공개 횟수 (2,000번 중)", lang))
    ax.legend(loc="upper right")
    return fig


def patients(seed: int = 0, n: int = 20) -> pd.DataFrame:
    """A small generated medical table: quasi-identifiers (age, zip, sex) and a sensitive diagnosis."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(20, 60, size=n),
        "zip": [f"{p}{rng.integers(0, 100):02d}" for p in rng.choice(["130", "131", "148"], size=n)],
        "sex": rng.choice(["F", "M"], size=n),
        "diagnosis": rng.choice(["flu", "diabetes", "asthma", "HIV"], size=n, p=[0.4, 0.25, 0.25, 0.1]),
    })


def generalise(table: pd.DataFrame, age_band: int = 1, zip_digits: int = 5, drop_sex: bool = False) -> pd.DataFrame:
    """Coarsen the quasi-identifiers: ages to bands of ``age_band`` years, zips to their first digits."""
    if age_band < 1 or not 0 <= zip_digits <= 5:
        raise ValueError("age_band must be >= 1 and zip_digits between 0 and 5")
    out = table.copy()
    if age_band > 1:
        low = table["age"] // age_band * age_band
        out["age"] = [f"{a}-{a + age_band - 1}" for a in low]
    out["zip"] = [z[:zip_digits] + "*" * (5 - zip_digits) for z in table["zip"]]
    if drop_sex:
        out["sex"] = "*"
    return out


def k_anonymity_view(age_band: int = 10, zip_digits: int = 3, drop_sex: bool = False, seed: int = 0) -> pd.DataFrame:
    """The generated table after generalisation, sorted by equivalence class, with each class's size."""
    out = generalise(patients(seed), age_band, zip_digits, drop_sex)
    quasi = ["age", "zip", "sex"]
    out[t("class size", "동질 집합 크기")] = out.groupby(quasi)["diagnosis"].transform("size")
    return out.sort_values(quasi).reset_index(drop=True)


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
