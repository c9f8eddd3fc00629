"""Lecture 2 — association tests on embeddings: WEAT on words (Caliskan et al. 2017) and SEAT on
sentences (May et al. 2019), with small generated vectors instead of a downloaded model.

The word lists are WEAT 6's (career/family words, male/female names). Each word's vector is random
noise plus its category's direction, plus ``strength`` times a "gender" direction that the text the
embedding was trained on attached to male names and career words (+) and to female names and family
words (−): a bias planted on purpose, so the tests have something to find. SEAT puts each word into
semantically bleached templates ("This is <word>.") and encodes the sentence; our encoder is the
mean of the word vectors (the bag-of-words baseline of May et al.; a real sentence encoder such as
BERT cannot be shipped here).
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..i18n import t

# Labels are shown whole: the default description width cuts them ("arrest, gr…").
_WIDE = {"description_width": "initial"}

CAREER = ("executive", "management", "professional", "corporation", "salary", "office", "business", "career")
FAMILY = ("home", "parents", "children", "family", "cousins", "marriage", "wedding", "relatives")
MALE = ("john", "paul", "mike", "kevin", "steve", "greg", "jeff", "bill")
FEMALE = ("amy", "joan", "lisa", "sarah", "diana", "kate", "ann", "donna")
TEMPLATES = ("this is {}.", "that is {}.", "there is {}.", "here is {}.", "{} is here.", "{} is there.",
             "it is {}.", "{} is a word.")
DIM = 24


@lru_cache(maxsize=None)
def embeddings(strength: float = 0.6, seed: int = 0) -> dict[str, np.ndarray]:
    """Generated word vectors for the WEAT 6 lists and the template words (see the module docstring)."""
    rng = np.random.default_rng(seed)
    axes = np.linalg.qr(rng.normal(size=(DIM, 3)))[0].T  # three orthonormal directions
    topic, names, gender = axes
    sign = {**dict.fromkeys(CAREER, (1, 0, 1)), **dict.fromkeys(FAMILY, (-1, 0, -1)),
            **dict.fromkeys(MALE, (0, 1, 1)), **dict.fromkeys(FEMALE, (0, 1, -1))}
    vectors = {}
    for word, (s_topic, s_name, s_gender) in sign.items():
        vectors[word] = rng.normal(0, 0.35, DIM) + s_topic * topic + s_name * names + strength * s_gender * gender
    filler = sorted({w for template in TEMPLATES for w in re.findall(r"[a-z]+", template.format(""))})
    for word in filler:
        vectors[word] = rng.normal(0, 0.5, DIM)  # no topic, no gender: only what the template adds
    return vectors


def encode(sentence: str, vectors: dict[str, np.ndarray]) -> np.ndarray:
    """A sentence vector: the mean of its words' vectors (lower-cased; unknown words raise ValueError)."""
    words = re.findall(r"[a-z]+", sentence.lower())
    unknown = [w for w in words if w not in vectors]
    if unknown or not words:
        raise ValueError(f"encode: no vector for {unknown or sentence!r}")
    return np.mean([vectors[w] for w in words], axis=0)


def _unit(vectors: Any) -> np.ndarray:
    """The vectors (rows) scaled to length 1, so dot products are cosine similarities."""
    array = np.asarray(vectors, dtype=float)
    return array / np.linalg.norm(array, axis=-1, keepdims=True)


def association(w: np.ndarray, A: Sequence[np.ndarray], B: Sequence[np.ndarray]) -> float:
    """s(w, A, B): mean cosine similarity of ``w`` with A minus its mean with B."""
    unit = _unit(w)
    return float((_unit(A) @ unit).mean() - (_unit(B) @ unit).mean())


def test_sets(level: str, strength: float = 0.6, seed: int = 0) -> tuple[list[np.ndarray], ...]:
    """(X, Y, A, B) as vectors: words for ``level="word"`` (WEAT), template sentences for ``"sentence"`` (SEAT)."""
    vectors = embeddings(strength, seed)
    if level == "word":
        return tuple([vectors[w] for w in words] for words in (CAREER, FAMILY, MALE, FEMALE))
    if level == "sentence":
        return tuple([encode(template.format(w), vectors) for w in words for template in TEMPLATES]
                     for words in (CAREER, FAMILY, MALE, FEMALE))
    raise ValueError(f"level must be 'word' or 'sentence', not {level!r}")


def permutation_p_value(sx: Sequence[float], sy: Sequence[float], n: int = 13000, seed: int = 0) -> float:
    """One-sided p-value of the test statistic sum(sx) − sum(sy): the share of random equal-size splits
    of sx ∪ sy whose statistic is at least as large (exact when there are at most ``n`` splits)."""
    pooled = np.asarray(list(sx) + list(sy), dtype=float)
    k, observed = len(sx), float(np.sum(sx) - np.sum(sy))
    total = pooled.sum()
    splits = list(itertools.combinations(range(len(pooled)), k)) if _choose(len(pooled), k) <= n else None
    if splits is not None:
        stats = np.array([2 * pooled[list(s)].sum() - total for s in splits])
    else:
        rng = np.random.default_rng(seed)
        stats = np.array([2 * pooled[rng.permutation(len(pooled))[:k]].sum() - total for _ in range(n)])
    return float(np.mean(stats >= observed - 1e-12))


def _choose(n: int, k: int) -> int:
    from math import comb

    return comb(n, k)


def association_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`association_view`."""
    import ipywidgets as w

    return {"level": w.Dropdown(options=[(t("words (WEAT)", "단어 (WEAT)", lang), "word"),
                                         (t("sentences (SEAT)", "문장 (SEAT)", lang), "sentence")],
                                value="word", style=_WIDE, description=t("level", "수준", lang)),
            "strength": w.FloatSlider(value=0.6, min=0.0, max=1.5, step=0.1, style=_WIDE, description=t("planted bias", "심은 편향", lang))}


def association_view(level: str = "word", strength: float = 0.6, lang: str | None = None) -> Any:
    """A figure: s(w, male names, female names) for every career and family item, the test statistic and
    its permutation p-value."""
    from matplotlib.figure import Figure

    X, Y, A, B = test_sets(level, strength)
    sx, sy = [association(x, A, B) for x in X], [association(y, A, B) for y in Y]
    p = permutation_p_value(sx, sy)
    shown = f"p = {p:.3g}" if p > 0 else "p < 1/13000"
    fig = Figure(figsize=(7, 2.8), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for row, (values, name) in enumerate(((sx, t("career", "직업", lang)), (sy, t("family", "가족", lang)))):
        ax.scatter(values, row + rng.uniform(-0.15, 0.15, len(values)), alpha=0.7, label=name)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks([0, 1], [t("career", "직업", lang), t("family", "가족", lang)])
    ax.set_xlabel(t("s(w, male names, female names): closer to male (+) or female (−) names",
                    "s(w, 남성 이름, 여성 이름): 남성 이름(+)과 여성 이름(−) 중 어느 쪽에 가까운가", lang))
    unit = t("words", "단어", lang) if level == "word" else t("sentences", "문장", lang)
    ax.set_title(t(f"{len(sx)} + {len(sy)} {unit}: statistic {np.sum(sx) - np.sum(sy):.2f}, permutation {shown}",
                   f"{unit} {len(sx)} + {len(sy)}개: 검정 통계량 {np.sum(sx) - np.sum(sy):.2f}, 순열 검정 {shown}", lang),
                 fontsize=10)
    return fig
