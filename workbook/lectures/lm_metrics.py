"""Lecture 4 — generation metrics (BLEU, chrF, ROUGE) computed by the field's libraries (sacrebleu,
rouge-score), with the tokenizer made visible (sacrebleu's ``13a``, ``char`` and, with its Korean
extra, ``ko-mecab``), a bootstrap confidence interval for a BLEU difference, and the lecture's widgets."""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from ..i18n import t
from ..widgets import full_text_table

BLEU_TOKENIZERS = ("13a", "char", "ko-mecab")  # sacrebleu's names
SIGNIFICANCE_SAMPLES = 1000


class CharTokenizer:
    """A rouge-score tokenizer for any script: characters, spaces dropped (``tokenize(text)``)."""

    def tokenize(self, text: str) -> list[str]:
        return [c for c in text.lower() if not c.isspace()]


@functools.lru_cache(maxsize=None)
def tokenizer_available(tokenize: str) -> bool:
    """Whether sacrebleu can use the tokenizer here (``ko-mecab`` needs sacrebleu's Korean extra)."""
    from sacrebleu.metrics import BLEU

    try:
        BLEU(tokenize=tokenize)
    except (ImportError, RuntimeError, KeyError, ValueError):
        return False
    return True


def available_tokenizers() -> list[str]:
    """The BLEU tokenizers this installation offers, in the lecture's order."""
    return [name for name in BLEU_TOKENIZERS if tokenizer_available(name)]


@functools.lru_cache(maxsize=None)
def _sentence_bleu(tokenize: str) -> Any:
    from sacrebleu.metrics import BLEU

    if tokenize not in BLEU_TOKENIZERS:
        raise ValueError(f"tokenize must be one of {BLEU_TOKENIZERS}, not {tokenize!r}")
    return BLEU(tokenize=tokenize, effective_order=True)  # as sacrebleu.sentence_bleu does


def sentence_bleu(hypothesis: str, reference: str, tokenize: str = "13a") -> tuple[float, str]:
    """Sentence BLEU (sacrebleu, ``exp`` smoothing, effective order) with ``tokenize``, and its signature."""
    metric = _sentence_bleu(tokenize)
    return metric.sentence_score(hypothesis, [reference]).score, str(metric.get_signature())


def bleu_tokens(text: str, tokenize: str = "13a") -> list[str]:
    """The tokens sacrebleu compares for ``text`` under ``tokenize``."""
    return _sentence_bleu(tokenize).tokenizer(text).split()


def bleu_by_tokenizer(hypothesis: str, reference: str, lang: str | None = None) -> Any:
    """The same pair scored with each of BLEU_TOKENIZERS: the hypothesis as sacrebleu splits it, the
    score and the signature (a row says so when a tokenizer is not installed)."""
    import pandas as pd

    rows = []
    for name in BLEU_TOKENIZERS:
        row = {"tokenize": name}
        if tokenizer_available(name):
            score, signature = sentence_bleu(hypothesis, reference, name)
            row.update({t("hypothesis as compared", "비교되는 생성문", lang): " ".join(bleu_tokens(hypothesis, name)),
                        "BLEU": round(score, 2), t("signature", "시그니처", lang): signature})
        else:
            row.update({t("hypothesis as compared", "비교되는 생성문", lang):
                        t("not installed: pip install \"sacrebleu[ko]\"", "설치되지 않음: pip install \"sacrebleu[ko]\"", lang),
                        "BLEU": float("nan"), t("signature", "시그니처", lang): ""})
        rows.append(row)
    return pd.DataFrame(rows)


def generation_scores(hypothesis: str, reference: str, tokenize: str = "13a") -> dict[str, float]:
    """Sentence BLEU (with ``tokenize``) and chrF (sacrebleu), ROUGE-1/2/L F1 with rouge-score's default
    tokenizer and with character tokens, all on a 0–100 scale."""
    import sacrebleu
    from rouge_score import rouge_scorer

    types = ["rouge1", "rouge2", "rougeL"]
    default = rouge_scorer.RougeScorer(types).score(reference, hypothesis)
    chars = rouge_scorer.RougeScorer(types, tokenizer=CharTokenizer()).score(reference, hypothesis)
    scores = {"BLEU": sentence_bleu(hypothesis, reference, tokenize)[0],
              "chrF": sacrebleu.sentence_chrf(hypothesis, [reference]).score}
    scores.update({f"{name} (default tokenizer)": 100 * default[name].fmeasure for name in types})
    scores.update({f"{name} (characters)": 100 * chars[name].fmeasure for name in types})
    return scores


def metric_label(name: str, lang: str | None = None) -> str:
    """A :func:`generation_scores` key as a reader sees it: ``rouge1 (characters)`` → ``rouge1 (문자 단위)``."""
    return (name.replace("(default tokenizer)", t("(default tokenizer)", "(기본 토크나이저)", lang))
            .replace("(characters)", t("(characters)", "(문자 단위)", lang)))


def metrics_report(hypothesis: str = "오늘은 햇살이 참 좋다", reference: str = "오늘은 햇살이 좋다",
                   tokenize: str = "13a", lang: str | None = None) -> Any:
    """Widget: generation metrics for one hypothesis/reference pair, as a table shown in full (a pandas
    Styler; ``.data`` is the DataFrame); the BLEU row carries sacrebleu's signature, which names the
    tokenizer."""
    import pandas as pd

    if not hypothesis.split() or not reference.split():
        return t("Type a hypothesis and a reference.", "생성문과 참조문을 모두 입력하세요.", lang)
    scores = generation_scores(hypothesis, reference, tokenize)
    signature = sentence_bleu(hypothesis, reference, tokenize)[1]
    names = [f"BLEU ({signature})" if name == "BLEU" else metric_label(name, lang) for name in scores]
    return full_text_table(pd.DataFrame({t("metric", "지표", lang): names,  # in full: the signature is long
                                         t("score (0-100)", "점수 (0-100)", lang): [round(v, 2) for v in scores.values()]}))


def metrics_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`metrics_report`."""
    import ipywidgets as w

    return {"hypothesis": w.Text(value="오늘은 햇살이 참 좋다", description=t("hypothesis", "생성문", lang),
                                 continuous_update=False),
            "reference": w.Text(value="오늘은 햇살이 좋다", description=t("reference", "참조문", lang),
                                continuous_update=False),
            "tokenize": w.Dropdown(options=available_tokenizers(), value="13a",
                                   description=t("BLEU tokenizer", "BLEU 토크나이저", lang),
                                   style={"description_width": "initial"})}


# --- significance: is system B really better than system A? ----------------------------------------


def simulate_system(references: Sequence[str], error_rate: float, seed: int = 0) -> list[str]:
    """A made-up system's outputs: each reference copied, except that with probability ``error_rate``
    one of its words is dropped and, with the same probability again, one is replaced by a word from
    another reference (deterministic for a seed)."""
    if not 0 <= error_rate <= 1:
        raise ValueError(f"error_rate must be between 0 and 1, not {error_rate}")
    rng = np.random.default_rng(seed)
    vocabulary = sorted({w for r in references for w in r.split()})
    outputs = []
    for reference in references:
        words = reference.split()
        if len(words) > 1 and rng.random() < error_rate:
            del words[int(rng.integers(len(words)))]
        if rng.random() < error_rate:
            words[int(rng.integers(len(words)))] = vocabulary[int(rng.integers(len(vocabulary)))]
        outputs.append(" ".join(words))
    return outputs


def bleu_difference_bootstrap(references: Sequence[str], system_a: Sequence[str], system_b: Sequence[str], *,
                              n_samples: int = SIGNIFICANCE_SAMPLES, seed: int = 0,
                              tokenize: str = "13a") -> dict[str, Any]:
    """Paired bootstrap of corpus BLEU(B) − BLEU(A): resample the test sentences with replacement
    ``n_samples`` times (the same sentences for both systems) and recompute both corpus scores from
    sacrebleu's per-sentence statistics. Returns the observed difference, the 95 % percentile interval
    (``low``, ``high``) and every resampled difference (``samples``)."""
    from sacrebleu.metrics import BLEU

    if not len(references) == len(system_a) == len(system_b) or not references:
        raise ValueError("references and both systems need the same, non-zero number of sentences")
    metric = BLEU(tokenize=tokenize)
    refs = [list(references)]
    # sacrebleu's own significance module works from these sufficient statistics too
    stats_a = np.array(metric._extract_corpus_statistics(list(system_a), refs), dtype=float)
    stats_b = np.array(metric._extract_corpus_statistics(list(system_b), refs), dtype=float)

    def score(stats: np.ndarray) -> float:
        return metric._compute_score_from_stats(stats.sum(0).tolist()).score

    picks = np.random.default_rng(seed).integers(0, len(references), size=(n_samples, len(references)))
    samples = np.array([score(stats_b[p]) - score(stats_a[p]) for p in picks])
    low, high = np.percentile(samples, [2.5, 97.5])
    return {"difference": score(stats_b) - score(stats_a), "low": float(low), "high": float(high),
            "samples": samples}


def sacrebleu_paired_bootstrap(references: Sequence[str], system_a: Sequence[str], system_b: Sequence[str], *,
                               n_samples: int = SIGNIFICANCE_SAMPLES, tokenize: str = "13a") -> dict[str, Any]:
    """sacrebleu's own paired bootstrap test of B against baseline A (as ``sacrebleu --paired-bs``):
    B's corpus BLEU, its p-value, and the signature of the test."""
    from sacrebleu.metrics import BLEU
    from sacrebleu.significance import PairedTest

    test = PairedTest([("A", list(system_a)), ("B", list(system_b))], {"BLEU": BLEU(tokenize=tokenize)},
                      [list(references)], test_type="bs", n_samples=n_samples)
    signatures, results = test()
    result = results["BLEU"][1]
    return {"score": result.score, "p_value": result.p_value, "signature": str(signatures["BLEU"])}


@functools.lru_cache(maxsize=1)
def _test_set() -> tuple[str, ...]:
    from .lm import load_corpus

    return tuple(s.text for s in load_corpus())


def significance_report(error_b: float = 0.1, sentences: int = 100, lang: str | None = None) -> Any:
    """Widget: two simulated systems on the first ``sentences`` corpus sentences — A with error rate
    0.3, B with ``error_b`` — the bootstrap distribution of BLEU(B) − BLEU(A) with its 95 % interval,
    and sacrebleu's paired-bootstrap p-value. Plot text in ``lang``."""
    import matplotlib.pyplot as plt

    references = list(_test_set()[:sentences])
    system_a, system_b = simulate_system(references, 0.3, seed=1), simulate_system(references, error_b, seed=2)
    boot = bleu_difference_bootstrap(references, system_a, system_b)
    paired = sacrebleu_paired_bootstrap(references, system_a, system_b)
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.hist(boot["samples"], bins=40, color="#9aa0a6")
    for x, style in ((boot["low"], "--"), (boot["high"], "--"), (boot["difference"], "-")):
        ax.axvline(x, color="#0b57d0", ls=style)
    ax.axvline(0, color="black", lw=1)
    excludes = boot["low"] > 0 or boot["high"] < 0
    verdict = (t("the interval excludes 0", "구간에 0이 없음", lang) if excludes
               else t("the interval includes 0: no evidence of a difference", "구간에 0이 있음: 차이의 근거 없음", lang))
    ax.set_title(t(f"BLEU B − A = {boot['difference']:.2f}, 95% CI [{boot['low']:.2f}, {boot['high']:.2f}] "
                   f"({len(references)} sentences)\n{verdict}; sacrebleu paired bootstrap p = {paired['p_value']:.3f}",
                   f"BLEU B − A = {boot['difference']:.2f}, 95% 신뢰구간 [{boot['low']:.2f}, {boot['high']:.2f}] "
                   f"(문장 {len(references)}개)\n{verdict}; sacrebleu 짝지은 부트스트랩 p = {paired['p_value']:.3f}", lang), fontsize=9)
    ax.set_xlabel(t("BLEU(B) − BLEU(A) in each bootstrap resample", "부트스트랩 재표본마다의 BLEU(B) − BLEU(A)", lang))
    ax.set_ylabel(t("resamples", "재표본 수", lang))
    fig.tight_layout()
    return fig


def significance_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`significance_report`."""
    import ipywidgets as w

    return {"error_b": w.FloatSlider(value=0.1, min=0.0, max=0.6, step=0.05,
                                     description=t("B's error rate", "B의 오류율", lang), style={"description_width": "initial"}),
            "sentences": w.IntSlider(value=100, min=20, max=len(_test_set()), step=20,
                                     description=t("test sentences", "평가 문장 수", lang), style={"description_width": "initial"})}
