"""Lecture 2 — publishing a patient's movement route (동선 공개): how few known points single a person out.

A generated town: every person has a home, a workplace and a few favourite places, drawn from a
skewed popularity (some places are busy, most are quiet), and a day of 12 two-hour slots. An observer
who knows ``k`` points (slot, place) of someone's day — a colleague who saw them at lunch, a neighbour —
asks how many people in town match all of them. de Montjoye et al. (2013, "Unique in the Crowd")
found four points enough to single out 95 % of 1.5 million phone users; coarser time and place help,
but slowly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..i18n import t

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}

SLOTS = 12  # two-hour slots of one day
HOME_SLOTS = (0, 1, 2, 3, 10, 11)
WORK_SLOTS = (4, 5, 6, 7, 8)
LEISURE_SLOT = 9


@lru_cache(maxsize=None)
def town(people: int = 3000, places: int = 300, seed: int = 0) -> np.ndarray:
    """A (people × 12) array: the place id each person is at in each two-hour slot."""
    if people < 1 or places < 2:
        raise ValueError(f"town: need people >= 1 and places >= 2, got {people} and {places}")
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, places + 1) ** 0.8  # Zipf-like: a few busy places, many quiet ones
    popularity /= popularity.sum()
    home, work = rng.choice(places, size=people, p=popularity), rng.choice(places, size=people, p=popularity)
    leisure = rng.choice(places, size=(people, 3), p=popularity)
    routes = np.empty((people, SLOTS), dtype=int)
    routes[:, list(HOME_SLOTS)] = home[:, None]
    routes[:, list(WORK_SLOTS)] = work[:, None]
    routes[:, LEISURE_SLOT] = leisure[np.arange(people), rng.integers(3, size=people)]
    lunch = rng.random(people) < 0.5  # half go out for lunch to one of their favourite places
    routes[lunch, 6] = leisure[lunch, rng.integers(3, size=lunch.sum())]
    return routes


def presence(routes: np.ndarray, hours: int = 2, district_size: int = 1) -> np.ndarray:
    """Routes as published at a coarser grain, as a boolean array [person, block, place]: slots merged
    into ``hours``-hour blocks (a person is in a block at every place they visited during it) and places
    merged into districts of ``district_size`` neighbouring place ids."""
    if hours not in (2, 4, 6, 12) or district_size < 1:
        raise ValueError(f"presence: hours must be 2, 4, 6 or 12 and district_size >= 1, got {hours} and {district_size}")
    routes = routes // district_size
    block = hours // 2
    seen = np.zeros((len(routes), routes.shape[1] // block, routes.max() + 1), dtype=bool)
    people = np.arange(len(routes))
    for slot in range(routes.shape[1]):
        seen[people, slot // block, routes[:, slot]] = True
    return seen


def unicity(k: int, hours: int = 2, district_size: int = 1, sample: int = 300, seed: int = 0) -> float:
    """The share of sampled people whom ``k`` random points of their own day match uniquely in town."""
    if not 1 <= k <= SLOTS:
        raise ValueError(f"unicity: k must be 1..{SLOTS}, not {k}")
    routes = town()
    seen = presence(routes, hours, district_size)
    block, places = hours // 2, routes // district_size
    rng = np.random.default_rng(seed)
    unique = 0
    chosen = rng.choice(len(routes), size=min(sample, len(routes)), replace=False)
    for person in chosen:
        slots = rng.choice(routes.shape[1], size=min(k, routes.shape[1]), replace=False)
        match = np.ones(len(routes), dtype=bool)
        for slot in slots:
            match &= seen[:, slot // block, places[person, slot]]
        unique += int(match.sum() == 1)
    return unique / len(chosen)


def route_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`route_view`: the published grain of time and place."""
    import ipywidgets as w

    return {"hours": w.Dropdown(options=[(t(f"{h} h", f"{h}시간", lang), h) for h in (2, 4, 6, 12)], value=2,
                                style=_WIDE, description=t("time grain", "시간 단위", lang)),
            "district_size": w.Dropdown(options=[(t("exact place", "정확한 장소", lang), 1), (t("blocks of 5", "5곳씩 묶음", lang), 5),
                                                 (t("districts of 30", "30곳씩 묶은 구역", lang), 30)],
                                        value=1, style=_WIDE, description=t("place grain", "장소 단위", lang))}


def route_view(hours: int = 2, district_size: int = 1, lang: str | None = None) -> Any:
    """A figure: the share of people singled out by k = 1..4 known points, at the chosen grain and at the
    finest one."""
    from matplotlib.figure import Figure

    ks = [1, 2, 3, 4]
    finest = [unicity(k) for k in ks]
    chosen = [unicity(k, hours, district_size) for k in ks]
    fig = Figure(figsize=(6.5, 3), layout="constrained")
    ax = fig.subplots()
    ax.plot(ks, finest, "o--", color="grey", label=t("2 h, exact place", "2시간, 정확한 장소", lang))
    ax.plot(ks, chosen, "o-", color="tab:red", label=t("chosen grain", "고른 단위", lang))
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(t("points of the day the observer knows", "관찰자가 아는 그날의 지점 수", lang))
    ax.set_ylabel(t("share singled out", "한 명으로 특정되는 비율", lang))
    ax.set_title(t(f"3,000 people: {chosen[-1]:.0%} singled out by 4 points",
                   f"3,000명 중 지점 4개로 특정되는 비율 {chosen[-1]:.0%}", lang), fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return fig
