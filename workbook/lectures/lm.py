"""Lecture 4 — language models from counts: the corpus, tokens, n-gram models, the chain rule and
perplexity, as plain typed functions (the neural LM and sampling are in ``lm_neural``, generation
metrics in ``lm_metrics``, benchmarks in ``lm_benchmarks``).

Everything runs offline on the small corpus ``workbook/data/lm_corpus.tsv`` (written for this course).
"""

from __future__ import annotations

import functools
import html
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..i18n import t

CORPUS = Path(__file__).resolve().parent.parent / "data" / "lm_corpus.tsv"
LANGS = ("en", "ko")
UNITS = ("word", "char")
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
SPACE = "▁"  # marks a word boundary in character tokens, as SentencePiece does
HELDOUT_EVERY = 5


class CorpusError(ValueError):
    """The corpus file is malformed; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Sentence:
    """One line of the corpus."""

    lang: str
    text: str


def load_corpus(path: Path | str = CORPUS) -> list[Sentence]:
    """Read a ``lang<TAB>text`` corpus with a header line; raise CorpusError naming the file on any problem."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise CorpusError(f"{path}: cannot read corpus: {err}") from None
    if not lines or lines[0].split("\t") != ["lang", "text"]:
        raise CorpusError(f"{path}: the first line must be the header 'lang<TAB>text'")
    sentences = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 2:
            raise CorpusError(f"{path}: line {number}: expected 2 tab-separated fields, found {len(parts)}")
        lang, text = parts[0].strip(), " ".join(parts[1].split())
        if lang not in LANGS:
            raise CorpusError(f"{path}: line {number}: language must be one of {LANGS}, not {lang!r}")
        if not text:
            raise CorpusError(f"{path}: line {number}: empty sentence")
        sentences.append(Sentence(lang, text))
    if not sentences:
        raise CorpusError(f"{path}: no sentences")
    return sentences


def tokenize(text: str, unit: str = "word") -> list[str]:
    """Lower-cased whitespace words, or characters with ``▁`` for each space."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    words = text.lower().split()
    return words if unit == "word" else list(SPACE.join(words))


def split_corpus(sentences: Sequence[Sentence], every: int = HELDOUT_EVERY) -> tuple[list[Sentence], list[Sentence]]:
    """Training and held-out sentences: every ``every``-th sentence is held out (deterministic)."""
    train = [s for i, s in enumerate(sentences) if i % every != every - 1]
    heldout = [s for i, s in enumerate(sentences) if i % every == every - 1]
    return train, heldout


# --- n-gram language model -------------------------------------------------------------------------


@dataclass
class NGramLM:
    """Counts of an n-gram model; probabilities are add-k smoothed at query time.

    The vocabulary is every training token plus ``</s>`` and ``<unk>`` (``<s>`` is only ever a context),
    so add-k over ``V`` types keeps each conditional distribution summing to one.
    """

    order: int
    vocab: set[str]
    ngrams: Counter = field(default_factory=Counter)
    contexts: Counter = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.vocab)

    def pad(self, tokens: Sequence[str]) -> list[str]:
        """``<s>`` × (order-1), the tokens (unknown ones as ``<unk>``), then ``</s>``."""
        return [BOS] * (self.order - 1) + [w if w in self.vocab else UNK for w in tokens] + [EOS]

    def prob(self, word: str, context: tuple[str, ...], k: float = 0.0) -> float:
        """P(word | context) = (c(context, word) + k) / (c(context) + k·V); 0 for an unseen context at k=0."""
        context = tuple(context[len(context) - (self.order - 1):]) if self.order > 1 else ()
        word = word if word in self.vocab else UNK
        total = self.contexts[context] + k * self.size
        return (self.ngrams[context + (word,)] + k) / total if total > 0 else 0.0

    def steps(self, tokens: Sequence[str], k: float = 0.0) -> list[tuple[tuple[str, ...], str, float]]:
        """The chain rule, one factor per token: (context, token, P(token | context))."""
        padded = self.pad(tokens)
        n = self.order - 1
        return [(tuple(padded[i - n:i]), padded[i], self.prob(padded[i], tuple(padded[i - n:i]), k))
                for i in range(n, len(padded))]

    def cross_entropy(self, sentences: Sequence[Sequence[str]], k: float = 0.0) -> float:
        """Mean negative log-likelihood per predicted token (nats); ``inf`` if a token gets P = 0."""
        probs = [p for tokens in sentences for _, _, p in self.steps(tokens, k)]
        if min(probs) <= 0.0:
            return math.inf
        return float(-np.mean(np.log(probs)))

    def perplexity(self, sentences: Sequence[Sequence[str]], k: float = 0.0) -> float:
        """exp(cross-entropy): the effective number of equally likely choices per token."""
        return math.exp(self.cross_entropy(sentences, k))


def train_ngram(sentences: Sequence[Sequence[str]], order: int = 2) -> NGramLM:
    """Count n-grams of ``order`` over tokenised sentences."""
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    model = NGramLM(order=order, vocab={w for s in sentences for w in s} | {EOS, UNK})
    for tokens in sentences:
        padded = model.pad(tokens)
        for i in range(order - 1, len(padded)):
            context = tuple(padded[i - order + 1:i])
            model.ngrams[context + (padded[i],)] += 1
            model.contexts[context] += 1
    return model


@functools.lru_cache(maxsize=None)
def corpus_tokens(unit: str = "word", lang: str | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """Tokenised training and held-out sentences of the shipped corpus (one language, or both).
    Cached and shared: build new lists (``train + more``) rather than modifying these."""
    train, heldout = split_corpus([s for s in load_corpus() if lang in (None, s.lang)])
    return [tokenize(s.text, unit) for s in train], [tokenize(s.text, unit) for s in heldout]


def type_token_ratio(tokens: Sequence[str], size: int | None = None) -> float:
    """Word types per 100 tokens over the first ``size`` tokens (all when None). The ratio falls as a
    text grows — frequent words repeat, new ones come ever more rarely — so compare texts only at the
    same size."""
    tokens = list(tokens)[:size] if size is not None else list(tokens)
    if not tokens:
        raise ValueError("type_token_ratio needs at least one token")
    if size is not None and len(tokens) < size:
        raise ValueError(f"only {len(tokens)} tokens, fewer than size={size}")
    return 100 * len(set(tokens)) / len(tokens)


def vocabulary_stats(lang: str | None = None) -> Any:
    """Per language of the shipped corpus: word tokens, word types, types per 100 tokens (over all
    training tokens, then over the first N tokens of each, N the smaller language's count, so the two
    are compared at equal size), and the share of held-out words never seen in training (Korean's
    particles and endings make many more word forms). Column names in ``lang``."""
    import pandas as pd

    streams = {corpus_lang: [w for s in corpus_tokens("word", corpus_lang)[0] for w in s] for corpus_lang in LANGS}
    equal = min(map(len, streams.values()))
    rows = []
    for corpus_lang in LANGS:
        train, heldout = corpus_tokens("word", corpus_lang)
        seen = {w for s in train for w in s}
        held = [w for s in heldout for w in s]
        rows.append({t("language", "언어", lang): corpus_lang,
                     t("training tokens", "학습 토큰 수", lang): len(streams[corpus_lang]),
                     t("word types", "단어 유형 수", lang): len(seen),
                     t("types per 100 tokens", "100토큰당 유형 수", lang): type_token_ratio(streams[corpus_lang]),
                     t("share of held-out words unseen in training", "평가 문장의 미등록어 비율", lang):
                         sum(w not in seen for w in held) / len(held),
                     t(f"types per 100 tokens, first {equal} tokens", f"처음 {equal}토큰의 100토큰당 유형 수", lang):
                         type_token_ratio(streams[corpus_lang], equal)})
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=None)
def corpus_ngram(order: int = 2, unit: str = "word") -> NGramLM:
    """The n-gram model of the shipped corpus's training part (both languages)."""
    return train_ngram(corpus_tokens(unit)[0], order)


def chain_rule_table(text: str, order: int = 2, k: float = 0.1, lang: str | None = None) -> Any:
    """One row per factor of the chain rule for ``text`` under the corpus n-gram model."""
    import pandas as pd

    model = corpus_ngram(order)
    rows = [{t("context", "문맥", lang): " ".join(context) or "∅", t("token", "토큰", lang): word,
             "P(token | context)": p, "−log P": -math.log(p) if p > 0 else math.inf}
            for context, word, p in model.steps(tokenize(text), k)]
    return pd.DataFrame(rows)


def chain_rule_report(text: str = "오늘은 햇살이 좋다", order: int = 2, k: float = 0.1,
                      lang: str | None = None) -> Any:
    """Widget: the sentence's probability as a product of conditional probabilities, with the table."""
    from IPython.display import HTML

    if not text.split():
        return HTML(f"<p>{t('Type a sentence.', '문장을 입력하세요.', lang)}</p>")
    table = chain_rule_table(text, order, k, lang)
    probs = table["P(token | context)"].to_numpy()
    model = corpus_ngram(order)
    factors = " × ".join(f"P({html.escape(w)} | {html.escape(c)})" for c, w in zip(table.iloc[:, 0], table.iloc[:, 1]))
    logp = float(np.sum(np.log(probs))) if probs.min() > 0 else -math.inf
    ppl = math.exp(-logp / len(probs)) if math.isfinite(logp) else math.inf
    unknown = [w for w in tokenize(text) if w not in model.vocab]
    unk, words = f"<code>{html.escape(UNK)}</code>", html.escape(", ".join(unknown))
    note = (f"<p>{t(f'Unknown words (scored as {unk}): {words}', f'미등록어({unk}로 계산): {words}', lang)}</p>"
            if unknown else "")
    zero = t("A factor is 0, so the whole sentence gets probability 0: raise k.",
             "곱의 한 항이 0이라 문장 전체의 확률이 0이 됩니다. k를 올려 보세요.", lang)
    zero = f"<p><b>{zero}</b></p>" if probs.min() <= 0 else ""
    return HTML(
        f"<p><b>P({html.escape(text)})</b> = {factors}</p>"
        f"<p>log P = {logp:.3f} &nbsp; P = {math.exp(logp):.3g} &nbsp; "
        f"{t('perplexity', '퍼플렉서티', lang)} = {ppl:.2f} &nbsp; ({order}-gram, add-k = {k:g}, V = {model.size})</p>"
        f"{note}{zero}{table.to_html(index=False, float_format=lambda x: f'{x:.4f}')}"
    )


@functools.lru_cache(maxsize=None)
def best_ngram_heldout(order: int = 2) -> tuple[float, float]:
    """The add-k (on a log grid) that gives the lowest held-out cross-entropy, and that cross-entropy."""
    heldout = corpus_tokens("word")[1]
    model = corpus_ngram(order)
    grid = np.logspace(-3, 0, 13)
    losses = [model.cross_entropy(heldout, k) for k in grid]
    best = int(np.argmin(losses))
    return float(grid[best]), float(losses[best])


# --- perplexity ------------------------------------------------------------------------------------


def smoothing_curve(order: int = 2, unit: str = "word", grid: Sequence[float] | None = None) -> dict[str, list[float]]:
    """Training and held-out perplexity of the corpus n-gram model at each add-k value of ``grid``."""
    train, heldout = corpus_tokens(unit)
    model = train_ngram(train, order)
    ks = list(grid if grid is not None else np.logspace(-3, 1, 17))
    return {"k": ks, "train": [model.perplexity(train, k) for k in ks],
            "heldout": [model.perplexity(heldout, k) for k in ks]}


def smoothing_report(k: float = 0.1, order: int = 2, lang: str | None = None) -> Any:
    """Widget: training vs held-out perplexity as add-k smoothing varies; the current k is marked.
    Plot text in ``lang``."""
    import matplotlib.pyplot as plt

    curve = smoothing_curve(order)
    train, heldout = corpus_tokens("word")
    model = corpus_ngram(order)
    at_train, at_heldout = model.perplexity(train, k), model.perplexity(heldout, k)
    unknown = sum(w not in model.vocab for s in heldout for w in s)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(curve["k"], curve["train"], marker=".", label=t("training sentences", "학습 문장", lang))
    ax.plot(curve["k"], curve["heldout"], marker=".", label=t("held-out sentences", "평가 문장", lang))
    ax.scatter([k, k], [at_train, at_heldout], color="black", zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("add-k")
    ax.set_ylabel(t("perplexity (log scale)", "퍼플렉서티 (로그 눈금)", lang))
    ax.set_title(t(f"{order}-gram, k = {k:g}: train {at_train:.1f}, held-out {at_heldout:.1f} "
                   f"(V = {model.size}, {unknown} unknown held-out tokens)",
                   f"{order}-gram, k = {k:g}: 학습 {at_train:.1f}, 평가 {at_heldout:.1f} "
                   f"(V = {model.size}, 평가 문장의 미등록어 토큰 {unknown}개)", lang), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def spelling_bits(word: str, chars: NGramLM, k: float = 0.1) -> float:
    """Bits to spell ``word`` out with the character bigram model ``chars``: its characters one by one
    after a word boundary (``▁``), then the boundary that ends it."""
    if chars.order != 2:
        raise ValueError("spelling_bits needs a character bigram model")
    symbols = [SPACE, *word, SPACE]
    return -sum(math.log2(chars.prob(b, (a,), k)) for a, b in zip(symbols, symbols[1:]))


def tokenizer_table(k: float = 0.1, lang: str | None = None) -> Any:
    """Bigram perplexity of the held-out corpus with word and character tokens: per token it differs
    wildly; per character (bits per character) the two become comparable — once the word model pays
    for its ``<unk>`` tokens. A word model scores every unseen word as the single token ``<unk>``, the
    probability of *some* unknown word, not of this one: its bits per character are too low. The last
    column adds the bits to spell each unknown word with the character model (open vocabulary)."""
    import pandas as pd

    char_train, _ = corpus_tokens("char")
    speller = train_ngram(char_train, 2)
    rows = []
    for unit in UNITS:
        train, heldout = corpus_tokens(unit)
        model = train_ngram(train, 2)
        nats = model.cross_entropy(heldout, k) * sum(len(s) + 1 for s in heldout)  # + 1: each </s>
        chars = sum(len(" ".join(s) if unit == "word" else "".join(s)) + 1 for s in heldout)
        unknown = [w for s in heldout for w in s if w not in model.vocab]
        spelled = sum(spelling_bits(w, speller, k) for w in unknown) if unit == "word" else 0.0
        bpc = nats / chars / math.log(2)
        rows.append({t("tokens", "토큰 단위", lang): t(unit, {"word": "단어", "char": "문자"}[unit], lang),
                     "V": model.size,
                     t("held-out tokens", "평가 토큰 수", lang): sum(len(s) + 1 for s in heldout),
                     t("perplexity per token", "토큰당 퍼플렉서티", lang): model.perplexity(heldout, k),
                     t("bits per character", "문자당 비트 수", lang): bpc,
                     t("<unk> tokens", "<unk> 토큰 수", lang): len(unknown),
                     t("bits per character, <unk> spelled out", "문자당 비트 수 (<unk> 철자까지)", lang):
                         bpc + spelled / chars})
    return pd.DataFrame(rows)


# --- widget controls (stock ipywidgets; the logic above stays plain functions) -----------------------


def chain_rule_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`chain_rule_report`."""
    import ipywidgets as w

    return {"text": w.Text(value="오늘은 햇살이 좋다", description=t("sentence", "문장", lang), continuous_update=False),
            "order": w.IntSlider(value=2, min=1, max=3, description="n"),
            "k": w.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25, description="add-k")}

def smoothing_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`smoothing_report`."""
    import ipywidgets as w

    return {"k": w.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25, description="add-k"),
            "order": w.IntSlider(value=2, min=1, max=3, description="n")}
