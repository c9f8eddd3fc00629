"""Mutants for exercises/*/02_ai_ethics.ipynb."""

from __future__ import annotations

import hmac
import statistics
from collections import Counter

import numpy as np
import pandas as pd

from workbook.lectures import ethics as eth

from . import right, wrong

MECHANISMS = {"s1": "target variable", "s2": "labelling", "s3": "data collection", "s4": "feature selection", "s5": "proxies"}
RATES = eth.fairlearn_rates(eth.load_compas(), 5)
BY_HAND = {race: {"FPR": float(RATES.loc[race, "FPR"]), "FNR": float(RATES.loc[race, "FNR"])} for race in ("Black", "White")}
PPV = 0.43076963287340536
FAKES = {"d1": "entire face synthesis", "d2": "identity swap", "d3": "attribute manipulation", "d4": "expression swap"}
KWH = 64 * 0.4 * 336 * 1.2


def _rate(values):
    return sum(values) / len(values)


def dp_uses_y_true(y_true, y_pred, *, sensitive_features):
    rates = [_rate([t for t, g in zip(y_true, sensitive_features) if g == s]) for s in set(sensitive_features)]
    return max(rates) - min(rates)


def dp_ratio(y_true, y_pred, *, sensitive_features):
    rates = [_rate([p for p, g in zip(y_pred, sensitive_features) if g == s]) for s in set(sensitive_features)]
    return min(rates) / max(rates)


def dp_first_two_groups(y_true, y_pred, *, sensitive_features):
    groups = sorted(set(sensitive_features))[:2]
    rates = [_rate([p for p, g in zip(y_pred, sensitive_features) if g == s]) for s in groups]
    return abs(rates[0] - rates[1])


def dp_pandas(y_true, y_pred, *, sensitive_features):
    rates = pd.Series(y_pred).groupby(pd.Series(sensitive_features)).mean()
    return rates.max() - rates.min()


def _gaps(y_true, y_pred, groups):
    frame = pd.DataFrame({"t": y_true, "p": y_pred, "g": groups})
    tpr = frame[frame.t == 1].groupby("g").p.mean()
    fpr = frame[frame.t == 0].groupby("g").p.mean()
    return tpr.max() - tpr.min(), fpr.max() - fpr.min()


def eo_tpr_only(y_true, y_pred, *, sensitive_features):
    return _gaps(y_true, y_pred, sensitive_features)[0]


def eo_fpr_only(y_true, y_pred, *, sensitive_features):
    return _gaps(y_true, y_pred, sensitive_features)[1]


def eo_mean_of_gaps(y_true, y_pred, *, sensitive_features):
    return float(np.mean(_gaps(y_true, y_pred, sensitive_features)))


def eo_numpy(y_true, y_pred, *, sensitive_features):
    t, p, g = np.asarray(y_true), np.asarray(y_pred), np.asarray(sensitive_features)
    tpr = [p[(g == s) & (t == 1)].mean() for s in np.unique(g)]
    fpr = [p[(g == s) & (t == 0)].mean() for s in np.unique(g)]
    return max(np.ptp(tpr), np.ptp(fpr))


def who_sent_first_user(keys, heard):
    return [next(iter(keys)) for _ in heard]


def who_sent_empty_string(keys, heard):
    out = []
    for epoch, token in heard:
        match = [u for u, k in keys.items() if eth.rotating_token(bytes.fromhex(k), epoch) == token]
        out.append(match[0] if match else "")
    return out


def who_sent_next_epoch(keys, heard):
    out = []
    for epoch, token in heard:
        match = [u for u, k in keys.items() if eth.rotating_token(bytes.fromhex(k), epoch + 1) == token]
        out.append(match[0] if match else None)
    return out


def who_sent_lookup(keys, heard):
    table = {(epoch, eth.rotating_token(bytes.fromhex(key), epoch)): user
             for user, key in keys.items() for epoch in {e for e, _ in heard}}
    return [table.get((epoch, token)) for epoch, token in heard]


def k_classes(rows, quasi_identifiers):
    return len({tuple(r[q] for q in quasi_identifiers) for r in rows})


def k_first_identifier(rows, quasi_identifiers):
    counts = Counter(r[quasi_identifiers[0]] for r in rows)
    return min(counts.values(), default=0)


def k_no_empty_case(rows, quasi_identifiers):
    return min(Counter(tuple(r[q] for q in quasi_identifiers) for r in rows).values())


def k_counter(rows, quasi_identifiers):
    counts = Counter(tuple(map(r.get, quasi_identifiers)) for r in rows)
    return min(counts.values()) if counts else 0


def _cos(u, v):
    u, v = np.asarray(u, float), np.asarray(v, float)
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def _s(w, A, B, sim=_cos):
    return np.mean([sim(w, a) for a in A]) - np.mean([sim(w, b) for b in B])


def weat_population_std(X, Y, A, B):
    sx, sy = [_s(x, A, B) for x in X], [_s(y, A, B) for y in Y]
    return float((np.mean(sx) - np.mean(sy)) / np.std(sx + sy))


def weat_std_of_x(X, Y, A, B):
    sx, sy = [_s(x, A, B) for x in X], [_s(y, A, B) for y in Y]
    return float((np.mean(sx) - np.mean(sy)) / np.std(sx, ddof=1))


def weat_dot_product(X, Y, A, B):
    dot = lambda u, v: float(np.dot(u, v))  # noqa: E731 - no cosine normalisation
    sx, sy = [_s(x, A, B, dot) for x in X], [_s(y, A, B, dot) for y in Y]
    return float((np.mean(sx) - np.mean(sy)) / np.std(sx + sy, ddof=1))


def weat_pure_python(X, Y, A, B):
    def cos(u, v):
        dot = sum(a * b for a, b in zip(u, v))
        return dot / (sum(a * a for a in u) ** 0.5 * sum(b * b for b in v) ** 0.5)

    def s(w):
        return statistics.mean(cos(w, a) for a in A) - statistics.mean(cos(w, b) for b in B)

    sx, sy = [s(x) for x in X], [s(y) for y in Y]
    return (statistics.mean(sx) - statistics.mean(sy)) / statistics.stdev(sx + sy)


assert hmac  # the lecture's tokens are HMACs; the mutants use eth.rotating_token like the learner

MUTANTS = [
    wrong("ethics.q1", "proxy read as feature selection", {**MECHANISMS, "s5": "feature selection"}),
    wrong("ethics.q1", "labelling and target variable swapped", {**MECHANISMS, "s1": "labelling", "s2": "target variable"}),
    wrong("ethics.q1", "data collection for the tenant screening", {**MECHANISMS, "s4": "data collection"}),
    right("ethics.q1", "the notebook's Korean labels", {"s1": "목표 변수", "s2": "레이블링", "s3": "데이터 수집", "s4": "특성 선택", "s5": "대리 변수"}),
    right("ethics.q1", "US spelling and singular", {**MECHANISMS, "s2": "labeling", "s5": "Proxy"}),
    wrong("ethics.q2", "FPR and FNR swapped", {r: {"FPR": v["FNR"], "FNR": v["FPR"]} for r, v in BY_HAND.items()}),
    wrong("ethics.q2", "percentages", {r: {m: 100 * x for m, x in v.items()} for r, v in BY_HAND.items()}),
    wrong("ethics.q2", "high risk as decile > 5", {r: {"FPR": float(eth.group_rates(eth.load_compas(), 6).loc[r, "FPR"]),
                                                      "FNR": float(eth.group_rates(eth.load_compas(), 6).loc[r, "FNR"])} for r in BY_HAND}),
    right("ethics.q2", "rounded to 3 decimals", {r: {m: round(x, 3) for m, x in v.items()} for r, v in BY_HAND.items()}),
    right("ethics.q2", "NumPy floats from the lecture's group_rates", {r: {m: np.float64(eth.group_rates(eth.load_compas(), 5).loc[r, m])
                                                                      for m in ("FPR", "FNR")} for r in BY_HAND}),
    wrong("ethics.q3", "0.4314: inside 3-decimal rounding of 0.431, outside ±0.0005", 0.4314),
    wrong("ethics.q3", "1 - PPV", 1 - PPV),
    wrong("ethics.q3", "the odds, not the PPV", (1 - PPV) / PPV),
    right("ethics.q3", "0.4303, within ±0.0005", 0.4303),
    right("ethics.q3", "rounded to 3 decimals", 0.431),
    right("ethics.q3", "as a string", "0.4308"),
    wrong("ethics.q4", "threshold 6", {"threshold": 6, "black_fnr": 0.4855339295107838}),
    wrong("ethics.q4", "FNR as a percentage", {"threshold": 7, "black_fnr": 48.55}),
    wrong("ethics.q4", "the White FNR", {"threshold": 7, "black_fnr": 0.4772}),
    right("ethics.q4", "3 decimals and a float threshold", {"threshold": 7.0, "black_fnr": 0.486}),
    right("ethics.q4", "NumPy values", {"threshold": np.int64(7), "black_fnr": np.float64(0.48553)}),
    wrong("ethics.q5", "uses y_true", dp_uses_y_true),
    wrong("ethics.q5", "a ratio, not a difference", dp_ratio),
    wrong("ethics.q5", "only the first two groups", dp_first_two_groups),
    right("ethics.q5", "pandas groupby", dp_pandas),
    wrong("ethics.q6", "TPR gap only", eo_tpr_only),
    wrong("ethics.q6", "FPR gap only", eo_fpr_only),
    wrong("ethics.q6", "mean of the two gaps", eo_mean_of_gaps),
    right("ethics.q6", "NumPy masks", eo_numpy),
    wrong("ethics.q7", "always the first user", who_sent_first_user),
    wrong("ethics.q7", "'' instead of None", who_sent_empty_string),
    wrong("ethics.q7", "the next epoch's token", who_sent_next_epoch),
    right("ethics.q7", "a lookup table", who_sent_lookup),
    wrong("ethics.q8", "the number of equivalence classes", k_classes),
    wrong("ethics.q8", "k over the first quasi-identifier only", k_first_identifier),
    wrong("ethics.q8", "crashes on an empty table", k_no_empty_case),
    right("ethics.q8", "Counter over row tuples", k_counter),
    wrong("ethics.q9", "identity and expression swapped", {**FAKES, "d2": "expression swap", "d4": "identity swap"}),
    wrong("ethics.q9", "synthesis read as attribute manipulation", {**FAKES, "d1": "attribute manipulation"}),
    right("ethics.q9", "the notebook's Korean labels", {"d1": "전체 얼굴 합성", "d2": "신원 교체", "d3": "속성 조작", "d4": "표정 교체"}),
    right("ethics.q9", "'face swap' and other case", {**FAKES, "d2": "Face Swap", "d1": "Entire-Face Synthesis"}),
    wrong("ethics.q10", "forgot the PUE", {"kwh": KWH / 1.2, "tonnes_co2": KWH / 1.2 * 0.42 / 1000, "tonnes_co2_hydro": KWH / 1.2 * 0.02 / 1000}),
    wrong("ethics.q10", "kg, not tonnes", {"kwh": KWH, "tonnes_co2": KWH * 0.42, "tonnes_co2_hydro": KWH * 0.02}),
    wrong("ethics.q10", "14 hours, not 14 days", {"kwh": KWH / 24, "tonnes_co2": KWH / 24 * 0.42 / 1000, "tonnes_co2_hydro": KWH / 24 * 0.02 / 1000}),
    right("ethics.q10", "rounded to 2 decimals", {"kwh": 10321.92, "tonnes_co2": 4.34, "tonnes_co2_hydro": 0.21}),
    right("ethics.q10", "NumPy arithmetic", {"kwh": np.float32(KWH), "tonnes_co2": np.float64(KWH) * 0.42 / 1e3, "tonnes_co2_hydro": KWH * 2e-5}),
    wrong("ethics.q11", "population standard deviation", weat_population_std),
    wrong("ethics.q11", "standard deviation over X only", weat_std_of_x),
    wrong("ethics.q11", "dot products, not cosines", weat_dot_product),
    right("ethics.q11", "pure Python with statistics.stdev", weat_pure_python),
]
