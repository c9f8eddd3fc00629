"""Lecture 2 — privacy: rotating contact-tracing tokens (TraceTogether's idea), the Laplace mechanism of
differential privacy, and k-anonymity on a generated medical table."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import t

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
